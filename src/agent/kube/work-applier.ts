import type { Logger } from '../../common/logger.ts';
import type {
  AppliedManifestWork,
  Condition,
  ManifestCondition,
  ManifestWork,
  ManifestWorkStatus,
} from '../../work/types.ts';
import type { AppliedWorkRegistry, WorkApplier, WorkApplyResult } from '../runtime-types.ts';
import { findCondition, nowRfc3339, setCondition } from '../status/conditions.ts';
import { DEFAULT_MAX_JSON_RAW_LENGTH } from '../status/feedback.ts';
import type { ReadOutcome } from '../status/manifest-status.ts';
import { updateManifestStatus } from '../status/manifest-status.ts';
import {
  aggregateManifestConditions,
  mergeManifestConditions,
  pruneRuleConditions,
  workAppliedCondition,
} from '../status/work-conditions.ts';
import type { ManifestApplyResult } from './apply-manifest.ts';
import { applyManifest } from './apply-manifest.ts';
import type { ApplyRetryBackoff } from './apply-retry.ts';
import { createApplyRetries } from './apply-retry.ts';
import {
  appliedManifestWorkName,
  deleteAppliedManifestWork,
  ensureAppliedManifestWork,
  getAppliedManifestWork,
  listAppliedManifestWorks,
  removeAppliedManifestWorkFinalizer,
  setAppliedResources,
  setEvictionStartTime,
} from './applied-manifest-work.ts';
import { deleteAppliedResources } from './delete-resources.ts';
import type { FeedbackWatchTarget } from './feedback-watches.ts';
import { createFeedbackWatches } from './feedback-watches.ts';
import { garbageCollect } from './garbage-collect.ts';
import type { KubeClient } from './kube-client.ts';
import { KubeApiError, isNotFound } from './kube-errors.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { findManifestConfig } from './manifest-config.ts';
import { appliedManifestWorkOwner } from './owner-references.ts';
import { createRestMapper } from './rest-mapper.ts';
import type { WatchBackoff } from './object-watch.ts';
import { createSkipCache } from './skip-cache.ts';

/** Options for {@link createWorkApplier}. */
export interface WorkApplierOptions {
  client: KubeClient;
  /** {@link hubHash} of the broker host; prefixes every AMW name. */
  hubHash: string;
  /** `spec.agentID` of created AMWs; upstream maestro leaves it equal to the hub hash (the default). */
  agentID?: string;
  /** `--max-json-raw-length` (default 1 MiB, maestro's value). */
  maxJsonRawLength?: number;
  /** `--max-feedback-watch`: most objects watched for `feedbackScrapeType: Watch` (default 50). */
  maxFeedbackWatch?: number;
  /** Re-establishment delays of those watches (default 500 ms doubling to 30 s). */
  watchBackoff?: WatchBackoff;
  /** Early re-apply delays per work (default 50 ms doubling to 1000 s, as upstream's queue). */
  applyRetryBackoff?: ApplyRetryBackoff;
  logger: Logger;
}

/** The Kubernetes side of the agent: {@link WorkApplier} plus the {@link AppliedWorkRegistry}. */
export type KubeWorkApplier = WorkApplier &
  AppliedWorkRegistry & {
    /** Objects watched for `feedbackScrapeType: Watch` right now (diagnostics, tests). */
    readonly feedbackWatchCount: number;
    /** Closes the feedback watches; call after the runtime stopped. Idempotent. */
    stop(): void;
  };

const CONFLICT_RETRY_DELAYS_MS = [10, 50, 250];

/**
 * Creates the agent's Kubernetes side. `apply` runs upstream's ManifestWork reconcile (ensure the AMW,
 * apply each manifest in spec order with conflict retries, set manifest and work `Applied`, garbage
 * collect removed manifests); `refreshStatus` runs the status controller pass (`Available`, feedback,
 * condition rules, work-level aggregation); `deleteWork`/`evict` run the AMW finalizer (delete owned
 * objects, wait until they are gone, release the AMW).
 */
