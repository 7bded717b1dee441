/**
 * Resync answers (protocol.md §8). Agents send their resource versions after every (re)subscribe and
 * get back what changed: newer resources, resources being deleted, and deletes — with
 * `resourceversion`, fixing upstream's broker (§5.8) — for ids the server no longer has. Sources send
 * status hashes and get the stored statuses that differ (all of them for an empty list). Resources
 * are read in pages of at most 1,000 and answers are yielded in batches of at most 1,000 events.
 */
import type pg from 'pg';
import { MaestroError } from '../../common/errors.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { stringExtension } from '../../cloudevents/event.ts';
import { EXT } from '../../cloudevents/extensions.ts';
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import { statusHash } from '../../work/status-hash.ts';
import type { StatusPayload } from '../../work/status-hash.ts';
import { databaseError } from '../store/database.ts';
import { deleteCoveredOutboxEvents } from '../store/outbox-queries.ts';
import type { CoveredSpec } from '../store/outbox-queries.ts';
import { listResourcesPage } from '../store/resource-queries.ts';
import type { ResourceRow } from '../store/resource-queries.ts';
import { buildAgentSpecEvent, buildResyncDeleteEvent } from './spec-events.ts';

/** Largest page read and largest batch of answers. */
export const RESYNC_BATCH_SIZE = 1000;

function listOf(event: MaestroEvent, member: string): unknown[] {
  const list = (event.data as Record<string, unknown> | null | undefined)?.[member];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    throw new MaestroError('INVALID_ARGUMENT', `resync request data '${member}' must be an array`);
  }
  return list;
}

/** Parses a spec resync request's `{resourceVersions:[{resourceID, resourceVersion}]}`. */
export function decodeSpecResyncRequest(event: MaestroEvent): {
  consumerName: string;
  versions: Map<string, number>;
} {
  const consumerName = stringExtension(event, EXT.clusterName);
  if (!consumerName)
    throw new MaestroError('INVALID_ARGUMENT', `spec resync request: missing extension '${EXT.clusterName}'`);
  const versions = new Map<string, number>();
  for (const entry of listOf(event, 'resourceVersions')) {
    const { resourceID, resourceVersion } = (entry ?? {}) as {
      resourceID?: unknown;
      resourceVersion?: unknown;
    };
    if (typeof resourceID !== 'string' || resourceID === '') {
      throw new MaestroError('INVALID_ARGUMENT', 'spec resync request: every entry needs a resourceID');
    }
    versions.set(
      resourceID,
      typeof resourceVersion === 'number' ? resourceVersion : Number(resourceVersion ?? 0) || 0,
    );
  }
  return { consumerName, versions };
}

/** Parses a status resync request's `{statusHashes:[{resourceID, statusHash}]}`. */
export function decodeStatusResyncRequest(event: MaestroEvent): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const entry of listOf(event, 'statusHashes')) {
    const { resourceID, statusHash: hash } = (entry ?? {}) as { resourceID?: unknown; statusHash?: unknown };
    if (typeof resourceID !== 'string') {
      throw new MaestroError('INVALID_ARGUMENT', 'status resync request: every entry needs a resourceID');
    }
    hashes.set(resourceID, typeof hash === 'string' ? hash : '');
  }
  return hashes;
}

async function* pages(
  pool: pg.Pool,
  filter: { consumerName?: string; source?: string; withStatus?: boolean },
) {
  let afterId: string | undefined;
  for (;;) {
    let page: ResourceRow[];
    try {
      page = await listResourcesPage(pool, { ...filter, afterId, limit: RESYNC_BATCH_SIZE });
    } catch (err: unknown) {
      throw databaseError(err, 'reading resources for resync');
    }
    if (page.length === 0) return;
    yield page;
    afterId = page[page.length - 1]?.id;
    if (page.length < RESYNC_BATCH_SIZE) return;
  }
}

/** Options shared by the resync answers. */
export interface ResyncOptions {
  pool: pg.Pool;
  sourceId: string;
}

