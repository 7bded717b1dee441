export type { SearchNode, SearchField, SearchLiteral, ComparisonOperator } from './ast.ts';
export { compileSearch } from './compiler.ts';
export type { CompiledSearch, SearchColumn, SearchColumns, SearchColumnType } from './compiler.ts';
export { parseSearch, MAX_SEARCH_DEPTH, MAX_SEARCH_LENGTH, MAX_SEARCH_PREDICATES } from './parser.ts';
export { SearchError, isSearchError } from './search-error.ts';
export { tokenize, SEARCH_KEYWORDS } from './tokenizer.ts';
export type { Token, TokenKind } from './tokenizer.ts';
