import type { CelEnv, CelInput, CelValue } from '@bufbuild/cel';
import { CelScalar, celEnv, celFunc, isCelError, isCelList, isCelMap, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/**
 * CEL for condition rules: the environment (variables `object` and, for message expressions, `result`;
 * the strings extension; sdk-go's `hasConditions(map)`), and JSON-to-CEL conversion so Kubernetes
 * integers are CEL `int` as in Go's unstructured objects.
 */

/** Why an expression produced no usable value: it failed to compile/evaluate, or the planner failed. */
export type CelFailure = { kind: 'expression' | 'internal'; message: string };

/** `hasConditions(object.status)`: true when the map has a non-empty `conditions` list. */
const hasConditions = celFunc('hasConditions', [CelScalar.DYN], CelScalar.BOOL, (value: CelValue) => {
  if (!isCelMap(value)) return false;
  const conditions = value.get('conditions');
  return isCelList(conditions) && conditions.size > 0;
});

let env: CelEnv | undefined;

function conditionEnv(): CelEnv {
  env ??= celEnv({
    variables: { object: CelScalar.DYN, result: CelScalar.BOOL },
    funcs: [...strings, hasConditions],
  });
  return env;
}

/** Converts parsed JSON to CEL input: whole numbers become `int` (bigint), objects become maps. */
export function toCelInput(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelInput);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCelInput(v)])) as CelInput;
  }
  return value as CelInput;
}

/** Compiles and evaluates one expression; returns the value or a {@link CelFailure}. */
export function evaluateCel(expression: string, bindings: Record<string, CelInput>): CelValue | CelFailure {
  let parsed;
  try {
    parsed = parse(expression);
  } catch (err: unknown) {
    return { kind: 'expression', message: err instanceof Error ? err.message : String(err) };
  }
  let program;
  try {
    program = plan(conditionEnv(), parsed);
  } catch (err: unknown) {
    return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
  }
  try {
    const out = program(bindings);
    if (isCelError(out)) return { kind: 'expression', message: out.message };
    return out;
  } catch (err: unknown) {
    return { kind: 'expression', message: err instanceof Error ? err.message : String(err) };
  }
}

/** True when `value` is a {@link CelFailure}. */
export function isCelFailure(value: unknown): value is CelFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isCelMap(value) &&
    !isCelList(value) &&
    'kind' in value &&
    'message' in value &&
    ((value as CelFailure).kind === 'expression' || (value as CelFailure).kind === 'internal')
  );
}

/** Go-like type name of a CEL value, for "expected bool result, got <type>" messages. */
export function celTypeName(value: CelValue): string {
  if (typeof value === 'bigint') return 'int64';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'string') return 'string';
  if (value === null) return '<nil>';
  if (isCelList(value)) return '[]interface {}';
  if (isCelMap(value)) return 'map[string]interface {}';
  return typeof value;
}
