/**
 * Read queries behind the REST API's lists and gets: filtered, ordered, paged reads of `resources`
 * and `consumers`. Filters and orderings arrive as SQL built by the REST layer from the allow-lists
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

/** A `resources` row as the REST layer presents it; timestamps are RFC 3339 in UTC with microseconds. */
export interface ResourceRestRow {
  id: string;
  name: string;
  source: string;
  consumerName: string;
  version: number;
  /** The stored spec CloudEvent (JSON format, `metadata` extension as an object). */
  payload: Record<string, unknown>;
  /** The last accepted status CloudEvent, or null before the first status. */
  status: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** A `consumers` row as the REST layer presents it. */
export interface ConsumerRestRow {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
}

const utc = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const RESOURCE_SELECT = `SELECT r.id, r.name, r.source, r.consumer_name, r.version, r.payload, r.status,
  ${utc('r.created_at')} AS created_at, ${utc('r.updated_at')} AS updated_at,
  ${utc('r.deleted_at')} AS deleted_at FROM resources r`;

const CONSUMER_SELECT = `SELECT c.id, c.name, c.labels, ${utc('c.created_at')} AS created_at,
  ${utc('c.updated_at')} AS updated_at FROM consumers c`;

interface ResourceSqlRow {
  id: string;
  name: string;
  source: string;
  consumer_name: string;
  version: string | number;
  payload: Record<string, unknown>;
  status: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

interface ConsumerSqlRow {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  created_at: string;
  updated_at: string;
}

function toResource(row: ResourceSqlRow): ResourceRestRow {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    consumerName: row.consumer_name,
    version: Number(row.version),
    payload: row.payload,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
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
 * Counts the matches and reads one page. The page is chosen on narrow rows (id + sort keys, no JSON)
 * and only its rows are then read whole: sorting thousands of rows with their multi-kilobyte payloads
 * spills to disk, sorting their ids does not.
 */
async function listPage<R, T>(
  pool: pg.Pool,
  what: string,
  select: string,
  table: string,
  alias: string,
  baseFilter: string | undefined,
  query: RestListQuery,
  map: (row: R) => T,
): Promise<RestPage<T>> {
  const conditions = [baseFilter, query.where?.sql].filter((c): c is string => c !== undefined);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const params = [...(query.where?.params ?? [])];
  const order = [...query.orderBy, `${alias}.created_at`, `${alias}.id`].join(', ');
  const pageSql = `WITH page AS (
      SELECT ${alias}.id, row_number() OVER (ORDER BY ${order}) AS position FROM ${table} ${alias}${where}
      ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2})
    ${select} JOIN page ON page.id = ${alias}.id ORDER BY page.position`;
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
    throw databaseError(err, `listing ${what}`);
  }
}

/** One page of resources (soft-deleted ones included, as upstream) and the matching total. */
export function listResourcesForRest(
  pool: pg.Pool,
  query: RestListQuery,
): Promise<RestPage<ResourceRestRow>> {
  return listPage(pool, 'resource bundles', RESOURCE_SELECT, 'resources', 'r', undefined, query, toResource);
}

/** One page of consumers and the matching total. */
export function listConsumersForRest(
  pool: pg.Pool,
  query: RestListQuery,
): Promise<RestPage<ConsumerRestRow>> {
  return listPage(
    pool,
    'consumers',
    CONSUMER_SELECT,
    'consumers',
    'c',
    'c.deleted_at IS NULL',
    query,
    toConsumer,
  );
}

/** The resource with `id` (also when marked as deleting), or undefined. */
export async function getResourceForRest(pool: pg.Pool, id: string): Promise<ResourceRestRow | undefined> {
  try {
    const result = await pool.query<ResourceSqlRow>(`${RESOURCE_SELECT} WHERE r.id = $1`, [id]);
    return result.rows[0] === undefined ? undefined : toResource(result.rows[0]);
  } catch (err: unknown) {
    throw databaseError(err, `reading resource bundle '${id}'`);
  }
}

/** The consumer with `id`, or undefined. */
export async function getConsumerForRest(pool: pg.Pool, id: string): Promise<ConsumerRestRow | undefined> {
  try {
    const result = await pool.query<ConsumerSqlRow>(
      `${CONSUMER_SELECT} WHERE c.id = $1 AND c.deleted_at IS NULL`,
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
