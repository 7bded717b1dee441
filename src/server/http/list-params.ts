/**
 * The list query parameters shared by every collection: `page`, `size`, `orderBy`, `fields` and
 * `search` (server.md §2.3), validated and turned into a store {@link RestListQuery}.
 */
import type { RestColumn, RestListQuery } from '../store/rest-queries.ts';
import { API_ERROR_CODE, ApiError } from './api-errors.ts';
import { compileSearch } from './search/index.ts';

/** Page size when `size` is absent (upstream's default). */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page; upstream also maps negative sizes to it. */
export const MAX_PAGE_SIZE = 65_500;

/** Raw query-string values as fastify parses them. */
export type RawListParams = Readonly<Record<string, string | string[] | undefined>>;

/** A validated list request. */
export interface ListRequest {
  /** 1-based page number, echoed in the response. */
  page: number;
  query: RestListQuery;
  /** Top-level or dotted field paths to keep (`id` always kept), or undefined for whole items. */
  fields?: readonly string[];
}

function single(raw: RawListParams, name: string): string | undefined {
  const value = raw[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function integer(raw: RawListParams, name: string): number | undefined {
  const text = single(raw, name)?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) {
    throw new ApiError(API_ERROR_CODE.badRequest, `${name} '${text}' is not an integer`);
  }
  return Number(text);
}

function parseOrderBy(text: string | undefined, columns: Readonly<Record<string, RestColumn>>): string[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((term) => {
    const [name, direction, ...rest] = term.trim().split(/\s+/);
    const column =
      name === undefined
        ? undefined
        : Object.hasOwn(columns, name.toLowerCase())
          ? columns[name.toLowerCase()]
          : undefined;
    const dir = (direction ?? 'asc').toLowerCase();
    if (column === undefined || !column.orderable || rest.length > 0 || (dir !== 'asc' && dir !== 'desc')) {
      const allowed = Object.entries(columns)
        .filter(([, c]) => c.orderable)
        .map(([n]) => n)
        .join(', ');
      throw new ApiError(
        API_ERROR_CODE.badRequest,
        `bad order value '${term.trim()}' (columns: ${allowed}; asc or desc)`,
      );
    }
    return `${column.sql} ${dir.toUpperCase()}`;
  });
}

function parseFields(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const fields = text
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return fields.includes('id') ? fields : ['id', ...fields];
}

/**
 * Validates the list parameters against a table's allow-listed `columns`. Upstream quirks kept:
 * `size` below 0 or above 65,500 means 65,500 and `size=0` returns only the total. Changed: a
 * non-numeric or non-positive `page` is a 400 instead of silently becoming page 0.
 */
export function parseListParams(
  raw: RawListParams,
  columns: Readonly<Record<string, RestColumn>>,
): ListRequest {
  const page = integer(raw, 'page') ?? 1;
  if (page < 1 || !Number.isSafeInteger(page * MAX_PAGE_SIZE)) {
    throw new ApiError(API_ERROR_CODE.badRequest, `page ${page} is out of range`);
  }
  let size = integer(raw, 'size') ?? DEFAULT_PAGE_SIZE;
  if (size < 0 || size > MAX_PAGE_SIZE) size = MAX_PAGE_SIZE;
  // not trimmed: error positions must count the characters the client sent
  const search = single(raw, 'search');
  const where = search === undefined || search.trim() === '' ? undefined : compileSearch(search, columns);
  const orderBy = parseOrderBy(single(raw, 'orderBy'), columns);
  const fields = parseFields(single(raw, 'fields'));
  return {
    page,
    query: { where, orderBy, offset: (page - 1) * size, limit: size },
    ...(fields === undefined ? {} : { fields }),
  };
}
