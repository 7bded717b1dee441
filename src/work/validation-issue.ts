/** The problem record validation returns, and small helpers the validators share. */

/** One validation problem: where (a JSON path such as `manifests[1].kind`) and what, in lower case. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON kind of a value for messages: `array`, `null`, `string`, … */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}
