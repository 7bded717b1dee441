/**
 * Eviction of AppliedManifestWorks no work claims any more (agent.md §3.12): an AMW whose work is not
 * in the store gets `status.evictionStartTime`; after `--appliedmanifestwork-eviction-grace-period`
 * it is deleted together with the objects it owns; if the work comes back first the mark is cleared.
 * A grace period of 100 years or more disables eviction.
 */
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { EVICTION_DISABLED_THRESHOLD_MS } from './config.ts';
import type { AgentMetrics } from './metrics.ts';
import type { AppliedWorkRegistry } from './runtime-types.ts';
import type { WorkStore } from './work-store.ts';
import { rfc3339Seconds } from '../work/object-meta.ts';

/** Options for {@link createEvictionLoop}. */
export interface EvictionLoopOptions {
  registry: AppliedWorkRegistry;
  store: WorkStore;
  gracePeriodMs: number;
  metrics: AgentMetrics;
  logger: Logger;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** See the module comment. */
export interface EvictionLoop {
  /** Examines every AMW once (also what the timer runs). */
  sweep(): Promise<void>;
  /** Starts the periodic sweep (every half grace period, between 1 s and 1 min); idempotent. */
  start(): void;
  /** Stops it and waits for a running sweep; idempotent. */
  stop(): Promise<void>;
}

/** Creates an {@link EvictionLoop}. */
export function createEvictionLoop(options: EvictionLoopOptions): EvictionLoop {
  const { registry, store, gracePeriodMs, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const disabled = gracePeriodMs >= EVICTION_DISABLED_THRESHOLD_MS;
  const intervalMs = Math.min(60_000, Math.max(1000, gracePeriodMs / 2));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const sweep = async (): Promise<void> => {
    if (disabled) return;
    const known = new Set(store.list().map((work) => work.metadata.name));
    for (const amw of await registry.list()) {
      const name = amw.metadata.name as string;
      const start = amw.status?.evictionStartTime;
      if (known.has(amw.spec.manifestWorkName)) {
        if (start !== undefined) {
          await registry.setEvictionStartTime(name, undefined);
          logger.info({ amw: name }, 'work is back, eviction cancelled');
        }
        continue;
      }
      if (start === undefined) {
        await registry.setEvictionStartTime(name, rfc3339Seconds(new Date(now())));
        logger.info(
          { amw: name, gracePeriodMs },
          'no work claims this AppliedManifestWork: eviction started',
        );
        continue;
      }
      if (now() - Date.parse(start) >= gracePeriodMs && (await registry.evict(amw))) {
        metrics.evictions.inc();
        logger.info({ amw: name }, 'AppliedManifestWork evicted');
      }
    }
  };

  const tick = (): void => {
    running = sweep()
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'eviction sweep failed'))
      .finally(() => {
        running = undefined;
        if (timer !== undefined) timer = setTimeout(tick, intervalMs).unref();
      });
  };

  return {
    sweep,
    start() {
      if (disabled || timer !== undefined) return;
      timer = setTimeout(tick, intervalMs).unref();
    },
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
