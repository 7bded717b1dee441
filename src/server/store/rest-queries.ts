/**
 * Read queries behind the REST API's lists and gets: the allow-listed columns, filtered, ordered,
 * paged reads ({@link listPage}; resource bundles build on it in rest-bundle-queries.ts) and the
 * consumer reads. Filters and orderings arrive as SQL built by the REST layer from the allow-lists
 * below, with every user value as a bind parameter; this module adds paging and the stable
 * tie-breaker order.
 */
import type pg from 'pg';
import { MaestroError } from '../../common/errors.ts';
import { databaseError } from './database.ts';

/** SQL type of a column a REST client may filter or order by. */
export type RestColumnType = 'text' | 'number' | 'timestamp' | 'jsonb';

/** An allow-listed column: user-facing name → SQL expression and type. */
export interface RestColumn {
  type: RestColumnType;
  sql: string;
  /** False for JSON columns, which can be filtered but not ordered by. */
  orderable: boolean;
}

/** Columns of `resources` usable in `search` and `orderBy`. */
export const RESOURCE_COLUMNS: Readonly<Record<string, RestColumn>> = {
  id: { type: 'text', sql: 'r.id', orderable: true },
  name: { type: 'text', sql: 'r.name', orderable: true },
  consumer_name: { type: 'text', sql: 'r.consumer_name', orderable: true },
  source: { type: 'text', sql: 'r.source', orderable: true },
  version: { type: 'number', sql: 'r.version', orderable: true },
  created_at: { type: 'timestamp', sql: 'r.created_at', orderable: true },
  updated_at: { type: 'timestamp', sql: 'r.updated_at', orderable: true },
  deleted_at: { type: 'timestamp', sql: 'r.deleted_at', orderable: true },
  payload: { type: 'jsonb', sql: 'r.payload', orderable: false },
  status: { type: 'jsonb', sql: 'r.status', orderable: false },
};

/** Columns of `consumers` usable in `search` and `orderBy`. */
export const CONSUMER_COLUMNS: Readonly<Record<string, RestColumn>> = {
  id: { type: 'text', sql: 'c.id', orderable: true },
  name: { type: 'text', sql: 'c.name', orderable: true },
  labels: { type: 'jsonb', sql: 'c.labels', orderable: false },
  created_at: { type: 'timestamp', sql: 'c.created_at', orderable: true },
  updated_at: { type: 'timestamp', sql: 'c.updated_at', orderable: true },
};

/** A filtered, ordered page request. */
export interface RestListQuery {
  /** A boolean SQL expression over the table's columns (built from an allow-list), or none. */
  where?: { sql: string; params: readonly unknown[] };
  /** `ORDER BY` terms built from the allow-list (e.g. `r.name DESC`); `created_at, id` follow. */
  orderBy: readonly string[];
  offset: number;
  /** Rows to return; 0 counts only. */
  limit: number;
}

/** A page of rows plus the number of rows matching the filter. */
export interface RestPage<T> {
  rows: T[];
  total: number;
}

/** A `consumers` row as the REST layer presents it. */
export interface ConsumerRestRow {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
}

/** SQL rendering timestamp `column` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds). */
export const utcText = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A table as {@link listPage} pages it. */
export interface PageSource {
  /** What the rows are, for error messages (`resource bundles`). */
  what: string;
  table: string;
  /** The alias the allow-list's SQL uses for `table` (`r`, `c`). */
  alias: string;
  /** What each page row selects, over `alias`. */
  columns: string;
  /** A condition every read of the table adds (`c.deleted_at IS NULL`), or none. */
  baseFilter?: string;
}

const CONSUMERS: PageSource = {
  what: 'consumers',
  table: 'consumers',
  alias: 'c',
  columns: `c.id, c.name, c.labels, ${utcText('c.created_at')} AS created_at,
  ${utcText('c.updated_at')} AS updated_at`,
  baseFilter: 'c.deleted_at IS NULL',
};

interface ConsumerSqlRow {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  created_at: string;
  updated_at: string;
}

function toConsumer(row: ConsumerSqlRow): ConsumerRestRow {
  return {
    id: row.id,
    name: row.name,
    labels: row.labels,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Counts the matches and reads one page, concurrently on two connections. The page's ids are
 * chosen by an inner query that reads only the filter and sort columns (for the default order and
 * the common filters an index hands them over in order, so nothing is sorted), and only those rows
 * are joined back for `columns`, re-sorted by the same keys (a unique order, ending in the id). The
 * count is a separate query rather than `count(*) OVER ()` in the paging scan, which would cost as
 * much CPU and forgo the concurrency.
 */
export async function listPage<R, T>(
  pool: pg.Pool,
  source: PageSource,
  query: RestListQuery,
  map: (row: R) => T,
): Promise<RestPage<T>> {
  const { table, alias } = source;
  const conditions = [source.baseFilter, query.where?.sql].filter((c): c is string => c !== undefined);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const params = [...(query.where?.params ?? [])];
  const order = [...query.orderBy, `${alias}.created_at`, `${alias}.id`].join(', ');
  const pageSql = `SELECT ${source.columns} FROM (
      SELECT ${alias}.id FROM ${table} ${alias}${where}
      ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}
    ) page JOIN ${table} ${alias} ON ${alias}.id = page.id ORDER BY ${order}`;
  try {
    const counting = pool.query<{ total: string }>(
      `SELECT count(*) AS total FROM ${table} ${alias}${where}`,
      params,
    );
    const paging =
      query.limit === 0
        ? Promise.resolve({ rows: [] as R[] })
        : pool.query(pageSql, [...params, query.limit, query.offset]);
    const [count, page] = await Promise.all([counting, paging]);
    return { rows: (page.rows as R[]).map(map), total: Number(count.rows[0]?.total ?? 0) };
  } catch (err: unknown) {
    throw databaseError(err, `listing ${source.what}`);
  }
}

/** One page of consumers and the matching total. */
export function listConsumersForRest(
  pool: pg.Pool,
  query: RestListQuery,
): Promise<RestPage<ConsumerRestRow>> {
  return listPage(pool, CONSUMERS, query, toConsumer);
}

/** The consumer with `id`, or undefined. */
export async function getConsumerForRest(pool: pg.Pool, id: string): Promise<ConsumerRestRow | undefined> {
  try {
    const result = await pool.query<ConsumerSqlRow>(
      `SELECT ${CONSUMERS.columns} FROM consumers c WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [id],
    );
    return result.rows[0] === undefined ? undefined : toConsumer(result.rows[0]);
  } catch (err: unknown) {
    throw databaseError(err, `reading consumer '${id}'`);
  }
}

/**
 * Replaces a consumer's labels (`{}` clears them, stored as NULL like upstream). Unknown id →
 * `NOT_FOUND`.
 */
export async function replaceConsumerLabels(
  pool: pg.Pool,
  id: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  const value = Object.keys(labels).length === 0 ? null : JSON.stringify(labels);
  let updated: number | null;
  try {
    const result = await pool.query(
      'UPDATE consumers SET labels = $2::jsonb, updated_at = now() WHERE id = $1 AND deleted_at IS NULL',
      [id, value],
    );
    updated = result.rowCount;
  } catch (err: unknown) {
    throw databaseError(err, `updating consumer '${id}'`);
  }
  if (updated === 0) throw new MaestroError('NOT_FOUND', `consumer '${id}' not found`);
}
