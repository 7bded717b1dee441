import type { SearchField, SearchLiteral, SearchNode } from './ast.ts';
import { parseSearch } from './parser.ts';
import { SearchError } from './search-error.ts';

/** SQL type of a searchable column; decides which predicates and literals it accepts. */
export type SearchColumnType = 'text' | 'number' | 'timestamp' | 'jsonb';

/** One allow-listed column: the name users write and the SQL it compiles to. */
export interface SearchColumn {
  type: SearchColumnType;
  /** SQL expression for the column (e.g. `r.consumer_name`); written by us, never by users. */
  sql: string;
}

/** What a search may reference: lower-case user-facing names → columns. */
export type SearchColumns = Readonly<Record<string, SearchColumn>>;

/** A compiled WHERE fragment and its bind values. */
export interface CompiledSearch {
  /** SQL using `$n` placeholders numbered after the `params` passed in. */
  sql: string;
  /** All bind values: the ones passed in followed by this fragment's. */
  params: unknown[];
}

/** ISO 8601 date or date-time (what PostgreSQL and `Date.parse` both read the same way). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

type ValueType = 'text' | 'number' | 'timestamp' | 'jsonb';

const SQL_COMPARISON: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/**
 * Parses `query` and compiles it to a parameterised SQL boolean expression over `columns`.
 * `params` are bind values already used by the surrounding statement; new placeholders continue
 * their numbering. User text only ever becomes a bind value; names must be in the allow-list.
 */
export function compileSearch(
  query: string,
  columns: SearchColumns,
  params: readonly unknown[] = [],
): CompiledSearch {
  const compiler = new Compiler(columns, [...params]);
  const sql = compiler.compile(parseSearch(query));
  return { sql, params: compiler.params };
}

class Compiler {
  readonly params: unknown[];
  private readonly columns: SearchColumns;

  constructor(columns: SearchColumns, params: unknown[]) {
    this.columns = columns;
    this.params = params;
  }

  compile(node: SearchNode): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${this.compile(node.left)} ${node.kind.toUpperCase()} ${this.compile(node.right)})`;
      case 'not':
        return `(NOT ${this.compile(node.operand)})`;
      case 'is-null':
        return `(${this.field(node.field).sql} IS ${node.negated ? 'NOT ' : ''}NULL)`;
      case 'compare': {
        const field = this.scalarField(node.field);
        return `(${field.sql} ${SQL_COMPARISON[node.operator]} ${this.bind(node.value, field.type)})`;
      }
      case 'like': {
        const field = this.scalarField(node.field);
        if (field.type !== 'text') throw new SearchError(`'like' needs a text field`, node.field.position);
        const operator = `${node.negated ? 'NOT ' : ''}${node.caseInsensitive ? 'ILIKE' : 'LIKE'}`;
        return `(${field.sql} ${operator} ${this.bind(node.pattern, 'text')})`;
      }
      case 'in': {
        const field = this.scalarField(node.field);
        const values = node.values.map((value) => this.bind(value, field.type));
        return `(${field.sql} ${node.negated ? 'NOT IN' : 'IN'} (${values.join(', ')}))`;
      }
      case 'between': {
        const field = this.scalarField(node.field);
        const range = `${this.bind(node.low, field.type)} AND ${this.bind(node.high, field.type)}`;
        return `(${field.sql} ${node.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${range})`;
      }
      case 'contains': {
        const field = this.field(node.field);
        if (field.type !== 'jsonb') throw new SearchError(`'@>' needs a JSON field`, node.field.position);
        return `(${field.sql} @> ${this.bind(node.document, 'jsonb')})`;
      }
    }
  }

  private scalarField(ref: SearchField): { sql: string; type: ValueType } {
    const field = this.field(ref);
    if (field.type === 'jsonb') {
      throw new SearchError(`field '${ref.column}' is JSON: compare a text value with '->>'`, ref.position);
    }
    return field;
  }

  private field(ref: SearchField): { sql: string; type: ValueType } {
    const column = Object.hasOwn(this.columns, ref.column) ? this.columns[ref.column] : undefined;
    if (column === undefined) {
      const allowed = Object.keys(this.columns).join(', ');
      throw new SearchError(`unknown field '${ref.column}' (allowed: ${allowed})`, ref.position);
    }
    if (ref.path.length === 0) return { sql: column.sql, type: column.type };
    if (column.type !== 'jsonb') throw new SearchError(`field '${ref.column}' is not JSON`, ref.position);
    let sql = column.sql;
    ref.path.forEach((key, i) => {
      const arrow = ref.asText && i === ref.path.length - 1 ? '->>' : '->';
      sql += ` ${arrow} ${this.push(key)}::text`;
    });
    return { sql: `(${sql})`, type: ref.asText ? 'text' : 'jsonb' };
  }

  private bind(literal: SearchLiteral, type: ValueType): string {
    if (type === 'jsonb') {
      if (literal.kind !== 'string' || !isJson(literal.value)) {
        throw new SearchError('expected a quoted JSON document', literal.position);
      }
      return `${this.push(literal.value)}::jsonb`;
    }
    if (type === 'number') {
      const text = String(literal.value);
      if (literal.kind === 'boolean' || !Number.isFinite(Number(text)) || text.trim() === '') {
        throw new SearchError(`expected a number but found '${text}'`, literal.position);
      }
      return `${this.push(text)}::numeric`;
    }
    if (type === 'timestamp') {
      if (
        literal.kind !== 'string' ||
        !TIMESTAMP.test(literal.value) ||
        Number.isNaN(Date.parse(literal.value))
      ) {
        throw new SearchError(
          `expected a quoted timestamp but found '${String(literal.value)}'`,
          literal.position,
        );
      }
      return `${this.push(literal.value)}::timestamptz`;
    }
    return `${this.push(String(literal.value))}::text`;
  }

  private push(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
