/**
 * The ManifestWork watch (server.md §9.2, improved): subscribe to the connection's status events, list
 * the matching works over REST and emit each as `MODIFIED`, then emit every relayed status of a
 * matching work as `MODIFIED` (or `DELETED` once the agent reports `Deleted`). After the gRPC
 * subscription is re-established the works are listed again, so statuses missed while disconnected are
 * delivered; works that vanished meanwhile are emitted as `DELETED` (upstream only re-sends the list).
 *
 * Events older than what the watch already delivered (by spec version, then status sequence id) are
 * dropped, so a relist never moves a work back in time. Undelivered events are coalesced per work (the
 * latest state wins), so a slow reader holds at most one pending event per work.
 */
import { errorMessage } from '../common/errors.ts';
import { compareSequenceIds } from '../work/sequence-id.ts';
import { decodeStatusEvent } from '../work/source-codec.ts';
import { SEQUENCE_ID_ANNOTATION } from '../work/types.ts';
import type { ManifestWork } from '../work/types.ts';
import type { MaestroConnection } from './connection.ts';
import { matchesLabelSelector } from './label-selector.ts';
import type { LabelRequirement } from './label-selector.ts';

/** One change seen by a watch. */
export interface WatchEvent {
  /** `MODIFIED` for a listed work or a new status, `DELETED` when the work is gone. */
  type: 'MODIFIED' | 'DELETED';
  object: ManifestWork;
}

/** Options of {@link startWorkWatch}. */
export interface WorkWatchOptions {
  connection: MaestroConnection;
  /** The consumer whose works are watched; default every consumer. */
  namespace?: string;
  requirements: readonly LabelRequirement[];
  /** Lists the matching works (all pages). */
  list: (signal: AbortSignal) => Promise<ManifestWork[]>;
  signal?: AbortSignal;
  /** Delay before retrying a failed relist; default 1000 ms (doubling up to 30 s). */
  relistRetryMs?: number;
}

interface Seen {
  version: number;
  sequenceId: string;
  object: ManifestWork;
}

function versionOf(work: ManifestWork): number {
  return work.metadata.generation ?? Number(work.metadata.resourceVersion ?? 0);
}

function sequenceIdOf(work: ManifestWork): string {
  return work.metadata.annotations?.[SEQUENCE_ID_ANNOTATION] ?? '';
}

/** True when `work` is newer than what was delivered before. */
function isNewer(work: ManifestWork, seen: Seen | undefined): boolean {
  if (seen === undefined) return true;
  const version = versionOf(work);
  if (version !== seen.version) return version > seen.version;
  const sequenceId = sequenceIdOf(work);
  if (sequenceId === '' || seen.sequenceId === '') return sequenceId !== '' && seen.sequenceId === '';
  return compareSequenceIds(sequenceId, seen.sequenceId) > 0;
}

/**
 * Starts a watch and returns it as an async iterator. The first `next()` rejects when the initial list
 * fails; later relist failures are retried. Aborting `signal`, calling `return()` (as `break` in a
 * `for await` does) or closing the connection ends it.
 */
export function startWorkWatch(options: WorkWatchOptions): AsyncIterableIterator<WatchEvent> {
  const { connection, namespace, requirements } = options;
  const logger = connection.logger.child({ component: 'work-watch', ...(namespace ? { namespace } : {}) });
  const controller = new AbortController();
  const pending = new Map<string, WatchEvent>();
  const seen = new Map<string, Seen>();
  let waiter: (() => void) | undefined;
  let failure: unknown;
  let closed = false;
  let relisting = false;
  let relistAgain = false;
  let unsubscribe: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const wake = (): void => {
    const resolve = waiter;
    waiter = undefined;
    resolve?.();
  };

  const offer = (type: WatchEvent['type'], object: ManifestWork): void => {
    const uid = object.metadata.uid ?? '';
    if (type === 'DELETED') {
      seen.delete(uid);
    } else {
      if (!isNewer(object, seen.get(uid))) return;
      seen.set(uid, { version: versionOf(object), sequenceId: sequenceIdOf(object), object });
    }
    pending.set(uid, { type, object });
    wake();
  };

  const matches = (work: ManifestWork): boolean =>
    (namespace === undefined || work.metadata.namespace === namespace) &&
    matchesLabelSelector(requirements, work.metadata.labels);

  const close = (): void => {
    if (closed) return;
    closed = true;
    controller.abort();
    unsubscribe?.();
    clearTimeout(retryTimer);
    options.signal?.removeEventListener('abort', close);
    wake();
  };

  async function listOnce(): Promise<void> {
    const works = await options.list(controller.signal);
    if (closed) return;
    const listed = new Set<string>();
    for (const work of works) {
      listed.add(work.metadata.uid ?? '');
      if (matches(work)) offer('MODIFIED', work);
    }
    for (const [uid, entry] of [...seen]) {
      if (!listed.has(uid)) offer('DELETED', entry.object);
    }
  }

  async function relist(delayMs = options.relistRetryMs ?? 1000): Promise<void> {
    if (relisting) {
      relistAgain = true;
      return;
    }
    relisting = true;
    try {
      do {
        relistAgain = false;
        await listOnce();
      } while (relistAgain && !closed);
    } catch (err) {
      if (closed) return;
      logger.warn({ err: errorMessage(err), retryInMs: delayMs }, 'relist failed');
      retryTimer = setTimeout(() => void relist(Math.min(delayMs * 2, 30_000)), delayMs);
    } finally {
      relisting = false;
    }
  }

  const started = (async () => {
    await connection.ready(controller.signal);
    if (closed) return;
    unsubscribe = connection.subscribe({
      onEvent(event) {
        let decoded;
        try {
          decoded = decodeStatusEvent(event);
        } catch (err) {
          logger.warn({ err: errorMessage(err), eventId: event.id }, 'dropped undecodable status event');
          return;
        }
        // The relayed metadata is the spec's as its source sent it; the event's version is the current one.
        decoded.work.metadata.generation = Number(decoded.work.metadata.resourceVersion);
        if (!matches(decoded.work)) return;
        offer(decoded.deleted ? 'DELETED' : 'MODIFIED', decoded.work);
      },
      onResubscribed() {
        logger.info('subscription re-established, relisting');
        void relist();
      },
      onClosed: close,
    });
    relisting = true;
    try {
      await listOnce();
    } finally {
      relisting = false;
    }
    if (relistAgain) void relist();
  })().catch((err: unknown) => {
    if (!closed) failure = err;
    wake();
  });

  if (options.signal?.aborted) close();
  else options.signal?.addEventListener('abort', close, { once: true });

  const iterator: AsyncIterableIterator<WatchEvent> = {
    async next(): Promise<IteratorResult<WatchEvent>> {
      for (;;) {
        if (failure !== undefined) {
          const err = failure;
          failure = undefined;
          close();
          throw err;
        }
        if (closed) return { done: true, value: undefined };
        const first = pending.entries().next();
        if (!first.done) {
          const [uid, event] = first.value;
          pending.delete(uid);
          return { done: false, value: event };
        }
        await new Promise<void>((resolve) => {
          waiter = resolve;
        });
      }
    },
    async return(): Promise<IteratorResult<WatchEvent>> {
      close();
      await started;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
