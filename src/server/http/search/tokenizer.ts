import { SearchError } from './search-error.ts';

/** Kinds of lexical tokens in the search language. */
export type TokenKind =
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'number'
  | 'operator'
  | 'arrow'
  | 'text-arrow'
  | 'contains'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'end';

/** One token; `position` is the 1-based index of its first character in the query. */
export interface Token {
  kind: TokenKind;
  /** Identifier/keyword lower-cased, string contents unquoted, number/operator text as written. */
  value: string;
  position: number;
}

/** Words with a grammatical role; they cannot be used as column names. */
export const SEARCH_KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'like',
  'ilike',
  'in',
  'is',
  'null',
  'between',
  'true',
  'false',
]);

const COMPARISON_OPERATORS = ['<>', '!=', '<=', '>=', '=', '<', '>'] as const;
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_.]/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/;

/**
 * Splits a search query into tokens. Strings are single-quoted with `''` as the escaped quote (SQL
 * style); anything that is not part of the language (`;`, `--`, double quotes outside strings…) is
 * rejected here, so nothing unexpected ever reaches the parser.
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i]!;
    const position = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      const { value, next } = readString(query, i);
      tokens.push({ kind: 'string', value, position });
      i = next;
      continue;
    }
    if (query.startsWith('->>', i)) {
      tokens.push({ kind: 'text-arrow', value: '->>', position });
      i += 3;
      continue;
    }
    if (query.startsWith('->', i)) {
      tokens.push({ kind: 'arrow', value: '->', position });
      i += 2;
      continue;
    }
    if (query.startsWith('@>', i)) {
      tokens.push({ kind: 'contains', value: '@>', position });
      i += 2;
      continue;
    }
    const number = NUMBER.exec(query.slice(i));
    if (number !== null && (ch !== '-' || !query.startsWith('--', i))) {
      tokens.push({ kind: 'number', value: number[0], position });
      i += number[0].length;
      continue;
    }
    const operator = COMPARISON_OPERATORS.find((op) => query.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push({ kind: 'operator', value: operator, position });
      i += operator.length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', value: ch, position });
      i++;
      continue;
    }
    if (IDENTIFIER_START.test(ch)) {
      let end = i + 1;
      while (end < query.length && IDENTIFIER_PART.test(query[end]!)) end++;
      const word = query.slice(i, end).toLowerCase();
      tokens.push({ kind: SEARCH_KEYWORDS.has(word) ? 'keyword' : 'identifier', value: word, position });
      i = end;
      continue;
    }
    throw new SearchError(`unexpected character '${ch}'`, position);
  }
  tokens.push({ kind: 'end', value: '', position: query.length + 1 });
  return tokens;
}

function readString(query: string, start: number): { value: string; next: number } {
  let value = '';
  let i = start + 1;
  while (i < query.length) {
    const ch = query[i]!;
    if (ch === "'") {
      if (query[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, next: i + 1 };
    }
    value += ch;
    i++;
  }
  throw new SearchError('unterminated string', start + 1);
}
