/**
 * SQL on `spec_outbox`: spec events written in the same transaction as their resource change and
 * deleted once handed to the agent's stream (at-least-once delivery, in id order per consumer).
 */
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import type { Queryable } from './database.ts';

/** The kind of spec change an outbox row carries. */
export type SpecEventKind = 'create' | 'update' | 'delete';

/** A spec event to enqueue. */
export interface NewOutboxEvent {
  resourceId: string;
  consumerName: string;
  kind: SpecEventKind;
  /** The event as agents receive it, in the CloudEvents JSON format. */
  event: JsonEvent;
}

/** A pending outbox row. */
export interface OutboxRow extends NewOutboxEvent {
  id: string;
  attempts: number;
}

/**
 * NOTIFY channel raised when spec events are enqueued. The payload names the consumers whose events
 * were enqueued ({@link specEventsPayload}), so a dispatcher reads only their rows.
 */
export const SPEC_EVENTS_CHANNEL = 'maestro_spec_events';

/** Payloads above this size name no consumer (PostgreSQL refuses payloads of 8,000 bytes or more). */
const MAX_PAYLOAD_BYTES = 7000;

/** The NOTIFY payload naming `consumers`: a JSON array, or '' (meaning "any consumer") when too long. */
export function specEventsPayload(consumers: Iterable<string>): string {
  const payload = JSON.stringify([...new Set(consumers)]);
  return Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES ? '' : payload;
}

/**
 * The consumers a {@link SPEC_EVENTS_CHANNEL} payload names; `undefined` means "any consumer" (an
 * empty or unreadable payload, e.g. from an older replica that sent none).
 */
export function consumersOfPayload(payload: string | undefined): string[] | undefined {
  if (payload === undefined || payload === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) && parsed.every((c) => typeof c === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface RawOutboxRow {
  id: string;
  resource_id: string;
  consumer_name: string;
  event_type: SpecEventKind;
  event: JsonEvent;
  attempts: number;
}

/**
 * A set of consumer names prepared once as a PostgreSQL array literal: the dispatcher asks for the
 * same (possibly 10,000-name) set every round, so it is not re-escaped per query.
 */
export interface ConsumerFilter {
  readonly size: number;
  readonly literal: string;
}

/** Prepares a {@link ConsumerFilter}. */
export function consumerFilter(names: readonly string[]): ConsumerFilter {
  const quoted = names.map((n) => `"${n.replace(/["\\]/g, '\\$&')}"`);
  return { size: names.length, literal: `{${quoted.join(',')}}` };
}

/** Which consumers' rows a dispatcher round reads. */
export interface PendingFilter {
  /** Only these consumers; every consumer when undefined. */
  only?: ConsumerFilter;
  /** Never these consumers (those backing off, when `only` is not given). */
  except?: ConsumerFilter;
}

/**
 * Due, unparked events of the consumers `filter` selects, oldest first, row-locked with `SKIP LOCKED`
 * so two replicas holding streams of one consumer do not both send the same rows.
 */
export async function lockPendingEvents(
  client: Queryable,
  filter: PendingFilter,
  limit: number,
): Promise<OutboxRow[]> {
  // named: planned once per connection, not per round (planning a 10,000-name filter cost milliseconds)
  const result = await client.query<RawOutboxRow>({
    name: 'maestro-lock-pending-events',
    text: `SELECT id, resource_id, consumer_name, event_type, event, attempts FROM spec_outbox
     WHERE ($1::text[] IS NULL OR consumer_name = ANY($1::text[]))
       AND ($3::text[] IS NULL OR NOT consumer_name = ANY($3::text[]))
       AND NOT parked AND next_attempt_at <= now()
     ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    values: [filter.only?.literal ?? null, limit, filter.except?.literal ?? null],
  });
  return result.rows.map((r) => ({
    id: r.id,
    resourceId: r.resource_id,
    consumerName: r.consumer_name,
    kind: r.event_type,
    event: r.event,
    attempts: r.attempts,
  }));
}

/** Removes delivered events. */
export async function deleteOutboxEvents(client: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query({
    name: 'maestro-delete-outbox-events',
    text: 'DELETE FROM spec_outbox WHERE id = ANY($1::bigint[])',
    values: [ids],
  });
}

/** The spec state an agent holds for one resource (see {@link deleteCoveredOutboxEvents}). */
export interface CoveredSpec {
  resourceId: string;
  version: number;
  /** True when the agent was told the resource is being deleted. */
  deleting: boolean;
}

/**
 * Deletes pending events an agent no longer needs because it holds `covered` state: events of an
 * older `resourceversion`, and of the same version unless the event is a delete the agent was not
 * sent. Newer events (written after the state was read) stay. Rows a dispatcher is sending right now
 * are waited for, then found gone.
 */
export async function deleteCoveredOutboxEvents(
  client: Queryable,
  covered: readonly CoveredSpec[],
): Promise<number> {
  if (covered.length === 0) return 0;
  const result = await client.query(
    `DELETE FROM spec_outbox o
     USING jsonb_to_recordset($1::jsonb) AS c(resource_id text, version bigint, deleting boolean)
     WHERE o.resource_id = c.resource_id AND NOT o.parked
       AND ((o.event->>'resourceversion')::bigint < c.version
         OR ((o.event->>'resourceversion')::bigint = c.version AND (o.event_type <> 'delete' OR c.deleting)))`,
    [
      JSON.stringify(
        covered.map((c) => ({ resource_id: c.resourceId, version: c.version, deleting: c.deleting })),
      ),
    ],
  );
  return result.rowCount ?? 0;
}

/** Records a failed attempt; the row is retried once `retryAfterMs` has passed. */
export async function recordOutboxFailure(
  client: Queryable,
  id: string,
  error: string,
  retryAfterMs: number,
): Promise<void> {
  await client.query(
    `UPDATE spec_outbox SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
     WHERE id = $1`,
    [id, error, retryAfterMs],
  );
}

/** Parks an event that can never be sent (e.g. it cannot be encoded); it stays for inspection. */
export async function parkOutboxEvent(client: Queryable, id: string, error: string): Promise<void> {
  await client.query('UPDATE spec_outbox SET parked = true, last_error = $2 WHERE id = $1', [id, error]);
}

/** The number of pending (unparked) events, for tests and metrics. */
export async function countPendingEvents(client: Queryable): Promise<number> {
  const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM spec_outbox WHERE NOT parked');
  return Number(result.rows[0]?.n ?? 0);
}
