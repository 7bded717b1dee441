/**
 * JSON text the way Go's `encoding/json` writes it, for the places where upstream compares or hashes
 * bytes: objects with sorted keys (Go marshals maps sorted), no whitespace, and Go's string escaping
 * (HTML-safe `\u003c` `\u003e` `\u0026`, `\u2028` `\u2029`, lower-case `\u00xx` for other controls).
 */

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]/g;

/** A JSON string literal with Go's escaping. Lone surrogates become U+FFFD, as Go's decoder makes them. */
export function goQuote(text: string): string {
  const escaped = text.toWellFormed().replace(NEEDS_ESCAPE, (ch) => {
    return SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/**
 * Serialises a JSON value like Go marshals a `map[string]interface{}` tree: keys sorted at every level.
 * `undefined` members are skipped (as `JSON.stringify` does); numbers use JavaScript's formatting,
 * which equals Go's for integers.
 */
export function goSortedJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item) => goSortedJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => compareBytes(a, b));
  return `{${entries.map(([key, member]) => `${goQuote(key)}:${goSortedJson(member)}`).join(',')}}`;
}

/** Go sorts map keys by UTF-8 bytes; UTF-16 order differs only for code units from U+D800 up. */
function compareBytes(a: string, b: string): number {
  if (BEYOND_SURROGATES.test(a) || BEYOND_SURROGATES.test(b)) {
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const BEYOND_SURROGATES = /[\ud800-\uffff]/;
