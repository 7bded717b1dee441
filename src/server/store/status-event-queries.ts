/**
 * SQL on `status_events`: every accepted agent status, read by every replica in id order (a cursor
 * per replica, so a lost NOTIFY delays a relay but never drops it) and purged after a retention time.
 * Writers (`status-writes.ts`) take a transaction-scoped advisory lock before inserting, so ids become
 * visible in commit order and a reader's cursor never skips a row committed late.
 */
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import type { Queryable } from './database.ts';

/** What a status event means for the source. */
export type StatusEventKind = 'update' | 'delete';

/** A recorded status event, ready to relay. */
export interface StatusEventRow {
  id: string;
  resourceId: string;
  source: string;
  kind: StatusEventKind;
  event: JsonEvent;
  /** The spec bundle (`data` of the stored spec), or null when the resource is gone. */
  specData: unknown;
  /** When the status was stored. */
  createdAt: Date;
}

/** NOTIFY channel raised when status events are recorded. */
export const STATUS_EVENTS_CHANNEL = 'maestro_status_events';

/** Advisory lock serialising status event inserts (see `status-writes.ts`). */
export const STATUS_EVENTS_LOCK_KEY = 7_236_002;

/** The newest status event id (the starting cursor of a replica: no replay of the past). */
export async function latestStatusEventId(client: Queryable): Promise<string> {
  const result = await client.query<{ id: string | null }>('SELECT max(id)::text AS id FROM status_events');
  return result.rows[0]?.id ?? '0';
}

/**
 * Status events after `cursor` (up to `upTo`, of the given sources when set), oldest first, with the
 * current spec bundle joined in for updates.
 */
export async function readStatusEventsAfter(
  client: Queryable,
  cursor: string,
  limit: number,
  filter: { sources?: readonly string[]; upTo?: string } = {},
): Promise<StatusEventRow[]> {
  const result = await client.query<{
    id: string;
    resource_id: string;
    source: string;
    event_type: StatusEventKind;
    event: JsonEvent;
    spec_data: unknown;
    created_at: Date;
  }>(
    `SELECT se.id::text AS id, se.resource_id, se.source, se.event_type, se.event, se.created_at,
            COALESCE(se.spec_data, r.payload->'data') AS spec_data
     FROM status_events se LEFT JOIN resources r ON r.id = se.resource_id
     WHERE se.id > $1::bigint AND ($3::bigint IS NULL OR se.id <= $3::bigint)
       AND ($4::text[] IS NULL OR se.source = ANY($4::text[]))
     ORDER BY se.id LIMIT $2`,
    [cursor, limit, filter.upTo ?? null, filter.sources ?? null],
  );
  return result.rows.map((r) => ({
    id: r.id,
    resourceId: r.resource_id,
    source: r.source,
    kind: r.event_type,
    event: r.event,
    specData: r.spec_data,
    createdAt: r.created_at,
  }));
}

/** Deletes status events older than `retentionMs` (every replica has relayed them long before). */
export async function purgeStatusEvents(client: Queryable, retentionMs: number): Promise<number> {
  const result = await client.query(
    `DELETE FROM status_events WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)`,
    [retentionMs],
  );
  return result.rowCount ?? 0;
}
