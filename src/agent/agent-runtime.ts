/**
 * The agent runtime: the CloudEvents side of `maestro agent` wired around its ports (transport, codec,
 * applier, AppliedManifestWork registry). Flow, kept visible here:
 *
 *   transport ─spec event─▶ spec handler ─receive rules─▶ work store ─UID─▶ queue ─▶ work controller
 *   work controller ─apply / status / delete─▶ applier;  status change ─▶ status reporter ─▶ transport
 *   transport `connected` ─▶ spec resync request;  `status.resync_request` ─▶ resync answers
 *   timer (--status-sync-interval) ─▶ queue every work;  timer ─▶ eviction of unclaimed AMWs
 *   watched object changed (feedbackScrapeType Watch) ─▶ queue that work
 */
import type { MaestroEvent } from '../cloudevents/event.ts';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Transport, TransportStatus } from '../transport/transport.ts';
import { createEvictionLoop } from './eviction.ts';
import type { EvictionLoop } from './eviction.ts';
import { createAgentMetrics } from './metrics.ts';
import type { AgentMetrics } from './metrics.ts';
import { createResyncHandler } from './resync.ts';
import type { AgentEventCodec, AppliedWorkRegistry, WorkApplier } from './runtime-types.ts';
import { createSpecHandler } from './spec-handler.ts';
import { createStatusReporter } from './status-reporter.ts';
import { createTokenBucket } from './token-bucket.ts';
import { createWorkController } from './work-controller.ts';
import { createWorkQueue } from './work-queue.ts';
import { createWorkStore } from './work-store.ts';
import type { WorkStore } from './work-store.ts';

/** Options for {@link createAgentRuntime}. */
export interface AgentRuntimeOptions {
  consumerName: string;
  transport: Transport;
  codec: AgentEventCodec;
  applier: WorkApplier;
  /** The AMWs of this hub; without it there is no restart recovery and no eviction. */
  registry?: AppliedWorkRegistry;
  logger: Logger;
  metrics?: AgentMetrics;
  /** `--status-sync-interval` in ms. */
  statusSyncIntervalMs: number;
  /** `--appliedmanifestwork-eviction-grace-period` in ms. */
  evictionGracePeriodMs: number;
  /** Periodic re-apply base interval (default 4 min). */
  reapplyIntervalMs?: number;
  /** Publish rate limit (default 50/s, burst 100, as sdk-go). */
  publishRate?: { ratePerSecond: number; burst: number };
  /** Delay between checks while applied objects terminate (default 1 s). */
  deletionPollMs?: number;
  /** First retry delay of a failed reconcile (default 50 ms). */
  retryBaseMs?: number;
}

/** See the module comment. */
export interface AgentRuntime {
  /** Recovers AMW names, subscribes, and starts the timers; resolves once subscribed. */
  start(): Promise<void>;
  /** Stops the timers, drains the workers, then closes the transport; idempotent. */
  stop(): Promise<void>;
  /** Why the agent is not ready (`undefined` when subscribed). */
  notReadyReason(): string | undefined;
  /** The local ManifestWork store (read-only use: diagnostics and tests). */
  readonly store: WorkStore;
  readonly metrics: AgentMetrics;
}

