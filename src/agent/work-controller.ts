/**
 * Reconciles one work at a time (the queue guarantees it per UID), combining upstream's ManifestWork,
 * status and finalize controllers (agent.md §3.1, §3.7, §5.5):
 *
 * - a new or changed spec, or the periodic re-apply (every 4–6 min, which corrects drift), applies
 *   the manifests and re-reads their status; when the applier asks for an early retry (objects of
 *   removed manifests still terminating, a failed manifest, an executor denial) the next apply comes
 *   after that delay instead;
 * - otherwise the status is re-read (every `--status-sync-interval`);
 * - a work with a deletionTimestamp goes through the deletion handshake: publish `Deleting`, remove the
 *   manifests per the delete option, wait until they are gone, publish the last status with
 *   `Deleted=True` / `ManifestsDeleted`, forget the work.
 *
 * Each result is written to the store and published when the status hash changed.
 */
import type { Logger } from '../common/logger.ts';
import type { Condition, ManifestWork, ManifestWorkStatus } from '../work/types.ts';
import { CONDITION_TYPES } from '../work/types.ts';
import { rfc3339Seconds } from '../work/object-meta.ts';
import type { AgentMetrics } from './metrics.ts';
import type { WorkApplier } from './runtime-types.ts';
import type { StatusReporter } from './status-reporter.ts';
import type { WorkStore } from './work-store.ts';
import type { ProcessResult } from './work-queue.ts';

/** Upstream's work resync: 4 minutes with jitter 0.5 (so 4–6 minutes). */
export const REAPPLY_INTERVAL_MS = 4 * 60_000;

/** Options for {@link createWorkController}. */
export interface WorkControllerOptions {
  store: WorkStore;
  applier: WorkApplier;
  reporter: StatusReporter;
  metrics: AgentMetrics;
  logger: Logger;
  /** Base interval of the periodic re-apply (default {@link REAPPLY_INTERVAL_MS}). */
  reapplyIntervalMs?: number;
  /** How long to wait before checking again on objects still terminating (default 1 s). */
  deletionPollMs?: number;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** See the module comment. */
export interface WorkController {
  /** Marks a work for (re-)apply; call before enqueueing its UID after a spec change. */
  markForApply(uid: string): void;
  /** Processes one work; the queue's processor. */
  reconcile(uid: string): Promise<ProcessResult>;
}

function hasTrueCondition(status: ManifestWorkStatus | undefined, type: string): boolean {
  return (status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The status with `Deleting=True` (`WorkDeleting`), keeping the transition time if it already was. */
function withDeletingCondition(work: ManifestWork, nowMs: number): ManifestWorkStatus {
  const status = structuredClone(work.status ?? {});
  const deleting: Condition = {
    type: CONDITION_TYPES.deleting,
    status: 'True',
    observedGeneration: work.metadata.generation,
    lastTransitionTime: rfc3339Seconds(new Date(nowMs)),
    reason: 'WorkDeleting',
    message: 'ManifestWork is being deleted',
  };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== deleting.type), deleting];
  return status;
}

/** Creates a {@link WorkController}. */
export function createWorkController(options: WorkControllerOptions): WorkController {
  const { store, applier, reporter, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const reapplyMs = options.reapplyIntervalMs ?? REAPPLY_INTERVAL_MS;
  const deletionPollMs = options.deletionPollMs ?? 1000;
  const needsApply = new Set<string>();
  const nextApplyAt = new Map<string, number>();

  const forget = (uid: string): void => {
    needsApply.delete(uid);
    nextApplyAt.delete(uid);
    reporter.forget(uid);
  };

  /** Writes a status computed for `work` unless the spec moved on meanwhile, then publishes it. */
  const commit = async (work: ManifestWork, status: ManifestWorkStatus): Promise<void> => {
    const current = store.get(work.metadata.uid as string);
    if (
      current === undefined ||
      current.metadata.deletionTimestamp !== undefined ||
      current.metadata.generation !== work.metadata.generation ||
      needsApply.has(work.metadata.uid as string)
    ) {
      return; // a newer spec or a deletion arrived while we worked; its reconcile is queued
    }
    const updated = store.setStatus(work.metadata.uid as string, status);
    if (updated !== undefined) await reporter.reportIfChanged(updated);
  };

  const runDeletion = async (work: ManifestWork): Promise<ProcessResult> => {
    const uid = work.metadata.uid as string;
    if (work.status !== undefined && !hasTrueCondition(work.status, CONDITION_TYPES.deleting)) {
      const updated = store.setStatus(uid, withDeletingCondition(work, now()));
      if (updated !== undefined) await reporter.reportIfChanged(updated);
    }
    const gone = await applier.deleteWork(work);
    if (!gone) {
      logger.debug({ uid }, 'waiting for applied objects to be deleted');
      return { requeueAfterMs: deletionPollMs };
    }
    await reporter.reportDeleted(store.get(uid) ?? work);
    store.remove(uid);
    forget(uid);
    metrics.works.set(store.size);
    logger.info({ uid }, 'work deleted: manifests removed and Deleted status published');
    return undefined;
  };

  const run = async (kind: 'apply' | 'status' | 'delete', body: () => Promise<ProcessResult>) => {
    try {
      const result = await body();
      metrics.reconciles.inc({ kind, result: 'ok' });
      return result;
    } catch (err: unknown) {
      metrics.reconciles.inc({ kind, result: 'error' });
      throw err;
    }
  };

  return {
    markForApply(uid) {
      needsApply.add(uid);
    },

    async reconcile(uid) {
      const work = store.get(uid);
      if (work === undefined) {
        forget(uid);
        return undefined;
      }
      if (work.metadata.deletionTimestamp !== undefined) return run('delete', () => runDeletion(work));

      // Upstream stops applying a work once its `Complete` condition is True; status keeps flowing.
      const complete = hasTrueCondition(work.status, CONDITION_TYPES.complete);
      const due = (nextApplyAt.get(uid) ?? 0) <= now();
      if (!complete && (needsApply.has(uid) || due)) {
        return run('apply', async () => {
          needsApply.delete(uid);
          let status: ManifestWorkStatus;
          let requeueAfterMs: number | undefined;
          try {
            const applied = await applier.apply(work);
            requeueAfterMs = applied.requeueAfterMs;
            status = await applier.refreshStatus({ ...work, status: applied.status });
          } catch (err: unknown) {
            needsApply.add(uid);
            throw err;
          }
          const reapplyAt = now() + reapplyMs * (1 + Math.random() * 0.5);
          if (requeueAfterMs !== undefined && now() + requeueAfterMs < reapplyAt) {
            // the applier asked for an early re-apply (pending deletions, failures, executor denial)
            nextApplyAt.set(uid, now() + requeueAfterMs);
            await commit(work, status);
            return { requeueAfterMs };
          }
          nextApplyAt.set(uid, reapplyAt);
          await commit(work, status);
          return undefined;
        });
      }
      return run('status', async () => {
        await commit(work, await applier.refreshStatus(work));
        return undefined;
      });
    },
  };
}
