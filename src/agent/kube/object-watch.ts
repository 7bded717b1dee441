import type { Logger } from '../../common/logger.ts';
import { errorMessage } from '../../common/errors.ts';
import type { KubeClient, KubeWatch, KubeWatchEvent } from './kube-client.ts';
import type { ResourceRef } from './kube-types.ts';

/** Delays of {@link startObjectWatch}'s re-establishment after failures. */
export interface WatchBackoff {
  /** First delay after a failed or immediately closed watch (default 500 ms); doubles per failure. */
  baseMs: number;
  /** Longest delay (default 30 s). */
  maxMs: number;
}

/** Default {@link WatchBackoff}. */
export const DEFAULT_WATCH_BACKOFF: WatchBackoff = { baseMs: 500, maxMs: 30_000 };

/** Options for {@link startObjectWatch}. */
export interface ObjectWatchOptions {
  client: KubeClient;
  /** The one object to watch. */
  ref: ResourceRef;
  /** Start after this version (the one just read), so only later changes are reported. */
  resourceVersion?: string;
  /** Called for every change of the object (added, modified, deleted). */
  onChange: () => void;
  backoff?: WatchBackoff;
  logger: Logger;
}

/** A running {@link startObjectWatch}. */
export interface ObjectWatch {
  /** Closes the stream and stops re-establishing it; idempotent. */
  stop(): void;
}

/** Server-side watch length, like client-go reflectors (5–10 min) so streams are renewed regularly. */
const TIMEOUT_SECONDS = { min: 300, spread: 300 };
/** A watch that ends sooner than this without delivering anything counts as a failure (backoff). */
const MIN_HEALTHY_MS = 1000;

function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

/**
 * Watches one object (a `metadata.name` field selector in its namespace) and calls `onChange` whenever
 * it changes. The stream is re-established when it ends: at once after a normal end or the client's
 * idle timeout (resuming from the last version seen, so nothing is missed or repeated), with
 * exponential backoff after errors; a `410 Expired` restarts from the current state.
 */
export function startObjectWatch(options: ObjectWatchOptions): ObjectWatch {
  const { client, ref, logger } = options;
  const backoff = options.backoff ?? DEFAULT_WATCH_BACKOFF;
  let resourceVersion = options.resourceVersion;
  let failures = 0;
  /** Aborts the stream of the current attempt. */
  let current: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      open();
    }, delayMs);
    timer.unref();
  };

  const open = (): void => {
    const startedAt = Date.now();
    let delivered = false;
    let handle: KubeWatch | undefined;
    let abortRequested = false;
    let finished = false;
    const abort = (): void => {
      abortRequested = true;
      handle?.abort();
    };
    const onEvent = (event: KubeWatchEvent): void => {
      if (stopped) return;
      if (event.type === 'ERROR') {
        const code = (event.object as { code?: number }).code;
        if (code === 410) resourceVersion = undefined; // history gone: start over from the current state
        logger.debug({ object: ref, code }, 'feedback watch error event, re-establishing');
        abort();
        return;
      }
      const version = event.object?.metadata?.resourceVersion;
      if (version !== undefined) resourceVersion = version;
      delivered = true;
      failures = 0;
      if (event.type !== 'BOOKMARK') options.onChange();
    };
    const onDone = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (current === abort) current = undefined;
      if (stopped) return;
      const healthy = delivered || Date.now() - startedAt >= MIN_HEALTHY_MS;
      if ((err === undefined || isTimeout(err)) && healthy) {
        schedule(0);
        return;
      }
      failures++;
      const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
      logger.info(
        { object: ref, err: err === undefined ? 'closed' : errorMessage(err), retryInMs: delay },
        'feedback watch ended, re-establishing',
      );
      schedule(delay);
    };
    const timeoutSeconds = TIMEOUT_SECONDS.min + Math.floor(Math.random() * TIMEOUT_SECONDS.spread);
    client
      .watch(
        { gvr: ref.gvr, namespace: ref.namespace },
        { fieldSelector: `metadata.name=${ref.name}`, resourceVersion, timeoutSeconds },
        onEvent,
        onDone,
      )
      .then(
        (opened) => {
          handle = opened;
          if (stopped || abortRequested) opened.abort();
        },
        (err: unknown) => onDone(err),
      );
    current = abort;
  };

  open();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      current?.();
      current = undefined;
    },
  };
}
