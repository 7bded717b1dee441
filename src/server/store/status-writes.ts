/**
 * SQL of a status batch: the resources it targets, read narrowly and row-locked, and everything the
 * batch writes in ONE statement (one round trip): stored statuses, hard deletes after `Deleted=True`
 * (with their undelivered spec events) and the status events every replica relays, plus the NOTIFY
 * sent on commit. The caller decides every outcome in between.
 */
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import type { Queryable } from './database.ts';
import { STATUS_EVENTS_CHANNEL, STATUS_EVENTS_LOCK_KEY } from './status-event-queries.ts';
import type { StatusEventKind } from './status-event-queries.ts';

/** What the status pipeline needs of a resource (not its spec payload, which can be large). */
export interface StatusTarget {
  id: string;
  consumerName: string;
  source: string;
  version: number;
  /** The spec's `metadata` extension (an object), or null. */
  metadata: unknown;
  /** False until a status is stored. */
  hasStatus: boolean;
  /**
   * The `sequenceid` of the stored status, or null. Enough to order a new status after it, and to
   * recognise a repeat of it: the stored status is never read whole (it can be large).
   */
  sequenceId: string | null;
  createdAt: Date;
}

/** Reads and row-locks (`FOR UPDATE`, in id order so concurrent batches never deadlock) the given ids. */
export async function lockStatusTargets(
  client: Queryable,
  ids: readonly string[],
): Promise<Map<string, StatusTarget>> {
  const result = await client.query<{
    id: string;
    consumer_name: string;
    source: string;
    version: string;
    metadata: unknown;
    has_status: boolean;
    sequence_id: string | null;
    created_at: Date;
  }>({
    name: 'maestro-lock-status-targets',
    text: `SELECT id, consumer_name, source, version, payload->'metadata' AS metadata,
            status IS NOT NULL AS has_status, status->>'sequenceid' AS sequence_id, created_at
     FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    values: [ids],
  });
  return new Map(
    result.rows.map((r) => [
      r.id,
      {
        id: r.id,
        consumerName: r.consumer_name,
        source: r.source,
        version: Number(r.version),
        metadata: r.metadata,
        hasStatus: r.has_status,
        sequenceId: r.sequence_id,
        createdAt: r.created_at,
      },
    ]),
  );
}

/** A status event to record; a `delete` gets the spec bundle copied in (its resource row goes away). */
export interface NewStatusEvent {
  resourceId: string;
  /** The source that owns the resource (whose subscribers receive the event). */
  source: string;
  kind: StatusEventKind;
  /** The stored status event (spec `metadata` already in place), JSON format. */
  event: JsonEvent;
}

/** What one status batch writes. */
export interface StatusChanges {
  /**
   * New stored statuses of resources that stay, each named by the index in `events` of the update event
   * carrying it (so every status is serialised and parsed once, not once for the row and again for the
   * event).
   */
  statuses: readonly { id: string; eventIndex: number }[];
  /** Resources removed for good, with their undelivered spec events. */
  deleted: readonly string[];
  /** Status events, in order (their ids follow this order). */
  events: readonly NewStatusEvent[];
}

/**
 * The statement writing {@link StatusChanges} (parameters from {@link statusChangeParameters}). Status
 * event ids are taken under a transaction-scoped advisory lock, so they become visible in commit order
 * and a relay cursor never skips a row committed late. Every sub-statement sees the same snapshot, so a
 * delete's spec bundle is read before its row goes. The NOTIFY carries the newest id recorded: when it
 * arrives every id up to it is committed.
 */
const WRITE_STATUS_CHANGES = `WITH lock AS MATERIALIZED (
       SELECT pg_advisory_xact_lock($5) AS taken
     ), recorded AS (
       INSERT INTO status_events (resource_id, source, event_type, event, spec_data)
       SELECT e.v->>'resource_id', e.v->>'source', e.v->>'kind', e.v->'event',
              CASE WHEN e.v->>'kind' = 'delete'
                   THEN (SELECT r.payload->'data' FROM resources r WHERE r.id = e.v->>'resource_id') END
       FROM lock, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(v, n)
       ORDER BY e.n
       RETURNING id
     ), stored AS (
       UPDATE resources r SET status = ($4::jsonb -> x.n) -> 'event', updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS x(id, n)
       WHERE r.id = x.id
     ), removed AS (
       DELETE FROM resources WHERE id = ANY($3::text[])
     ), unsent AS (
       DELETE FROM spec_outbox WHERE resource_id = ANY($3::text[])
     )
     SELECT pg_notify($6, (SELECT max(id)::text FROM recorded)) WHERE jsonb_array_length($4::jsonb) > 0`;

function statusChangeParameters(changes: StatusChanges): unknown[] {
  return [
    changes.statuses.map((s) => s.id),
    changes.statuses.map((s) => s.eventIndex),
    changes.deleted,
    JSON.stringify(
      changes.events.map((e) => ({
        resource_id: e.resourceId,
        source: e.source,
        kind: e.kind,
        event: e.event,
      })),
    ),
    STATUS_EVENTS_LOCK_KEY,
    STATUS_EVENTS_CHANNEL,
  ];
}

/** Writes `changes` inside the caller's transaction, in one statement. */
export async function writeStatusChanges(client: Queryable, changes: StatusChanges): Promise<void> {
  if (changes.statuses.length + changes.deleted.length + changes.events.length === 0) return;
  await client.query({
    name: 'maestro-write-status-changes',
    text: WRITE_STATUS_CHANGES,
    values: statusChangeParameters(changes),
  });
}
