/**
 * The status pipeline (server.md §3.4, protocol.md §7 and §12): agent status updates are checked
 * against the stored resource and, when accepted, stored together with a status event (relayed to
 * the owning source's subscribers on every replica) in one transaction. Group-committed like spec
 * writes, so thousands of statuses per second cost a handful of transactions.
 *
 * Rules in order: unknown resource → ignored; consumer mismatch → FAILED_PRECONDITION; `Deleted=True`
 * → final status recorded for the source and the row hard-deleted (no other check); version ≠ stored
 * → ignored (stale); missing `sequenceid` → INVALID_ARGUMENT; not newer than the stored `sequenceid`
 * → ignored; otherwise stored. Upstream also ignores a status deep-equal to the stored one: every
 * stored status has a `sequenceid`, so such a repeat carries the stored `sequenceid`; a status with
 * the stored `sequenceid` is ignored, without reading the stored status back.
 */
import type pg from 'pg';
import { MaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { integerExtension, stringExtension } from '../../cloudevents/event.ts';
import { EXT } from '../../cloudevents/extensions.ts';
import { toJsonEvent } from '../../cloudevents/json-codec.ts';
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import { compareSequenceIds } from '../../work/sequence-id.ts';
import { createBatcher } from '../store/batcher.ts';
import type { BatchOutcome } from '../store/batcher.ts';
import { databaseError, inTransaction } from '../store/database.ts';
import { lockStatusTargets, writeStatusChanges } from '../store/status-writes.ts';
import type { NewStatusEvent, StatusTarget } from '../store/status-writes.ts';

/** A decoded agent status update. */
export interface StatusUpdate {
  resourceId: string;
  consumerName: string;
  version: number;
  sequenceId?: string;
  /** True when `data.conditions` holds `Deleted=True` (the deletion handshake's last step). */
  deleted: boolean;
  /** The whole status event in the JSON format, `metadata` as an object. */
  status: JsonEvent;
}

/** What happened to a status update. */
export type StatusOutcome = 'stored' | 'deleted' | 'ignored';

function hasDeletedCondition(data: unknown): boolean {
  const conditions = (data as { conditions?: unknown } | null | undefined)?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some(
      (c) => (c as { type?: unknown })?.type === 'Deleted' && (c as { status?: unknown }).status === 'True',
    )
  );
}

/**
 * Decodes an agent's status event. Requires `resourceid`, `clustername`, `resourceversion` and an
 * `originalsource` equal to the server's source id (upstream codec `Decode`).
 */