/** One batch of a spec resync answer. */
export interface SpecResyncBatch {
  /** The events to send to the agent. */
  events: JsonEvent[];
  /**
   * The spec state the agent holds once `events` are sent, per resource of the page (sent or already
   * current): pending outbox events it covers are redundant ({@link supersedeOutboxEvents}).
   */
  covered: CoveredSpec[];
}

/**
 * Yields the spec events answering an agent's spec resync request, in batches of ≤ 1,000: newer
 * resources, resources being deleted, then deletes for ids the server no longer has.
 */
export async function* answerSpecResync(
  options: ResyncOptions,
  request: { consumerName: string; versions: ReadonlyMap<string, number> },
): AsyncGenerator<SpecResyncBatch> {
  const unknown = new Map(request.versions);
  for await (const page of pages(options.pool, { consumerName: request.consumerName })) {
    const events: JsonEvent[] = [];
    for (const row of page) {
      const agentVersion = unknown.get(row.id) ?? 0;
      unknown.delete(row.id);
      if (row.deletedAt !== null || row.version === 0 || row.version > agentVersion) {
        events.push(buildAgentSpecEvent(row, { sourceId: options.sourceId, action: 'resync_response' }));
      }
    }
    const covered = page.map((row) => ({
      resourceId: row.id,
      version: row.version,
      deleting: row.deletedAt !== null,
    }));
    yield { events, covered };
  }
  const deletes = [...unknown].map(([resourceId, version]) =>
    buildResyncDeleteEvent({
      sourceId: options.sourceId,
      consumerName: request.consumerName,
      resourceId,
      version,
    }),
  );
  for (let i = 0; i < deletes.length; i += RESYNC_BATCH_SIZE) {
    yield { events: deletes.slice(i, i + RESYNC_BATCH_SIZE), covered: [] };
  }
}

/**
 * Removes the pending outbox events a sent resync batch made redundant, so an agent that comes back
 * gets each change once. Call only after the batch's events were handed to the broker.
 */
export async function supersedeOutboxEvents(options: ResyncOptions, batch: SpecResyncBatch): Promise<void> {
  try {
    await deleteCoveredOutboxEvents(options.pool, batch.covered);
  } catch (err: unknown) {
    throw databaseError(err, 'removing outbox events covered by a resync');
  }
}

/** The hash a source compares for a stored status: the agent's `statushash`, else computed (§8.2). */
export function storedStatusHash(status: JsonEvent): string {
  const hash = status[EXT.statusHash];
  if (typeof hash === 'string' && hash !== '') return hash;
  return statusHash((status.data ?? {}) as StatusPayload);
}

/**
 * The status event a source receives (protocol.md §5.5): the stored status event (spec metadata
 * already in place) with the spec bundle added as `data.manifestBundle`.
 */
export function buildRelayedStatusEvent(status: JsonEvent, specData: unknown): JsonEvent {
  const data = (typeof status.data === 'object' && status.data !== null ? status.data : {}) as Record<
    string,
    unknown
  >;
  return specData === undefined || specData === null
    ? status
    : { ...status, data: { ...data, manifestBundle: specData } };
}

/** Yields the relayed statuses answering a source's status resync request, in batches of ≤ 1,000. */
export async function* answerStatusResync(
  options: ResyncOptions,
  request: { source: string; hashes: ReadonlyMap<string, string> },
): AsyncGenerator<JsonEvent[]> {
  for await (const page of pages(options.pool, { source: request.source, withStatus: true })) {
    const batch: JsonEvent[] = [];
    for (const row of page) {
      const status = row.status as JsonEvent;
      if (request.hashes.size > 0) {
        const known = request.hashes.get(row.id);
        if (known === undefined || known === storedStatusHash(status)) continue;
      }
      batch.push(buildRelayedStatusEvent(status, row.payload.data));
    }
    if (batch.length > 0) yield batch;
  }
}
