/**
 * The tree a `search` query parses into. Only the compiler turns it into SQL, so every user-supplied
 * value stays a value (a bind parameter) and every name must come from an allow-list.
 */

/** A literal on the right-hand side of a predicate. */
export type SearchLiteral =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: string; position: number }
  | { kind: 'boolean'; value: boolean; position: number };

/**
 * A reference to a column, optionally followed by a JSONB path: `payload->'metadata'->'labels'` keeps
 * JSONB (`asText` false), `…->>'app'` ends with a text value (`asText` true).
 */
export interface SearchField {
  column: string;
  path: readonly string[];
  asText: boolean;
  position: number;
}

/** Comparison operators after normalisation (`<>` becomes `!=`). */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A node of the search tree. */
export type SearchNode =
  | { kind: 'and' | 'or'; left: SearchNode; right: SearchNode }
  | { kind: 'not'; operand: SearchNode }
  | { kind: 'compare'; field: SearchField; operator: ComparisonOperator; value: SearchLiteral }
  | { kind: 'like'; field: SearchField; negated: boolean; caseInsensitive: boolean; pattern: SearchLiteral }
  | { kind: 'in'; field: SearchField; negated: boolean; values: readonly SearchLiteral[] }
  | { kind: 'is-null'; field: SearchField; negated: boolean }
  | { kind: 'between'; field: SearchField; negated: boolean; low: SearchLiteral; high: SearchLiteral }
  | { kind: 'contains'; field: SearchField; document: SearchLiteral };