export function decodeStatusUpdate(event: MaestroEvent, sourceId: string): StatusUpdate {
  const problems: string[] = [];
  const read = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err: unknown) {
      problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  const resourceId = read(() => stringExtension(event, EXT.resourceId));
  const consumerName = read(() => stringExtension(event, EXT.clusterName));
  const version = read(() => integerExtension(event, EXT.resourceVersion));
  const originalSource = read(() => stringExtension(event, EXT.originalSource));
  const sequenceId = read(() => stringExtension(event, EXT.sequenceId));
  if (!resourceId) problems.push(`missing extension '${EXT.resourceId}'`);
  if (!consumerName) problems.push(`missing extension '${EXT.clusterName}'`);
  if (version === undefined && !problems.some((p) => p.includes(EXT.resourceVersion))) {
    problems.push(`missing extension '${EXT.resourceVersion}'`);
  }
  if (problems.length === 0 && originalSource !== sourceId) {
    problems.push(
      `status originalsource '${originalSource ?? ''}' does not match the server source id '${sourceId}'`,
    );
  }
  if (problems.length > 0) {
    throw new MaestroError('INVALID_ARGUMENT', `invalid status update: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  return {
    resourceId: resourceId as string,
    consumerName: consumerName as string,
    version: version as number,
    sequenceId: sequenceId || undefined,
    deleted: hasDeletedCondition(event.data),
    status: toJsonEvent(event, { metadataAsObject: true }),
  };
}

/** Options for {@link createStatusService}. */
export interface StatusServiceOptions {
  pool: pg.Pool;
  logger: Logger;
  maxBatchSize?: number;
  /** Records `resource_first_status_latency_seconds` for a resource's first accepted status. */
  metrics?: Pick<ServerMetrics, 'resourceFirstStatusLatency'>;
}

/** Applies agent status updates. */
export interface StatusService {
  apply(update: StatusUpdate): Promise<StatusOutcome>;
  drain(): Promise<void>;
}

/** Creates the {@link StatusService}. */
export function createStatusService(options: StatusServiceOptions): StatusService {
  const { pool } = options;
  const logger = options.logger.child({ component: 'status-service' });
  const batcher = createBatcher<StatusUpdate, StatusOutcome>({
    maxBatchSize: options.maxBatchSize,
    // Status batches write one after the other anyway (status event ids are taken under one lock, see
    // status-writes.ts): a second batch in flight reads its targets while the first commits, more
    // would only wait for the lock. Fewer, larger batches cost PostgreSQL ~25% less per status.
    maxConcurrency: 2,
    run: async (updates) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const firsts: StatusTarget[] = [];
          const outcomes = await inTransaction(pool, (client) => applyBatch(client, updates, firsts));
          const now = Date.now();
          for (const row of firsts) {
            options.metrics?.resourceFirstStatusLatency.observe(
              { source: row.source },
              Math.max(0, now - row.createdAt.getTime()) / 1000,
            );
          }
          return outcomes;
        } catch (err: unknown) {
          if ((err as { code?: string }).code === '40P01' && attempt < 3) continue;
          logger.debug({ err: (err as Error).message }, 'status batch failed');
          throw databaseError(err, 'storing statuses');
        }
      }
    },
  });
  return { apply: (update) => batcher.submit(update), drain: () => batcher.drain() };
}

async function applyBatch(
  client: pg.ClientBase,
  updates: readonly StatusUpdate[],
  firsts: StatusTarget[],
): Promise<BatchOutcome<StatusOutcome>[]> {
  const rows = await lockStatusTargets(client, [...new Set(updates.map((u) => u.resourceId))]);
  /** Resource id → index in `events` of its newest stored status. */
  const changed = new Map<string, number>();
  const deleted = new Set<string>();
  const events: NewStatusEvent[] = [];
  const outcomes = updates.map((update): BatchOutcome<StatusOutcome> => {
    try {
      const first = rows.get(update.resourceId)?.hasStatus === false;
      const outcome = applyOne(update, rows, changed, deleted, events);
      const row = rows.get(update.resourceId);
      if (first && outcome === 'stored' && row !== undefined) firsts.push(row);
      return { ok: true, value: outcome };
    } catch (err: unknown) {
      return { ok: false, error: err };
    }
  });
  await writeStatusChanges(client, {
    statuses: [...changed].filter(([id]) => !deleted.has(id)).map(([id, eventIndex]) => ({ id, eventIndex })),
    deleted: [...deleted],
    events,
  });
  return outcomes;
}

function applyOne(
  update: StatusUpdate,
  rows: Map<string, StatusTarget>,
  changed: Map<string, number>,
  deleted: Set<string>,
  events: NewStatusEvent[],
): StatusOutcome {
  const row = rows.get(update.resourceId);
  if (row === undefined) return 'ignored';
  if (row.consumerName !== update.consumerName) {
    throw new MaestroError(
      'FAILED_PRECONDITION',
      `resource '${row.id}' belongs to consumer '${row.consumerName}', not '${update.consumerName}'`,
    );
  }
  // the source sees its own work metadata, not the agent's (protocol.md §14.2)
  const status: JsonEvent = { ...update.status, [EXT.metadata]: row.metadata };
  if (row.metadata === null || row.metadata === undefined) delete status[EXT.metadata];
  if (update.deleted) {
    rows.delete(row.id);
    deleted.add(row.id);
    events.push({
      resourceId: row.id,
      source: row.source,
      kind: 'delete',
      event: status,
    });
    return 'deleted';
  }
  if (update.version !== row.version) return 'ignored';
  if (update.sequenceId === undefined) {
    throw new MaestroError('INVALID_ARGUMENT', `status of resource '${row.id}' has no '${EXT.sequenceId}'`);
  }
  // a repeat of the stored status (upstream's deep-equal check), whatever its sequence id looks like
  if (update.sequenceId === row.sequenceId) return 'ignored';
  if (row.sequenceId !== null && row.sequenceId !== '') {
    if (compareSequenceIds(update.sequenceId, row.sequenceId) <= 0) return 'ignored';
  }
  rows.set(row.id, { ...row, hasStatus: true, sequenceId: update.sequenceId });
  changed.set(row.id, events.length);
  events.push({ resourceId: row.id, source: row.source, kind: 'update', event: status });
  return 'stored';
}
