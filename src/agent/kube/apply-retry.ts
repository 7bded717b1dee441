import type { ManifestApplyResult } from './apply-manifest.ts';
import { ServerSideApplyConflictError } from './apply-server-side.ts';
import { EXECUTOR_RETRY_MS, ExecutorNotAllowedError } from './executor.ts';

/** Delays of the per-work retry backoff. */
export interface ApplyRetryBackoff {
  /** First delay (default 50 ms); doubles per consecutive pass that needs a retry. */
  baseMs: number;
  /** Longest delay (default 1000 s, upstream's limiter cap). */
  maxMs: number;
}

/** Default {@link ApplyRetryBackoff}. */
export const DEFAULT_APPLY_RETRY_BACKOFF: ApplyRetryBackoff = { baseMs: 50, maxMs: 1_000_000 };

/** What an apply pass left to retry before the periodic resync (agent.md §3.2, §3.6). */
export interface ApplyRetryReasons {
  results: readonly ManifestApplyResult[];
  /** Objects of removed manifests are deleted but not gone yet. */
  gcPending: boolean;
  /** Garbage collection could not run this pass. */
  gcFailed: boolean;
}

/**
 * Per-work early retries of an apply pass, as upstream requeues the ManifestWork controller: a manifest
 * failing with an ordinary error, a failed garbage collection and removed objects still terminating
 * retry after a per-work exponential delay; an executor denial after {@link EXECUTOR_RETRY_MS}; a
 * server-side-apply conflict waits for the periodic resync. A pass with nothing to retry resets the
 * work's delay.
 */
export interface ApplyRetries {
  /** The delay before the next apply of work `uid`, or undefined when the periodic resync is enough. */
  next(uid: string, reasons: ApplyRetryReasons): number | undefined;
  /** Forgets a work (deleted). */
  forget(uid: string): void;
}

/** Creates {@link ApplyRetries}. */
export function createApplyRetries(backoff: ApplyRetryBackoff = DEFAULT_APPLY_RETRY_BACKOFF): ApplyRetries {
  const attempts = new Map<string, number>();
  return {
    next(uid, { results, gcPending, gcFailed }) {
      const errors = results.flatMap((r) => (r.error ? [r.error] : []));
      const soon =
        gcPending ||
        gcFailed ||
        errors.some(
          (e) => !(e instanceof ExecutorNotAllowedError || e instanceof ServerSideApplyConflictError),
        );
      const denied = errors.some((e) => e instanceof ExecutorNotAllowedError);
      if (!soon) attempts.delete(uid);
      if (!soon) return denied ? EXECUTOR_RETRY_MS : undefined;
      const attempt = attempts.get(uid) ?? 0;
      attempts.set(uid, attempt + 1);
      const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
      return denied ? Math.min(delay, EXECUTOR_RETRY_MS) : delay;
    },
    forget(uid) {
      attempts.delete(uid);
    },
  };
}
