/**
 * The outbox dispatcher: sends pending spec events to agents, oldest first (so in order per
 * resource), at least once, and deletes them once handed to the broker. Only consumers whose agent is
 * subscribed to this replica are served, so an event waits for whichever replica holds the agent's
 * stream, and goes out as soon as the agent (re)subscribes. Woken by local writes, NOTIFY, agent
 * subscriptions and a periodic sweep (the safety net for lost notifications).
 *
 * A wake-up that names consumers (a write, a NOTIFY payload, a subscription, a backoff ending) makes
 * the next round read only their rows; the others (the sweep, a database reconnect) read the rows of
 * every eligible consumer. With 10,000 agents on a replica, matching each pending row against all of their
 * names cost PostgreSQL more than writing the events did.
 *
 * A failing consumer backs off exponentially without delaying the others; an event that cannot be
 * decoded or encoded is parked (kept with its error, never retried) and logged.
 */
import type pg from 'pg';
import { errorMessage, isMaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { fromJsonEvent } from '../../cloudevents/json-codec.ts';
import { inTransaction } from '../store/database.ts';
import {
  consumerFilter,
  deleteOutboxEvents,
  lockPendingEvents,
  parkOutboxEvent,
  recordOutboxFailure,
} from '../store/outbox-queries.ts';
import type { ConsumerFilter, OutboxRow, PendingFilter } from '../store/outbox-queries.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { AgentBroker } from './agent-broker.ts';

/** Options for {@link createSpecDispatcher}. */
export interface SpecDispatcherOptions {
  pool: pg.Pool;
  broker: AgentBroker;
  logger: Logger;
  /** Safety-net sweep interval; default 5 s. */
  sweepIntervalMs?: number;
  /** Rows per round; default 1,000. */
  batchSize?: number;
  /** Backoff bounds for a failing consumer; default 100 ms → 60 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called for every parked event (metrics hook). */
  onParked?: (row: OutboxRow, error: string) => void;
  /**
   * `spec_controller_event_reconcile_total` (`success` delivered, `error` failed or parked) and
   * the per-event delivery duration.
   */
  metrics?: Pick<ServerMetrics, 'specEventReconciles' | 'specEventReconcileDuration'>;
}

/** The dispatcher. */
export interface SpecDispatcher {
  start(): void;
  /** Stops sweeping and waits for the round in flight. */
  stop(): Promise<void>;
  /**
   * Asks for a round soon: for the rows of `consumers` (new events, an agent subscribed), or of every
   * eligible consumer when none are named.
   */
  wake(consumers?: Iterable<string>): void;
  /** Resolves once a full round found nothing left to send to connected consumers. */
  flush(): Promise<void>;
}

/** Publish failures that retrying cannot fix (undecodable, unencodable or oversized events). */
const PERMANENT_FAILURES = ['INVALID_ARGUMENT', 'INTERNAL', 'RESOURCE_EXHAUSTED'] as const;

interface Backoff {
  until: number;
  delayMs: number;
  /** Set once the round retrying the consumer after `until` is due: one retry per failure, no spin. */
  retried?: boolean;
}

/** Creates the {@link SpecDispatcher}. */
export function createSpecDispatcher(options: SpecDispatcherOptions): SpecDispatcher {
  const { pool, broker } = options;
  const logger = options.logger.child({ component: 'spec-dispatcher' });
  const batchSize = options.batchSize ?? 1000;
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  const backoffs = new Map<string, Backoff>();
  let running: Promise<void> | undefined;
  /** Consumers named by wake-ups since the last round started. */
  const woken = new Set<string>();
  /** True when the next round must read the rows of every eligible consumer. */
  let wokenForAll = false;
  let started = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  let cachedFilter:
    | { clusters: Iterable<string>; waiting: string; filter: ConsumerFilter; eligible: ReadonlySet<string> }
    | undefined;

  /** Consumers whose backoff has not ended yet, sorted. */
  const backingOff = (): string[] => {
    const now = Date.now();
    return [...backoffs]
      .filter(([, backoff]) => backoff.until > now)
      .map(([consumer]) => consumer)
      .sort();
  };

  /**
   * The connected consumers not backing off (`undefined`: the broker reaches every consumer), rebuilt
   * only when either set changes: building the filter of 10,000 names every round cost milliseconds,
   * and a consumer keeps its (expired) backoff entry until its next delivery, so "any backoff" is no
   * reason to rebuild.
   */
  const eligibleConsumers = (waiting: readonly string[]): ConsumerFilter | undefined => {
    const clusters = broker.connectedClusters();
    if (clusters === undefined) return undefined;
    const key = JSON.stringify(waiting);
    // brokers hand out the same collection until a cluster (dis)connects
    if (cachedFilter?.clusters !== clusters || cachedFilter.waiting !== key) {
      const skipped = new Set(waiting);
      const eligible = [...clusters].filter((consumer) => !skipped.has(consumer));
      cachedFilter = {
        clusters,
        waiting: key,
        filter: consumerFilter(eligible),
        eligible: new Set(eligible),
      };
    }
    return cachedFilter.filter;
  };

  /** Takes the wake-ups so far: every consumer, or the consumers they named. */
  const takeWokenConsumers = (): 'all' | readonly string[] => {
    const named = [...woken];
    woken.clear();
    if (!wokenForAll) return named;
    wokenForAll = false;
    return 'all';
  };

  /**
   * The rows of the next round for `woken` consumers. Worked out again before every round, as a
   * consumer may fail or disconnect during one: its later rows must not overtake the failed one.
   */
  const roundFilter = (woken: 'all' | readonly string[]): PendingFilter => {
    const waiting = backingOff();
    const eligible = eligibleConsumers(waiting);
    if (eligible === undefined) {
      const skipped = new Set(waiting);
      return {
        only: woken === 'all' ? undefined : consumerFilter(woken.filter((c) => !skipped.has(c))),
        except: consumerFilter(waiting),
      };
    }
    return {
      only: woken === 'all' ? eligible : consumerFilter(woken.filter((c) => cachedFilter?.eligible.has(c))),
    };
  };

  /**
   * Wakes the dispatcher for the consumers whose backoff ends first, once per failure: a consumer
   * whose retry round finds nothing to send (its agent left) keeps its entry without being retried
   * again and again.
   */
  const scheduleRetry = (): void => {
    if (retryTimer !== undefined || !started) return;
    const next = Math.min(...[...backoffs.values()].filter((b) => !b.retried).map((b) => b.until));
    if (!Number.isFinite(next)) return;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        const now = Date.now();
        const due = [...backoffs].filter(([, b]) => !b.retried && b.until <= now);
        for (const [, backoff] of due) backoff.retried = true;
        wake(due.map(([consumer]) => consumer));
      },
      Math.max(0, next - Date.now()),
    );
  };

  const fail = (consumer: string): void => {
    const previous = backoffs.get(consumer);
    const delayMs = previous ? Math.min(previous.delayMs * 2, maxBackoff) : minBackoff;
    backoffs.set(consumer, { until: Date.now() + delayMs, delayMs });
  };

  /** Sends one consumer's rows in order; stops at the first failure. Returns delivered ids. */
  const sendConsumer = async (client: pg.ClientBase, rows: OutboxRow[]): Promise<string[]> => {
    const delivered: string[] = [];
    const { metrics } = options;
    for (const row of rows) {
      const started = performance.now();
      const reconciled = (status: 'success' | 'error'): void => {
        metrics?.specEventReconciles.inc({ event_type: row.kind, status });
        metrics?.specEventReconcileDuration.observe(
          { event_type: row.kind },
          (performance.now() - started) / 1000,
        );
      };
      let event;
      try {
        event = fromJsonEvent(row.event);
      } catch (err: unknown) {
        reconciled('error');
        await park(client, row, errorMessage(err));
        continue;
      }
      try {
        await broker.publish(event);
        delivered.push(row.id);
        reconciled('success');
      } catch (err: unknown) {
        reconciled('error');
        if (PERMANENT_FAILURES.some((code) => isMaestroError(err, code))) {
          await park(client, row, errorMessage(err));
          continue;
        }
        fail(row.consumerName);
        const delay = backoffs.get(row.consumerName)?.delayMs ?? minBackoff;
        await recordOutboxFailure(client, row.id, errorMessage(err), delay);
        logger.warn(
          { consumer: row.consumerName, err: errorMessage(err), retryInMs: delay },
          'spec event not delivered',
        );
        break;
      }
    }
    if (delivered.length > 0) backoffs.delete(rows[0]?.consumerName ?? '');
    return delivered;
  };

  const park = async (client: pg.ClientBase, row: OutboxRow, error: string): Promise<void> => {
    logger.error(
      { outboxId: row.id, resourceId: row.resourceId, consumer: row.consumerName, err: error },
      'spec event parked',
    );
    await parkOutboxEvent(client, row.id, error);
    options.onParked?.(row, error);
  };

  /** One round over the rows `filter` selects; returns the number of rows it looked at. */
  const round = async (filter: PendingFilter): Promise<number> => {
    if (filter.only !== undefined && filter.only.size === 0) return 0;
    // a delivered row whose removal is lost in a crash is sent again: allowed by at-least-once
    return inTransaction(
      pool,
      async (client) => {
        const rows = await lockPendingEvents(client, filter, batchSize);
        const byConsumer = new Map<string, OutboxRow[]>();
        for (const row of rows) {
          const list = byConsumer.get(row.consumerName);
          if (list) list.push(row);
          else byConsumer.set(row.consumerName, [row]);
        }
        const delivered = await Promise.all(
          [...byConsumer.values()].map((list) => sendConsumer(client, list)),
        );
        await deleteOutboxEvents(client, delivered.flat());
        return rows.length;
      },
      { synchronousCommit: false },
    );
  };

  const loop = async (): Promise<void> => {
    while (started && (wokenForAll || woken.size > 0)) {
      const consumers = takeWokenConsumers();
      try {
        while (started && (await round(roundFilter(consumers))) >= batchSize) {
          // a full batch: more may be waiting
        }
      } catch (err: unknown) {
        logger.warn({ err: errorMessage(err) }, 'dispatch round failed, retrying at the next wake-up');
        break;
      }
    }
    scheduleRetry();
  };

  const wake = (consumers?: Iterable<string>): void => {
    if (consumers === undefined) wokenForAll = true;
    else for (const consumer of consumers) woken.add(consumer);
    if (running === undefined && started) {
      running = loop().finally(() => {
        running = undefined;
        if ((wokenForAll || woken.size > 0) && started) wake([]);
      });
    }
  };

  return {
    start: () => {
      if (started) return;
      started = true;
      unsubscribe = broker.onAgentSubscriptionChange((cluster, connected) => {
        if (connected) {
          backoffs.delete(cluster);
          wake([cluster]);
        }
      });
      sweepTimer = setInterval(() => wake(), options.sweepIntervalMs ?? 5000);
      sweepTimer.unref();
      wake();
    },
    stop: async () => {
      started = false;
      unsubscribe?.();
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      sweepTimer = retryTimer = undefined;
      await running;
    },
    wake,
    flush: async () => {
      while (running !== undefined) await running;
      if (!started) return;
      wake();
      await running;
    },
  };
}
