/**
 * Spec writes from sources (server.md §3.1–3.3 with the fixes of DESIGN.md §2): each accepted
 * create/update/delete changes its resource row and enqueues the agent's spec event in ONE
 * transaction, with a NOTIFY on commit. Requests are group-committed: concurrent requests share a
 * transaction, each still getting its own result, and a rejected request changes nothing.
 *
 * Rules: version starts at 1 (or the non-zero version the create carries) and grows by one per
 * accepted update; update version 0 means "latest"; a stale version → ABORTED naming the latest;
 * update of a deleting resource → FAILED_PRECONDITION; unknown consumer or resource → NOT_FOUND;
 * duplicate create → ALREADY_EXISTS; delete is idempotent (no second event).
 */
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { MaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { createBatcher } from '../store/batcher.ts';
import type { BatchOutcome, Batcher } from '../store/batcher.ts';
import { existingConsumerNames } from '../store/consumer-store.ts';
import { databaseError, inTransaction } from '../store/database.ts';
import type { NewOutboxEvent } from '../store/outbox-queries.ts';
import { lockResources } from '../store/resource-queries.ts';
import type { ResourceRow } from '../store/resource-queries.ts';
import { writeSpecChanges } from '../store/spec-writes.ts';
import { buildAgentSpecEvent } from './spec-events.ts';
import type { SpecRequest } from './spec-events.ts';

/** What an accepted spec request did. */
export interface SpecWriteResult {
  /** The resource's version after the request. */
  version: number;
  /** False when nothing changed (repeated delete, update identical to the stored spec). */
  changed: boolean;
}

/** Options for {@link createResourceService}. */
export interface ResourceServiceOptions {
  pool: pg.Pool;
  logger: Logger;
  /** The server's `--source-id`, the `source` of spec events to agents. */
  sourceId: string;
  /** Largest group commit; default 500. */
  maxBatchSize?: number;
  /** Counts accepted spec changes (`resource_processed_total`) whatever the entry point. */
  metrics?: Pick<ServerMetrics, 'resourceProcessed'>;
}

/** Applies spec requests. */
export interface ResourceService {
  /** Applies one decoded request; rejects with a `MaestroError` naming the problem. */
  apply(request: SpecRequest): Promise<SpecWriteResult>;
  /**
   * Marks resource `id` as deleting (soft delete + the agent's delete event, as a source's
   * `delete_request`); repeating it changes nothing. Unknown id → NOT_FOUND.
   */
  markAsDeleting(id: string): Promise<SpecWriteResult>;
  /**
   * Calls `listener` with the consumers concerned after every commit that enqueued spec events,
   * whatever the entry point (wakes the local dispatcher before the NOTIFY round trip does). Returns a
   * function removing it.
   */
  onSpecEventsCommitted(listener: (consumers: ReadonlySet<string>) => void): () => void;
  /** Waits for requests in flight. */
  drain(): Promise<void>;
}

/** A batch item: a source request, or a delete by id alone (REST, operators). */
type SpecWrite = SpecRequest | { action: 'mark-deleting'; resourceId: string };

/** SQLSTATEs after which a batch is simply retried (a concurrent replica won a race). */
const RETRYABLE = new Set(['23505', '23503', '40P01', '40001']);

/** Creates the {@link ResourceService}. */
export function createResourceService(options: ResourceServiceOptions): ResourceService {
  const { pool, sourceId } = options;
  const logger = options.logger.child({ component: 'resource-service' });

  const committedListeners = new Set<(consumers: ReadonlySet<string>) => void>();
  const commitBatch = async (requests: readonly SpecWrite[]): Promise<BatchOutcome<SpecWriteResult>[]> => {
    const { outcomes, enqueuedFor } = await runBatch(requests);
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok || !outcome.value.changed) return;
      const action = requests[i]?.action;
      options.metrics?.resourceProcessed.inc({ action: action === 'mark-deleting' ? 'delete' : action });
    });
    if (enqueuedFor.size > 0) for (const listener of [...committedListeners]) listener(enqueuedFor);
    return outcomes;
  };
  const runBatch = async (requests: readonly SpecWrite[]): Promise<AppliedBatch> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inTransaction(pool, (client) => applyBatch(client, requests, sourceId));
      } catch (err: unknown) {
        const code = (err as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < 3) {
          logger.debug({ code, attempt }, 'spec batch raced with another writer, retrying');
          continue;
        }
        throw databaseError(err, 'writing resources');
      }
    }
  };
  const batcher: Batcher<SpecWrite, SpecWriteResult> = createBatcher({
    run: commitBatch,
    maxBatchSize: options.maxBatchSize,
    maxConcurrency: 4,
  });
  return {
    apply: (request) => batcher.submit(request),
    markAsDeleting: (id) => batcher.submit({ action: 'mark-deleting', resourceId: id }),
    onSpecEventsCommitted: (listener) => {
      committedListeners.add(listener);
      return () => committedListeners.delete(listener);
    },
    drain: () => batcher.drain(),
  };
}

