/**
 * A keyed work queue in the style of the Kubernetes controller queues the upstream agent uses: a key
 * is processed by at most one worker at a time, requests for a key that is queued or running are
 * coalesced (a running key is processed once more afterwards), failures are retried with per-key
 * exponential backoff, and a processor can ask to be called again later (pending deletions).
 */
import type { Logger } from '../common/logger.ts';
import { errorMessage } from '../common/errors.ts';

/** What a processor returns: nothing, or when to process the key again. */
export type ProcessResult = void | { requeueAfterMs: number };

/** Options for {@link createWorkQueue}. */
export interface WorkQueueOptions {
  /** Processes one key. A rejection is logged and retried with backoff. */
  process: (key: string) => Promise<ProcessResult>;
  /** Keys processed in parallel (default 10, as upstream's controllers). */
  concurrency?: number;
  /** First retry delay after a failure (default 50 ms); doubles per consecutive failure. */
  retryBaseMs?: number;
  /** Longest retry delay (default 60 s). */
  retryMaxMs?: number;
  logger: Logger;
}

/** See the module comment. */
export interface WorkQueue {
  /** Asks for `key` to be processed, now or after `delayMs`. */
  enqueue(key: string, delayMs?: number): void;
  /** Keys waiting, delayed or running (for metrics and tests). */
  readonly depth: number;
  /** Resolves when nothing is queued or running (delayed keys are not waited for). */
  idle(): Promise<void>;
  /** Stops taking work, cancels delayed keys and waits for running processors; idempotent. */
  stop(): Promise<void>;
}

/** Creates a {@link WorkQueue}; it starts processing as soon as a key is enqueued. */
export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const concurrency = options.concurrency ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 50;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const pending: string[] = [];
  const queued = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let idleWaiters: (() => void)[] = [];
  let stopped = false;

  const notifyIdle = (): void => {
    if (pending.length > 0 || running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const run = (key: string): void => {
    const task = (async () => {
      let next: ProcessResult;
      try {
        next = await options.process(key);
        failures.delete(key);
      } catch (err: unknown) {
        const attempt = (failures.get(key) ?? 0) + 1;
        failures.set(key, attempt);
        const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
        options.logger.warn(
          { key, attempt, retryInMs: delay, err: errorMessage(err) },
          'processing failed, will retry',
        );
        next = { requeueAfterMs: delay };
      }
      running.delete(key);
      if (next !== undefined) enqueueLater(key, next.requeueAfterMs);
      if (dirty.delete(key)) enqueueNow(key);
      pump();
      notifyIdle();
    })();
    running.set(key, task);
  };

  const pump = (): void => {
    while (!stopped && running.size < concurrency && pending.length > 0) {
      const key = pending.shift() as string;
      queued.delete(key);
      run(key);
    }
  };

  const enqueueNow = (key: string): void => {
    if (stopped) return;
    if (running.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    pending.push(key);
    pump();
  };

  const enqueueLater = (key: string, delayMs: number): void => {
    if (stopped) return;
    const at = Date.now() + delayMs;
    const existing = timers.get(key);
    if (existing !== undefined && existing.at <= at) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      enqueueNow(key);
    }, delayMs);
    timer.unref();
    timers.set(key, { at, timer });
  };

  return {
    enqueue(key, delayMs = 0) {
      if (delayMs > 0) enqueueLater(key, delayMs);
      else enqueueNow(key);
    },
    get depth() {
      return queued.size + running.size + timers.size;
    },
    idle() {
      if (pending.length === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      pending.length = 0;
      queued.clear();
      dirty.clear();
      await Promise.allSettled([...running.values()]);
      notifyIdle();
    },
  };
}
