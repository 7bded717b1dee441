import type { Logger } from '../../common/logger.ts';
import type { KubeClient } from './kube-client.ts';
import type { ResourceRef } from './kube-types.ts';
import type { ObjectWatch, WatchBackoff } from './object-watch.ts';
import { startObjectWatch } from './object-watch.ts';

/** Upstream's default `--max-feedback-watch`. */
export const DEFAULT_MAX_FEEDBACK_WATCH = 50;

/** An object a work wants watched, with the version its status pass just read. */
export interface FeedbackWatchTarget {
  ref: ResourceRef;
  resourceVersion?: string;
}

/** Options for {@link createFeedbackWatches}. */
export interface FeedbackWatchesOptions {
  client: KubeClient;
  /** `--max-feedback-watch`: most objects watched at once; the rest are polled. */
  maxWatches?: number;
  backoff?: WatchBackoff;
  logger: Logger;
}

/**
 * The watches behind `feedbackScrapeType: Watch` (agent.md §3.9): one watch per applied object, shared
 * by every work that lists it, so that a change of the object re-evaluates those works' status at once
 * instead of at the next `--status-sync-interval`. Each status pass declares the objects its work wants
 * watched ({@link FeedbackWatches.sync}); watches nobody wants any more are closed. At most
 * `maxWatches` run; beyond that the objects are polled like `Poll` ones (logged once per object).
 * Upstream keeps one informer per (resource, namespace); a per-object watch carries only the events the
 * agent needs.
 */
export interface FeedbackWatches {
  /** Sets the objects watched for work `uid` (an empty list releases them all). */
  sync(uid: string, targets: readonly FeedbackWatchTarget[]): void;
  /** Registers the listener told which work to re-read when a watched object changed. */
  onChange(listener: (uid: string) => void): void;
  /** Objects currently watched (diagnostics, tests). */
  readonly size: number;
  /** Closes every watch; later `sync` calls start nothing. Idempotent. */
  stop(): void;
}

interface Entry {
  ref: ResourceRef;
  works: Set<string>;
  watch: ObjectWatch;
}

function keyOf(ref: ResourceRef): string {
  return JSON.stringify([ref.gvr.group, ref.gvr.version, ref.gvr.resource, ref.namespace ?? '', ref.name]);
}

function setOrDelete(map: Map<string, Set<string>>, key: string, value: Set<string>): void {
  if (value.size > 0) map.set(key, value);
  else map.delete(key);
}

/** Creates {@link FeedbackWatches}. */
export function createFeedbackWatches(options: FeedbackWatchesOptions): FeedbackWatches {
  const { client, logger } = options;
  const max = options.maxWatches ?? DEFAULT_MAX_FEEDBACK_WATCH;
  const entries = new Map<string, Entry>();
  /** The keys each work watches. */
  const byWork = new Map<string, Set<string>>();
  /** The keys each work asked for but was refused because of the cap (so the fallback is logged once). */
  const refusedByWork = new Map<string, Set<string>>();
  let listener: (uid: string) => void = () => undefined;
  let stopped = false;

  const release = (uid: string, key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entry.works.delete(uid);
    if (entry.works.size > 0) return;
    entry.watch.stop();
    entries.delete(key);
    logger.debug({ object: entry.ref }, 'feedback watch stopped');
  };

  const acquire = (uid: string, key: string, target: FeedbackWatchTarget): boolean => {
    const existing = entries.get(key);
    if (existing !== undefined) {
      existing.works.add(uid);
      return true;
    }
    if (entries.size >= max) return false;
    const entry: Entry = {
      ref: target.ref,
      works: new Set([uid]),
      watch: startObjectWatch({
        client,
        ref: target.ref,
        resourceVersion: target.resourceVersion,
        backoff: options.backoff,
        logger,
        onChange: () => {
          for (const work of entry.works) listener(work);
        },
      }),
    };
    entries.set(key, entry);
    logger.debug({ object: target.ref }, 'feedback watch started');
    return true;
  };

  return {
    sync(uid, targets) {
      if (stopped) return;
      const wanted = new Map(targets.map((t) => [keyOf(t.ref), t]));
      const held = byWork.get(uid) ?? new Set<string>();
      const wasRefused = refusedByWork.get(uid);
      const refused = new Set<string>();
      for (const key of held) {
        if (!wanted.has(key)) {
          release(uid, key);
          held.delete(key);
        }
      }
      for (const [key, target] of wanted) {
        if (held.has(key)) continue;
        if (acquire(uid, key, target)) {
          held.add(key);
          continue;
        }
        refused.add(key);
        if (!wasRefused?.has(key)) {
          logger.info(
            { object: target.ref, maxFeedbackWatch: max },
            'feedback watch limit reached, polling the object at the status sync interval instead',
          );
        }
      }
      setOrDelete(byWork, uid, held);
      setOrDelete(refusedByWork, uid, refused);
    },
    onChange(next) {
      listener = next;
    },
    get size() {
      return entries.size;
    },
    stop() {
      stopped = true;
      for (const entry of entries.values()) entry.watch.stop();
      entries.clear();
      byWork.clear();
      refusedByWork.clear();
    },
  };
}
