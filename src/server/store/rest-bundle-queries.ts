/**
 * REST reads of resource bundles in two steps, so the REST layer can keep presented bundles: a
 * narrow read naming the rows (id + row-version stamp, in page order), then the presentation
 * columns for just the rows it has not presented at that stamp.
 */
import type pg from 'pg';
import { databaseError } from './database.ts';
import { listPage, utcText } from './rest-queries.ts';
import type { PageSource, RestListQuery, RestPage } from './rest-queries.ts';

/** A resource row's identity at one version. */
export interface ResourceStamp {
  id: string;
  /** Changes whenever the row is written (see {@link ROW_STAMP}). */
  stamp: string;
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

/**
 * The row version's stamp. Every UPDATE (spec, status, deletion mark, or by hand) writes a new row
 * version with the writing transaction's id as `xmin`, so content presented at one stamp can never
 * be served for a later version. Transaction ids are 32 bits and wrap, so the version's physical
 * slot (`ctid`) is added: a false match would need the same row rewritten by a transaction with
 * the same 32-bit id into the same slot. (Freezing keeps `xmin`; VACUUM FULL moves rows, which
 * only changes stamps.)
 */
const ROW_STAMP = `r.xmin::text || '/' || r.ctid::text`;

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
 * Presentation columns of `resources` by id (see {@link ResourceBundleRow}). Every `->` on a column
 * de-TOASTs (decompresses) the whole stored event again, so the lateral `e` does it once per row:
 * `|| '{}'` returns the detoasted event unchanged and `OFFSET 0` keeps the subquery from being
 * inlined back into each use.
 */
const BUNDLES_BY_ID = `SELECT r.id, ${ROW_STAMP} AS stamp, r.name, r.consumer_name, r.version,
  ${utcText('r.created_at')} AS created_at, ${utcText('r.updated_at')} AS updated_at,
  ${utcText('r.deleted_at')} AS deleted_at, e.spec->'metadata' AS metadata,
  ${dataText('e.spec', 'manifests', 'array')} AS manifests,
  ${dataText('e.spec', 'manifestConfigs', 'array')} AS manifest_configs,
  ${dataText('e.spec', 'deleteOption', 'object')} AS delete_option, ${oddEvent('e.spec')} AS spec_event,
  e.status IS NOT NULL AS has_status, e.status->'resourceversion' AS status_version,
  e.status->'sequenceid' AS status_sequence, ${dataText('e.status', 'conditions', 'array')} AS conditions,
  ${dataText('e.status', 'manifestBundle')} AS manifest_bundle,
  ${dataText('e.status', 'resourceStatus', 'array')} AS resource_status,
  CASE WHEN e.status IS NOT NULL THEN ${oddEvent('e.status')} END AS status_event
  FROM resources r
  CROSS JOIN LATERAL (SELECT r.payload || '{}'::jsonb AS spec, r.status || '{}'::jsonb AS status OFFSET 0) e
  WHERE r.id = ANY($1::text[])`;

/** Resources (soft-deleted ones included, as upstream) paged by their stamps. */
const RESOURCE_STAMPS: PageSource = {
  what: 'resource bundles',
  table: 'resources',
  alias: 'r',
  columns: `r.id, ${ROW_STAMP} AS stamp`,
};

interface ResourceBundleSqlRow {
  id: string;
  stamp: string;
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

function toResourceBundle(row: ResourceBundleSqlRow): ResourceBundleRow & ResourceStamp {
  return {
    id: row.id,
    stamp: row.stamp,
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

/** One page of resource stamps, in the requested order, and the number of matches. */
export function listResourceStampsForRest(
  pool: pg.Pool,
  query: RestListQuery,
): Promise<RestPage<ResourceStamp>> {
  return listPage(pool, RESOURCE_STAMPS, query, (row: ResourceStamp) => row);
}

/** The current stamp of resource `id` (also when marked as deleting), or undefined. */
export async function readResourceStampForRest(pool: pg.Pool, id: string): Promise<string | undefined> {
  try {
    const result = await pool.query<{ stamp: string }>(
      `SELECT ${ROW_STAMP} AS stamp FROM resources r WHERE r.id = $1`,
      [id],
    );
    return result.rows[0]?.stamp;
  } catch (err: unknown) {
    throw databaseError(err, `reading resource bundle '${id}'`);
  }
}

/**
 * The resources with `ids` for presentation with their stamps, in no particular order, each at its
 * current version (which may be newer than a stamp read before). Ids no longer stored are left out.
 */
export async function readResourceBundlesForRest(
  pool: pg.Pool,
  ids: readonly string[],
): Promise<(ResourceBundleRow & ResourceStamp)[]> {
  try {
    const result = await pool.query<ResourceBundleSqlRow>(BUNDLES_BY_ID, [ids]);
    return result.rows.map(toResourceBundle);
  } catch (err: unknown) {
    throw databaseError(err, 'reading resource bundles');
  }
}
