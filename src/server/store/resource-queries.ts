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
  const result = await client.query<RawResourceRow>({
    name: 'maestro-lock-resources',
    text: `SELECT ${COLUMNS} FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    values: [ids],
  });
  return new Map(result.rows.map((raw) => [raw.id, toRow(raw)]));
}

/** Reads one resource (including a resource being deleted), or `undefined`. */
export async function getResource(client: Queryable, id: string): Promise<ResourceRow | undefined> {
  const result = await client.query<RawResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE id = $1`, [id]);
  return result.rows[0] && toRow(result.rows[0]);
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
