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

/**
 * A `resources` row in the form the REST presenter turns into JSON text. The large parts of the
 * stored events (manifests, status feedback) stay JSON text as PostgreSQL renders it, so listing
 * pages of multi-kilobyte bundles never parses and re-serialises them in Node.
 */
export interface ResourceBundleRow {
  id: string;
  name: string;
  consumerName: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** The spec event's `metadata` extension (an object, or a JSON string as some sources send). */
  metadata: unknown;
  /** JSON text of the spec data's members when the data is a JSON object (see {@link SpecDataText}). */
  spec: SpecDataText;
  /** The whole spec event when its data is not a JSON object (text or base64), for the presenter to decode. */
  specEvent: Record<string, unknown> | null;
  /** The last accepted status, or null before the first status. */
  status: StatusText | null;
}

/** JSON text of a spec event's data members; null when absent or not of the presented type. */
export interface SpecDataText {
  /** `data.manifests` when an array. */
  manifests: string | null;
  /** `data.manifestConfigs` when an array. */
  manifestConfigs: string | null;
  /** `data.deleteOption` when an object. */
  deleteOption: string | null;
}

/** The parts of a stored status event the presenter needs. */
export interface StatusText {
  /** The event's `resourceversion` extension as stored (any JSON value); null when absent or null. */
  resourceVersion: unknown;
  /** The event's `sequenceid` extension as stored; null when absent or null. */
  sequenceId: unknown;
  /** JSON text of `data.conditions` when an array. */
  conditions: string | null;
  /** JSON text of `data.manifestBundle` when present (any type). */
  manifestBundle: string | null;
  /** JSON text of `data.resourceStatus` when an array. */
  resourceStatus: string | null;
  /** The whole status event when its data is not a JSON object, for the presenter to decode. */
  event: Record<string, unknown> | null;
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

/** What a REST read selects (`columns`) and from where (`from`, aliased as the allow-lists expect). */
interface RowSource {
  columns: string;
  from: string;
}

/** `event->'data'->member` as JSON text when it has `type` (`NULL` also when the data is no object). */
const dataText = (event: string, member: string, type?: 'array' | 'object'): string => {
  const value = `${event}->'data'->'${member}'`;
  return type === undefined
    ? `(${value})::text`
    : `CASE WHEN jsonb_typeof(${value}) = '${type}' THEN (${value})::text END`;
};

/** `event` itself when its data is not a JSON object (the rare case the presenter decodes in Node). */
const oddEvent = (event: string): string =>
  `CASE WHEN jsonb_typeof(${event}->'data') = 'object' THEN NULL ELSE ${event} END`;

/**
 * Presentation columns of `resources` (see {@link ResourceBundleRow}). Every `->` on a column
 * de-TOASTs (decompresses) the whole stored event again, so the lateral `e` does it once per row:
 * `|| '{}'` returns the detoasted event unchanged and `OFFSET 0` keeps the subquery from being
 * inlined back into each use.
 */
const RESOURCE_BUNDLE_ROWS: RowSource = {
  columns: `r.id, r.name, r.consumer_name, r.version,
  ${utc('r.created_at')} AS created_at, ${utc('r.updated_at')} AS updated_at,
  ${utc('r.deleted_at')} AS deleted_at, e.spec->'metadata' AS metadata,
  ${dataText('e.spec', 'manifests', 'array')} AS manifests,
  ${dataText('e.spec', 'manifestConfigs', 'array')} AS manifest_configs,
  ${dataText('e.spec', 'deleteOption', 'object')} AS delete_option, ${oddEvent('e.spec')} AS spec_event,
  e.status IS NOT NULL AS has_status, e.status->'resourceversion' AS status_version,
  e.status->'sequenceid' AS status_sequence, ${dataText('e.status', 'conditions', 'array')} AS conditions,
  ${dataText('e.status', 'manifestBundle')} AS manifest_bundle,
  ${dataText('e.status', 'resourceStatus', 'array')} AS resource_status,
  CASE WHEN e.status IS NOT NULL THEN ${oddEvent('e.status')} END AS status_event`,
  from: `resources r
  CROSS JOIN LATERAL (SELECT r.payload || '{}'::jsonb AS spec, r.status || '{}'::jsonb AS status OFFSET 0) e`,
};

const CONSUMER_ROWS: RowSource = {
  columns: `c.id, c.name, c.labels, ${utc('c.created_at')} AS created_at,
  ${utc('c.updated_at')} AS updated_at`,
  from: 'consumers c',
};

const selectFrom = (rows: RowSource): string => `SELECT ${rows.columns} FROM ${rows.from}`;

interface ResourceBundleSqlRow {
  id: string;
  name: string;
  consumer_name: string;
  version: string | number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  metadata: unknown;
  manifests: string | null;
  manifest_configs: string | null;
  delete_option: string | null;
  spec_event: Record<string, unknown> | null;
  has_status: boolean;
  status_version: unknown;
  status_sequence: unknown;
  conditions: string | null;
  manifest_bundle: string | null;
  resource_status: string | null;
  status_event: Record<string, unknown> | null;
}

interface ConsumerSqlRow {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  created_at: string;
  updated_at: string;
}

function toResourceBundle(row: ResourceBundleSqlRow): ResourceBundleRow {
  return {
    id: row.id,
    name: row.name,
    consumerName: row.consumer_name,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    metadata: row.metadata,
    spec: {
      manifests: row.manifests,
      manifestConfigs: row.manifest_configs,
      deleteOption: row.delete_option,
    },
    specEvent: row.spec_event,
    status: row.has_status
      ? {
          resourceVersion: row.status_version,
          sequenceId: row.status_sequence,
          conditions: row.conditions,
          manifestBundle: row.manifest_bundle,
          resourceStatus: row.resource_status,
          event: row.status_event,
        }
      : null,
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
 * Counts the matches and reads one page, concurrently on two connections. The page is chosen on
 * narrow rows (id + sort keys, no JSON) and only its rows are then read whole: sorting thousands of
 * rows with their multi-kilobyte payloads spills to disk, sorting their ids does not. (Counting in
 * the paging scan with `count(*) OVER ()` costs as much CPU as the separate count and forgoes the
 * concurrency.)
 */
async function listPage<R, T>(
  pool: pg.Pool,
  what: string,
  rows: RowSource,
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
    ${selectFrom(rows)} JOIN page ON page.id = ${alias}.id ORDER BY page.position`;
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
): Promise<RestPage<ResourceBundleRow>> {
  return listPage(
    pool,
    'resource bundles',
    RESOURCE_BUNDLE_ROWS,
    'resources',
    'r',
    undefined,
    query,
    toResourceBundle,
  );
}

/** One page of consumers and the matching total. */
export function listConsumersForRest(
  pool: pg.Pool,
  query: RestListQuery,
): Promise<RestPage<ConsumerRestRow>> {
  return listPage(
    pool,
    'consumers',
    CONSUMER_ROWS,
    'consumers',
    'c',
    'c.deleted_at IS NULL',
    query,
    toConsumer,
  );
}

/** The resource with `id` (also when marked as deleting) for presentation, or undefined. */
export async function getResourceBundleForRest(
  pool: pg.Pool,
  id: string,
): Promise<ResourceBundleRow | undefined> {
  try {
    const result = await pool.query<ResourceBundleSqlRow>(
      `${selectFrom(RESOURCE_BUNDLE_ROWS)} WHERE r.id = $1`,
      [id],
    );
    return result.rows[0] === undefined ? undefined : toResourceBundle(result.rows[0]);
  } catch (err: unknown) {
    throw databaseError(err, `reading resource bundle '${id}'`);
  }
}

/** The consumer with `id`, or undefined. */
export async function getConsumerForRest(pool: pg.Pool, id: string): Promise<ConsumerRestRow | undefined> {
  try {
    const result = await pool.query<ConsumerSqlRow>(
      `${selectFrom(CONSUMER_ROWS)} WHERE c.id = $1 AND c.deleted_at IS NULL`,
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
