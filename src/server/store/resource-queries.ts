/**
 * SQL on the `resources` table. `payload` is the whole stored spec event and `status` the whole stored
 * status event, both in the CloudEvents JSON format with `metadata` as an object (server.md §1.3).
 * Functions take a client so callers choose the transaction.
 */
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import type { Queryable } from './database.ts';

/** One `resources` row. */
export interface ResourceRow {
  id: string;
  consumerName: string;
  source: string;
  version: number;
  payload: JsonEvent;
  status: JsonEvent | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

interface RawResourceRow {
  id: string;
  consumer_name: string;
  source: string;
  version: string;
  payload: JsonEvent;
  status: JsonEvent | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const COLUMNS = 'id, consumer_name, source, version, payload, status, created_at, updated_at, deleted_at';

function toRow(raw: RawResourceRow): ResourceRow {
  return {
    id: raw.id,
    consumerName: raw.consumer_name,
    source: raw.source,
    version: Number(raw.version),
    payload: raw.payload,
    status: raw.status,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    deletedAt: raw.deleted_at,
  };
}

/** Reads and row-locks (`FOR UPDATE`, in id order so concurrent batches never deadlock) the given ids. */
export async function lockResources(
  client: Queryable,
  ids: readonly string[],
): Promise<Map<string, ResourceRow>> {
  const result = await client.query<RawResourceRow>(
    `SELECT ${COLUMNS} FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return new Map(result.rows.map((raw) => [raw.id, toRow(raw)]));
}

/** Reads one resource (including a resource being deleted), or `undefined`. */
export async function getResource(client: Queryable, id: string): Promise<ResourceRow | undefined> {
  const result = await client.query<RawResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE id = $1`, [id]);
  return result.rows[0] && toRow(result.rows[0]);
}

/** Inserts new resources (name = id, as upstream's gRPC path). */
export async function insertResources(client: Queryable, rows: readonly ResourceRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO resources (id, name, source, consumer_name, version, payload, created_at, updated_at)
     SELECT x.id, x.id, x.source, x.consumer_name, x.version, x.payload, x.created_at, x.created_at
     FROM jsonb_to_recordset($1::jsonb)
       AS x(id text, source text, consumer_name text, version bigint, payload jsonb, created_at timestamptz)`,
    [
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          source: r.source,
          consumer_name: r.consumerName,
          version: r.version,
          payload: r.payload,
          created_at: r.createdAt.toISOString(),
        })),
      ),
    ],
  );
}

/** Writes the spec side (version, payload, deletion mark) of existing resources. */
export async function updateResourceSpecs(client: Queryable, rows: readonly ResourceRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `UPDATE resources r
     SET version = x.version, payload = x.payload, deleted_at = x.deleted_at, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, version bigint, payload jsonb, deleted_at timestamptz)
     WHERE r.id = x.id`,
    [
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          version: r.version,
          payload: r.payload,
          deleted_at: r.deletedAt?.toISOString() ?? null,
        })),
      ),
    ],
  );
}

/** Writes the stored status event of existing resources. */
export async function updateResourceStatuses(
  client: Queryable,
  rows: readonly { id: string; status: JsonEvent }[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `UPDATE resources r SET status = x.status, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, status jsonb)
     WHERE r.id = x.id`,
    [JSON.stringify(rows)],
  );
}

/** Removes resources for good (after the agent's `Deleted` status) and their undelivered spec events. */
export async function hardDeleteResources(client: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query('DELETE FROM resources WHERE id = ANY($1::text[])', [ids]);
  await client.query('DELETE FROM spec_outbox WHERE resource_id = ANY($1::text[])', [ids]);
}

/** Filter and keyset cursor for {@link listResourcesPage}. */
export interface ResourcePageQuery {
  consumerName?: string;
  source?: string;
  /** Only resources with a stored status. */
  withStatus?: boolean;
  /** Exclusive lower bound on id (keyset pagination). */
  afterId?: string;
  limit: number;
}

/** One page of resources ordered by id, including those being deleted. */
export async function listResourcesPage(client: Queryable, query: ResourcePageQuery): Promise<ResourceRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.consumerName !== undefined) where.push(`consumer_name = $${params.push(query.consumerName)}`);
  if (query.source !== undefined) where.push(`source = $${params.push(query.source)}`);
  if (query.withStatus === true) where.push('status IS NOT NULL');
  if (query.afterId !== undefined) where.push(`id > $${params.push(query.afterId)}`);
  const sql = `SELECT ${COLUMNS} FROM resources ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY id LIMIT $${params.push(query.limit)}`;
  return (await client.query<RawResourceRow>(sql, params)).rows.map(toRow);
}