/** A committed batch: one outcome per request, and the consumers whose spec events it enqueued. */
interface AppliedBatch {
  outcomes: BatchOutcome<SpecWriteResult>[];
  enqueuedFor: ReadonlySet<string>;
}

async function applyBatch(
  client: pg.ClientBase,
  requests: readonly SpecWrite[],
  sourceId: string,
): Promise<AppliedBatch> {
  const rows = await lockResources(client, [...new Set(requests.map((r) => r.resourceId))]);
  const creates = requests.filter((r): r is SpecRequest => r.action === 'create' && !rows.has(r.resourceId));
  const consumers = await existingConsumerNames(client, [...new Set(creates.map((r) => r.consumerName))]);
  const now = new Date();
  const inserted = new Map<string, ResourceRow>();
  const updated = new Map<string, ResourceRow>();
  const outbox: NewOutboxEvent[] = [];
  const outcomes = requests.map((request): BatchOutcome<SpecWriteResult> => {
    try {
      const result = applyOne(request, rows, consumers, now, (row, kind) => {
        (inserted.has(row.id) ? inserted : kind === 'create' ? inserted : updated).set(row.id, row);
        const action =
          kind === 'create' ? 'create_request' : kind === 'update' ? 'update_request' : 'delete_request';
        outbox.push({
          resourceId: row.id,
          consumerName: row.consumerName,
          kind,
          event: buildAgentSpecEvent(row, { sourceId, action, now }),
        });
      });
      return { ok: true, value: result };
    } catch (err: unknown) {
      return { ok: false, error: err };
    }
  });
  await writeSpecChanges(client, {
    inserted: [...inserted.values()],
    updated: [...updated.values()],
    outbox,
  });
  return { outcomes, enqueuedFor: new Set(outbox.map((e) => e.consumerName)) };
}

function applyOne(
  request: SpecWrite,
  rows: Map<string, ResourceRow>,
  consumers: ReadonlySet<string>,
  now: Date,
  write: (row: ResourceRow, kind: 'create' | 'update' | 'delete') => void,
): SpecWriteResult {
  const id = request.resourceId;
  const current = rows.get(id);
  switch (request.action) {
    case 'create': {
      if (current !== undefined) throw new MaestroError('ALREADY_EXISTS', `resource '${id}' already exists`);
      if (!consumers.has(request.consumerName)) {
        throw new MaestroError('NOT_FOUND', `consumer '${request.consumerName}' not found`);
      }
      const row: ResourceRow = {
        id,
        consumerName: request.consumerName,
        source: request.source,
        version: request.version > 0 ? request.version : 1,
        payload: request.payload,
        status: null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      rows.set(id, row);
      write(row, 'create');
      return { version: row.version, changed: true };
    }
    case 'update': {
      if (current === undefined) throw new MaestroError('NOT_FOUND', `resource '${id}' not found`);
      if (current.deletedAt !== null) {
        throw new MaestroError(
          'FAILED_PRECONDITION',
          `resource '${id}' is being deleted and cannot be updated`,
        );
      }
      const version = request.version === 0 ? current.version : request.version;
      if (version !== current.version) {
        throw new MaestroError(
          'ABORTED',
          `resource '${id}' version ${version} is not the latest, the latest version: ${current.version}`,
        );
      }
      if (isDeepStrictEqual(current.payload, request.payload))
        return { version: current.version, changed: false };
      const row: ResourceRow = {
        ...current,
        version: current.version + 1,
        payload: request.payload,
        updatedAt: now,
      };
      rows.set(id, row);
      write(row, 'update');
      return { version: row.version, changed: true };
    }
    case 'delete':
    case 'mark-deleting': {
      if (current === undefined) throw new MaestroError('NOT_FOUND', `resource '${id}' not found`);
      if (current.deletedAt !== null) return { version: current.version, changed: false };
      const row: ResourceRow = { ...current, deletedAt: now, updatedAt: now };
      rows.set(id, row);
      write(row, 'delete');
      return { version: row.version, changed: true };
    }
  }
}
