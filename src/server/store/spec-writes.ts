/**
 * The write half of a spec batch in ONE statement (one round trip): new resource rows, changed
 * resource rows and their outbox events, plus the NOTIFY (naming the consumers concerned) that wakes
 * every replica's dispatcher on commit. The caller has row-locked the resources and decided every
 * outcome.
 */
import type { Queryable } from './database.ts';
import { SPEC_EVENTS_CHANNEL, specEventsPayload } from './outbox-queries.ts';
import type { NewOutboxEvent } from './outbox-queries.ts';
import type { ResourceRow } from './resource-queries.ts';

/** What one spec batch writes. */
export interface SpecChanges {
  /** Resources to insert (name = id, as upstream's gRPC path), in their final state for the batch. */
  inserted: readonly ResourceRow[];
  /** Existing resources whose spec side (version, payload, deletion mark) changed. */
  updated: readonly ResourceRow[];
  /** Spec events to enqueue, in order (outbox ids follow this order). */
  outbox: readonly NewOutboxEvent[];
}

/** Writes `changes` (inside the caller's transaction). */
export async function writeSpecChanges(client: Queryable, changes: SpecChanges): Promise<void> {
  if (changes.inserted.length + changes.updated.length + changes.outbox.length === 0) return;
  await client.query({
    name: 'maestro-write-spec-changes',
    text: `WITH inserted AS (
       INSERT INTO resources (id, name, source, consumer_name, version, payload, created_at, updated_at)
       SELECT x.id, x.id, x.source, x.consumer_name, x.version, x.payload, x.created_at, x.created_at
       FROM jsonb_to_recordset($1::jsonb)
         AS x(id text, source text, consumer_name text, version bigint, payload jsonb, created_at timestamptz)
     ), updated AS (
       UPDATE resources r
       SET version = x.version, payload = x.payload, deleted_at = x.deleted_at, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(id text, version bigint, payload jsonb, deleted_at timestamptz)
       WHERE r.id = x.id
     ), enqueued AS (
       INSERT INTO spec_outbox (resource_id, consumer_name, event_type, event)
       SELECT e.v->>'resource_id', e.v->>'consumer_name', e.v->>'kind', e.v->'event'
       FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(v, n)
       ORDER BY e.n
     )
     SELECT pg_notify($4, $5) WHERE jsonb_array_length($3::jsonb) > 0`,
    values: [
      JSON.stringify(
        changes.inserted.map((r) => ({
          id: r.id,
          source: r.source,
          consumer_name: r.consumerName,
          version: r.version,
          payload: r.payload,
          created_at: r.createdAt.toISOString(),
        })),
      ),
      JSON.stringify(
        changes.updated.map((r) => ({
          id: r.id,
          version: r.version,
          payload: r.payload,
          deleted_at: r.deletedAt?.toISOString() ?? null,
        })),
      ),
      JSON.stringify(
        changes.outbox.map((e) => ({
          resource_id: e.resourceId,
          consumer_name: e.consumerName,
          kind: e.kind,
          event: e.event,
        })),
      ),
      SPEC_EVENTS_CHANNEL,
      specEventsPayload(changes.outbox.map((e) => e.consumerName)),
    ],
  });
}