/** Creates an {@link AgentRuntime} (not started). */
export function createAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  const { transport, codec, applier, registry } = options;
  const root = options.logger;
  const logger = root.child({ component: 'agent' });
  const metrics = options.metrics ?? createAgentMetrics({ processMetrics: false });
  const store = createWorkStore();
  const rate = options.publishRate ?? { ratePerSecond: 50, burst: 100 };
  const reporter = createStatusReporter({
    transport,
    codec,
    bucket: createTokenBucket(rate),
    metrics,
    logger: root.child({ component: 'status-reporter' }),
  });
  const controller = createWorkController({
    store,
    applier,
    reporter,
    metrics,
    logger: root.child({ component: 'work-controller' }),
    reapplyIntervalMs: options.reapplyIntervalMs,
    deletionPollMs: options.deletionPollMs,
  });
  const queue = createWorkQueue({
    process: (uid) => controller.reconcile(uid),
    retryBaseMs: options.retryBaseMs,
    logger: root.child({ component: 'work-queue' }),
  });
  applier.watchStatusChanges?.((uid) => queue.enqueue(uid));
  const resync = createResyncHandler({
    store,
    transport,
    codec,
    reporter,
    metrics,
    logger: root.child({ component: 'resync' }),
  });
  const eviction: EvictionLoop | undefined =
    registry === undefined
      ? undefined
      : createEvictionLoop({
          registry,
          store,
          gracePeriodMs: options.evictionGracePeriodMs,
          metrics,
          logger: root.child({ component: 'eviction' }),
        });

  const background = new Set<Promise<void>>();
  const spawn = (what: string, task: () => Promise<void>): void => {
    const promise = task()
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, `${what} failed`))
      .finally(() => background.delete(promise));
    background.add(promise);
  };

  /** Works known only from AMWs of an earlier run, until the source tells us about them. */
  const recovered = new Set<string>();
  let statusTimer: NodeJS.Timeout | undefined;
  let state: 'new' | 'running' | 'stopped' = 'new';
  let unsubscribe: (() => void) | undefined;

  const specHandler = createSpecHandler({
    consumerName: options.consumerName,
    store,
    codec,
    metrics,
    logger: root.child({ component: 'spec-handler' }),
    onWorkChanged: (uid, outcome) => {
      recovered.delete(uid);
      if (outcome !== 'deleting') controller.markForApply(uid);
      queue.enqueue(uid);
    },
    onStatusResync: (event: MaestroEvent) =>
      spawn('status resync answer', () => resync.answerStatusResync(event)),
  });

  /** Sends the spec resync, retrying while the transport stays connected. */
  const requestSpecResync = async (): Promise<void> => {
    for (let attempt = 0; state === 'running' && transport.state === 'connected'; attempt++) {
      try {
        await resync.requestSpecResync([...recovered]);
        return;
      } catch (err: unknown) {
        const delay = Math.min(30_000, 200 * 2 ** attempt);
        logger.warn({ err: errorMessage(err), retryInMs: delay }, 'spec resync request failed');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  const onTransportStatus = (status: TransportStatus): void => {
    metrics.connected.set(status.state === 'connected' ? 1 : 0);
    if (status.state === 'connected') {
      logger.info({ transport: transport.name }, 'subscribed to the broker');
      spawn('spec resync', requestSpecResync);
      // statuses that could not be published while disconnected go out now
      for (const work of store.list()) queue.enqueue(work.metadata.uid as string);
    } else if (status.state === 'reconnecting') {
      logger.warn({ err: status.error ? errorMessage(status.error) : undefined }, 'broker connection lost');
    }
  };

  const scheduleStatusSync = (): void => {
    const delay = options.statusSyncIntervalMs * (1 + Math.random() * 0.9);
    statusTimer = setTimeout(() => {
      for (const work of store.list()) queue.enqueue(work.metadata.uid as string);
      if (state === 'running') scheduleStatusSync();
    }, delay);
    statusTimer.unref();
  };

  return {
    store,
    metrics,

    async start() {
      if (state !== 'new') return;
      state = 'running';
      if (registry !== undefined) {
        for (const amw of await registry.list()) recovered.add(amw.spec.manifestWorkName);
        if (recovered.size > 0)
          logger.info({ works: recovered.size }, 'found AppliedManifestWorks of an earlier run');
      }
      unsubscribe = transport.onStatus(onTransportStatus);
      await transport.start(specHandler);
      scheduleStatusSync();
      eviction?.start();
      logger.info({ consumer: options.consumerName }, 'agent started');
    },

    async stop() {
      if (state === 'stopped') return;
      const wasRunning = state === 'running';
      state = 'stopped';
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      await eviction?.stop();
      // running reconciles finish while the transport can still publish their status
      await queue.stop();
      if (wasRunning) await transport.stop();
      unsubscribe?.();
      await Promise.allSettled([...background]);
      metrics.connected.set(0);
      logger.info('agent stopped');
    },

    notReadyReason() {
      if (state !== 'running') return `agent is ${state === 'new' ? 'starting' : 'stopped'}`;
      if (transport.state !== 'connected') return `broker connection is ${transport.state}`;
      return undefined;
    },
  };
}
