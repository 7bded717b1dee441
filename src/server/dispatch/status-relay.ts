/**
 * Relays accepted statuses to source subscribers on THIS replica. Every replica reads the
 * `status_events` table after its own cursor (woken by NOTIFY, with a periodic sweep for lost
 * notifications), so a status stored through any replica reaches subscribers on all of them. Old
 * status events are purged after a retention time.
 */
import type pg from 'pg';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { buildRelayedStatusEvent } from '../services/resync-service.ts';
import {
  latestStatusEventId,
  purgeStatusEvents,
  readStatusEventsAfter,
} from '../store/status-event-queries.ts';

/** Options for {@link createStatusRelay}. */
export interface StatusRelayOptions {
  pool: pg.Pool;
  logger: Logger;
  /** Hands one relayed status event (protocol.md §5.5) to the subscribers of `source`. */
  deliver(source: string, event: JsonEvent): void;
  /**
   * Sources with a subscriber on this replica; events of other sources are skipped without being
   * read (they are relayed by the replicas their subscribers use). Without it every event is read.
   */
  subscribedSources?: () => readonly string[];
  /**
   * `status_controller_event_reconcile_total` / `_duration_seconds` per relayed event and
   * `resource_status_event_processing_latency_seconds` (stored → relayed here).
   */
  metrics?: Pick<
    ServerMetrics,
    'statusEventReconciles' | 'statusEventReconcileDuration' | 'resourceStatusEventProcessingLatency'
  >;
  /** This replica's id, the `server_instance_id` label. */
  instanceId?: string;
  /** Safety-net sweep interval; default 1 s. */
  sweepIntervalMs?: number;
  /** How long status events are kept; default 10 minutes. */
  retentionMs?: number;
}

/** The relay. */
export interface StatusRelay {
  /** Starts from the newest status event (no replay of the past). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Asks for a read soon. `newestId`, from a NOTIFY, is the newest status event committed: with no
   * subscriber here the cursor just moves to it, without reading anything.
   */
  wake(newestId?: string): void;
  /** Resolves once everything committed so far has been relayed. */
  flush(): Promise<void>;
}

/** Creates the {@link StatusRelay}. */
export function createStatusRelay(options: StatusRelayOptions): StatusRelay {
  const { pool } = options;
  const logger = options.logger.child({ component: 'status-relay' });
  const retentionMs = options.retentionMs ?? 600_000;
  let cursor: string | undefined;
  let started = false;
  let dirty = false;
  let running: Promise<void> | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;

  const readOnce = async (): Promise<number> => {
    if (cursor === undefined) cursor = await latestStatusEventId(pool);
    // ids up to the newest visible one are all committed (status-writes.ts), so the cursor may jump
    // there. Read before the subscribed sources: a source subscribing in between gets the events
    // committed from then on, none skipped.
    const upTo = options.subscribedSources === undefined ? undefined : await latestStatusEventId(pool);
    const sources = options.subscribedSources?.();
    const rows =
      sources?.length === 0 ? [] : await readStatusEventsAfter(pool, cursor, 1000, { sources, upTo });
    const { metrics } = options;
    for (const row of rows) {
      const started = performance.now();
      let status: 'success' | 'error' = 'success';
      try {
        options.deliver(row.source, buildRelayedStatusEvent(row.event, row.specData));
      } catch (err: unknown) {
        status = 'error';
        logger.error({ statusEventId: row.id, err: errorMessage(err) }, 'status event not relayed');
      }
      metrics?.statusEventReconciles.inc({ event_type: row.kind, status });
      metrics?.statusEventReconcileDuration.observe(
        { event_type: row.kind },
        (performance.now() - started) / 1000,
      );
      metrics?.resourceStatusEventProcessingLatency.observe(
        { source: row.source, server_instance_id: options.instanceId ?? '' },
        Math.max(0, Date.now() - row.createdAt.getTime()) / 1000,
      );
    }
    cursor = upTo !== undefined && rows.length < 1000 ? upTo : (rows.at(-1)?.id ?? cursor);
    return rows.length;
  };

  const loop = async (): Promise<void> => {
    while (dirty && started) {
      dirty = false;
      try {
        while (started && (await readOnce()) === 1000) {
          // full page: keep reading
        }
      } catch (err: unknown) {
        logger.warn({ err: errorMessage(err) }, 'reading status events failed, retrying at the next wake-up');
        return;
      }
    }
  };

  const wake = (newestId?: string): void => {
    if (
      newestId !== undefined &&
      /^\d+$/.test(newestId) &&
      cursor !== undefined &&
      running === undefined &&
      options.subscribedSources?.().length === 0
    ) {
      // the events are for other replicas' subscribers (or nobody's); they stay readable in the table
      if (BigInt(newestId) > BigInt(cursor)) cursor = newestId;
      return;
    }
    dirty = true;
    if (running === undefined && started) {
      running = loop().finally(() => {
        running = undefined;
      });
    }
  };

  return {
    start: async () => {
      if (started) return;
      started = true;
      try {
        cursor = await latestStatusEventId(pool);
      } catch (err: unknown) {
        logger.warn(
          { err: errorMessage(err) },
          'status event cursor unknown, reading it at the next wake-up',
        );
      }
      sweepTimer = setInterval(wake, options.sweepIntervalMs ?? 1000);
      sweepTimer.unref();
      purgeTimer = setInterval(
        () => {
          purgeStatusEvents(pool, retentionMs).catch((err: unknown) =>
            logger.debug({ err: errorMessage(err) }, 'purging status events failed'),
          );
        },
        Math.min(retentionMs, 60_000),
      );
      purgeTimer.unref();
    },
    stop: async () => {
      started = false;
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      if (purgeTimer !== undefined) clearInterval(purgeTimer);
      await running;
    },
    wake,
    flush: async () => {
      while (running !== undefined) await running;
      wake();
      await running;
    },
  };
}