export function createWorkApplier(options: WorkApplierOptions): KubeWorkApplier {
  const { client, logger } = options;
  const hash = options.hubHash;
  const agentID = options.agentID ?? hash;
  const maxJsonRawLength = options.maxJsonRawLength ?? DEFAULT_MAX_JSON_RAW_LENGTH;
  const deps = { client, mapper: createRestMapper(client), cache: createSkipCache() };
  const retries = createApplyRetries(options.applyRetryBackoff);
  const watches = createFeedbackWatches({
    client,
    maxWatches: options.maxFeedbackWatch,
    backoff: options.watchBackoff,
    logger,
  });

  async function applyAll(work: ManifestWork, amw: AppliedManifestWork): Promise<ManifestApplyResult[]> {
    const owner = appliedManifestWorkOwner(amw);
    const previous = work.status?.resourceStatus?.manifests ?? [];
    const count = work.spec.workload.manifests?.length ?? 0;
    const results: ManifestApplyResult[] = new Array(count);
    let todo = [...Array(count).keys()];
    for (let attempt = 0; ; attempt++) {
      for (const i of todo) results[i] = await applyManifest(deps, work, i, owner, previous);
      todo = todo.filter((i) => isRetriableConflict(results[i].error));
      if (todo.length === 0 || attempt >= CONFLICT_RETRY_DELAYS_MS.length) return results;
      await new Promise((resolve) => setTimeout(resolve, CONFLICT_RETRY_DELAYS_MS[attempt]));
    }
  }

  async function apply(work: ManifestWork): Promise<WorkApplyResult> {
    const status = structuredClone(work.status ?? {});
    if (findCondition(status.conditions, 'Complete')?.status === 'True') return { status };
    const generation = work.metadata.generation ?? 0;
    const amw = await ensureAppliedManifestWork(client, hash, agentID, work);
    const results = await applyAll(work, amw);
    const now = nowRfc3339();
    const fresh: ManifestCondition[] = results.map((r) => ({
      resourceMeta: r.meta,
      statusFeedback: {},
      conditions: [
        r.error
          ? {
              type: 'Applied',
              status: 'False',
              observedGeneration: generation,
              lastTransitionTime: now,
              reason: 'AppliedManifestFailed',
              message: `Failed to apply manifest: ${r.error.message}`,
            }
          : {
              type: 'Applied',
              status: 'True',
              observedGeneration: generation,
              lastTransitionTime: now,
              reason: 'AppliedManifestComplete',
              message: 'Apply manifest complete',
            },
      ],
    }));
    for (const r of results) {
      if (r.error)
        logger.warn(
          { work: work.metadata.name, manifest: r.meta, err: r.error.message },
          'manifest apply failed',
        );
    }
    const manifests = mergeManifestConditions(status.resourceStatus?.manifests ?? [], fresh, now);
    const conditions: Condition[] = status.conditions ?? [];
    const applied = workAppliedCondition(manifests, generation);
    if (applied) setCondition(conditions, applied, now);
    let gcPending = false;
    let gcFailed = false;
    if (applied && !amw.metadata.deletionTimestamp) {
      try {
        const gc = await garbageCollect(
          client,
          amw.status?.appliedResources ?? [],
          results,
          appliedManifestWorkOwner(amw),
        );
        await setAppliedResources(client, amw, gc.appliedResources);
        gcPending = gc.pending.length > 0;
      } catch (err: unknown) {
        gcFailed = true;
        logger.warn(
          { work: work.metadata.name, err: err instanceof Error ? err.message : String(err) },
          'garbage collection skipped',
        );
      }
    }
    return {
      status: { ...status, conditions, resourceStatus: { ...status.resourceStatus, manifests } },
      requeueAfterMs: retries.next(work.metadata.uid as string, { results, gcPending, gcFailed }),
    };
  }

  async function readObject(ref: ResourceRef | undefined): Promise<ReadOutcome> {
    if (ref === undefined) return { kind: 'incompleteMeta' };
    try {
      return { kind: 'found', object: await client.get(ref) };
    } catch (err: unknown) {
      if (isNotFound(err)) return { kind: 'notFound' };
      return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
  }

  async function refreshStatus(work: ManifestWork): Promise<ManifestWorkStatus> {
    const status = structuredClone(work.status ?? {});
    if (!findCondition(status.conditions, 'Applied')) return status;
    const generation = work.metadata.generation ?? 0;
    const manifests = status.resourceStatus?.manifests ?? [];
    const now = nowRfc3339();
    const watched: FeedbackWatchTarget[] = [];
    for (const manifest of manifests) {
      const ref = refOf(manifest.resourceMeta);
      const outcome = await readObject(ref);
      const config = findManifestConfig(manifest.resourceMeta, work.spec.manifestConfigs);
      updateManifestStatus(manifest, outcome, config, generation, maxJsonRawLength, now);
      // upstream registers the watch only for objects it could read
      if (ref !== undefined && outcome.kind === 'found' && config?.feedbackScrapeType === 'Watch') {
        watched.push({ ref, resourceVersion: (outcome.object as KubeObject).metadata?.resourceVersion });
      }
    }
    watches.sync(work.metadata.uid as string, watched);
    const conditions: Condition[] = status.conditions ?? [];
    for (const condition of aggregateManifestConditions(generation, manifests))
      setCondition(conditions, condition, now);
    pruneRuleConditions(conditions, generation);
    return { ...status, conditions, resourceStatus: { ...status.resourceStatus, manifests } };
  }

  /** One pass of upstream's AMW finalizer; true once the AMW is gone. */
  async function finalize(name: string): Promise<boolean> {
    let amw = await getAppliedManifestWork(client, name);
    if (!amw) return true;
    if (!amw.metadata.deletionTimestamp) {
      await deleteAppliedManifestWork(client, name);
      amw = await getAppliedManifestWork(client, name);
      if (!amw) return true;
    }
    const { pending, errors } = await deleteAppliedResources(
      client,
      amw.status?.appliedResources ?? [],
      appliedManifestWorkOwner(amw),
    );
    if (errors.length > 0)
      throw new AggregateError(
        errors,
        `applied manifest work '${name}' cleanup failed: ${errors.map((e) => e.message).join(', ')}`,
      );
    amw = await setAppliedResources(client, amw, pending);
    if (pending.length > 0) return false;
    await removeAppliedManifestWorkFinalizer(client, amw);
    return (await getAppliedManifestWork(client, name)) === undefined;
  }

  return {
    apply,
    refreshStatus,
    deleteWork: (work) => {
      watches.sync(work.metadata.uid as string, []);
      retries.forget(work.metadata.uid as string);
      return finalize(appliedManifestWorkName(hash, work.metadata.name ?? ''));
    },
    watchStatusChanges: (listener) => watches.onChange(listener),
    get feedbackWatchCount() {
      return watches.size;
    },
    stop: () => watches.stop(),
    list: () => listAppliedManifestWorks(client, hash),
    setEvictionStartTime: async (name, time) => {
      try {
        await setEvictionStartTime(client, name, time);
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err;
      }
    },
    evict: (amw) => finalize(amw.metadata.name ?? ''),
  };
}

function refOf(meta: ManifestCondition['resourceMeta']): ResourceRef | undefined {
  if (!meta.resource || !meta.version || !meta.name) return undefined;
  return {
    gvr: { group: meta.group, version: meta.version, resource: meta.resource },
    namespace: meta.namespace,
    name: meta.name,
  };
}

function isRetriableConflict(err: Error | undefined): boolean {
  return err instanceof KubeApiError && err.httpStatus === 409 && err.reason === 'Conflict';
}
