/**
 * Equality of JSON values in the two flavours upstream uses: {@link jsonEqual} compares unstructured
 * trees exactly (apimachinery `Semantic.DeepEqual` on `map[string]interface{}`), and
 * {@link semanticEqual} compares the way typed Go structs compare, where an absent field, `null`, an
 * empty object and an empty list are all the same zero value.
 */

/** Exact structural equality of two JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return compare(a, b, false);
}

/** Structural equality treating absent, `null`, `{}` and `[]` as equal. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return compare(a, b, true);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function compare(a: unknown, b: unknown, loose: boolean): boolean {
  if (loose && isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => compare(item, b[i], loose));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!loose && (!(key in left) || !(key in right))) return false;
    if (!compare(left[key], right[key], loose)) return false;
  }
  return true;
}
