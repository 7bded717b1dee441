import type { ComparisonOperator, SearchField, SearchLiteral, SearchNode } from './ast.ts';
import { SearchError } from './search-error.ts';
import { tokenize } from './tokenizer.ts';
import type { Token, TokenKind } from './tokenizer.ts';

/** Longest accepted query, in characters. */
export const MAX_SEARCH_LENGTH = 16_384;
/** Deepest accepted nesting of parentheses and `not`, so recursion stays bounded. */
export const MAX_SEARCH_DEPTH = 64;
/** Most predicates accepted in one query. */
export const MAX_SEARCH_PREDICATES = 1_000;

/**
 * Parses the SQL-WHERE-like search language of the REST API (upstream's TSL grammar plus the JSONB
 * label predicates the Go SDK sends) into a {@link SearchNode} tree.
 *
 * Grammar (keywords case-insensitive):
 * ```
 * or        := and ('or' and)*
 * and       := unary ('and' unary)*
 * unary     := 'not' unary | '(' or ')' | predicate
 * predicate := field ( cmp literal | cmp 'null' | ['not'] ('like'|'ilike') string
 *            | 'is' ['not'] 'null' | ['not'] 'between' literal 'and' literal
 *            | ['not'] 'in' '(' literal (',' literal)* ')' | '@>' string )
 * field     := identifier ('->' string)* ['->>' string]
 * ```
 * Throws {@link SearchError} naming the position of the first problem.
 */
export function parseSearch(query: string): SearchNode {
  if (query.length > MAX_SEARCH_LENGTH) {
    throw new SearchError(`query longer than ${MAX_SEARCH_LENGTH} characters`, MAX_SEARCH_LENGTH + 1);
  }
  const parser = new Parser(tokenize(query));
  return parser.parseQuery();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;
  private predicates = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parseQuery(): SearchNode {
    if (this.peek().kind === 'end') throw new SearchError('empty query', this.peek().position);
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.unexpected(rest, "'and', 'or' or the end of the query");
    return node;
  }

  private parseOr(): SearchNode {
    let left = this.parseAnd();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): SearchNode {
    let left = this.parseUnary();
    while (this.acceptKeyword('and')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): SearchNode {
    const token = this.peek();
    if (token.kind === 'keyword' && token.value === 'not') {
      this.index++;
      return this.nested(token, () => ({ kind: 'not', operand: this.parseUnary() }));
    }
    if (token.kind === 'lparen') {
      this.index++;
      return this.nested(token, () => {
        const inner = this.parseOr();
        this.expect('rparen', "')'");
        return inner;
      });
    }
    return this.parsePredicate();
  }

  private nested(token: Token, parse: () => SearchNode): SearchNode {
    if (++this.depth > MAX_SEARCH_DEPTH) {
      throw new SearchError(`nesting deeper than ${MAX_SEARCH_DEPTH} levels`, token.position);
    }
    const node = parse();
    this.depth--;
    return node;
  }

  private parsePredicate(): SearchNode {
    const field = this.parseField();
    if (++this.predicates > MAX_SEARCH_PREDICATES) {
      throw new SearchError(`more than ${MAX_SEARCH_PREDICATES} predicates`, field.position);
    }
    const token = this.next();
    if (token.kind === 'operator') return this.parseComparison(field, token);
    if (token.kind === 'contains') return { kind: 'contains', field, document: this.expectString() };
    if (token.kind === 'keyword') {
      if (token.value === 'is') {
        const negated = this.acceptKeyword('not');
        this.expectKeyword('null');
        return { kind: 'is-null', field, negated };
      }
      const negated = token.value === 'not';
      const keyword = negated ? this.next() : token;
      if (keyword.kind === 'keyword') {
        if (keyword.value === 'like' || keyword.value === 'ilike') {
          const caseInsensitive = keyword.value === 'ilike';
          return { kind: 'like', field, negated, caseInsensitive, pattern: this.expectString() };
        }
        if (keyword.value === 'between') {
          const low = this.parseLiteral();
          this.expectKeyword('and');
          return { kind: 'between', field, negated, low, high: this.parseLiteral() };
        }
        if (keyword.value === 'in') return { kind: 'in', field, negated, values: this.parseList() };
      }
      if (negated) throw this.unexpected(keyword, "'like', 'ilike', 'between' or 'in' after 'not'");
    }
    throw this.unexpected(token, 'an operator');
  }

  private parseComparison(field: SearchField, token: Token): SearchNode {
    const operator = (token.value === '<>' ? '!=' : token.value) as ComparisonOperator;
    const next = this.peek();
    if (next.kind === 'keyword' && next.value === 'null') {
      // `x <> null` is how the Go SDK spells "label exists"; in SQL it would match nothing, so it
      // is read as the intended `is not null` (and `= null` as `is null`).
      if (operator !== '=' && operator !== '!=') throw this.unexpected(next, 'a value');
      this.index++;
      return { kind: 'is-null', field, negated: operator === '!=' };
    }
    return { kind: 'compare', field, operator, value: this.parseLiteral() };
  }

  private parseField(): SearchField {
    const token = this.next();
    if (token.kind !== 'identifier') throw this.unexpected(token, 'a field name');
    const path: string[] = [];
    let asText = false;
    while (!asText && (this.peek().kind === 'arrow' || this.peek().kind === 'text-arrow')) {
      asText = this.next().kind === 'text-arrow';
      path.push(this.expectString().value);
    }
    return { column: token.value, path, asText, position: token.position };
  }

  private parseList(): SearchLiteral[] {
    this.expect('lparen', "'('");
    const values = [this.parseLiteral()];
    while (this.peek().kind === 'comma') {
      this.index++;
      values.push(this.parseLiteral());
    }
    this.expect('rparen', "',' or ')'");
    return values;
  }

  private parseLiteral(): SearchLiteral {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.value, position: token.position };
    if (token.kind === 'number') return { kind: 'number', value: token.value, position: token.position };
    if (token.kind === 'keyword' && (token.value === 'true' || token.value === 'false')) {
      return { kind: 'boolean', value: token.value === 'true', position: token.position };
    }
    throw this.unexpected(token, 'a value');
  }

  private expectString(): SearchLiteral & { kind: 'string' } {
    const token = this.next();
    if (token.kind !== 'string') throw this.unexpected(token, 'a quoted string');
    return { kind: 'string', value: token.value, position: token.position };
  }

  private expect(kind: TokenKind, description: string): Token {
    const token = this.next();
    if (token.kind !== kind) throw this.unexpected(token, description);
    return token;
  }

  private expectKeyword(keyword: string): void {
    const token = this.next();
    if (token.kind !== 'keyword' || token.value !== keyword) throw this.unexpected(token, `'${keyword}'`);
  }

  private acceptKeyword(keyword: string): boolean {
    const token = this.peek();
    if (token.kind !== 'keyword' || token.value !== keyword) return false;
    this.index++;
    return true;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private unexpected(token: Token, expected: string): SearchError {
    const found =
      token.kind === 'end'
        ? 'the end of the query'
        : token.kind === 'string'
          ? 'a string'
          : `'${token.value}'`;
    return new SearchError(`expected ${expected} but found ${found}`, token.position);
  }
}
