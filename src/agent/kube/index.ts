/**
 * The agent's Kubernetes side.
 *
 * README — contract for the agent runtime (`src/agent/agent.ts`):
 *
 * ```ts
 * const kubeConfig = loadKubeConfig({ kubeconfig: config.kubeconfig }); // flag > in-cluster > KUBECONFIG/~/.kube/config
 * const client = createKubeClient({ kubeConfig, qps: config.kubeApiQps, burst: config.kubeApiBurst, logger });
 * const kube = createWorkApplier({ client, hubHash: hubHash(brokerHost), maxJsonRawLength, logger });
 * // kube satisfies both WorkApplier and AppliedWorkRegistry of `../runtime-types.ts`:
 * const { status: applied, requeueAfterMs } = await kube.apply(work); // requeueAfterMs: apply again early
 * const status = await kube.refreshStatus({ ...work, status: applied });
 * const gone = await kube.deleteWork(work); // false while objects are terminating: call again later
 * ```
 *
 * - `apply(work)` never throws for a bad manifest: each manifest's error is its `Applied`=False
 *   condition. It throws only when the AppliedManifestWork cannot be read/created (retry with backoff).
 *   It is a no-op when the work-level `Complete` is True. Drift is corrected each time it runs (call it
 *   on every spec change and on the periodic resync, 4–6 min upstream).
 * - `feedbackScrapeType: Watch` manifests are watched (at most `maxFeedbackWatch`); a change calls the
 *   listener given to `watchStatusChanges` with the work UID. `stop()` closes the watches.
 * - `refreshStatus(work)` needs the work-level `Applied` condition (from `apply`); it re-reads every
 *   manifest's object and sets `Available`, `StatusFeedbackSynced`, rule conditions and work-level
 *   `Available`/rule aggregates. Call it every `--status-sync-interval`.
 * - Both return a new status; the runtime compares it with the old one and publishes on change.
 * - `deleteWork(work)` / `evict(amw)`: deletes the AMW, removes owned objects (Foreground semantics:
 *   waits until they are gone), then releases the AMW finalizer; resolves true when the AMW is gone.
 * - `list()` / `setEvictionStartTime(name, time)`: AMWs of this hub, for restart recovery and eviction.
 * - AMW name: `appliedManifestWorkName(hubHash(host), work.metadata.name)`; the CRD is
 *   `deploy/crds/appliedmanifestworks.yaml`.
 */
export { loadKubeConfig } from './kube-config.ts';
export type { LoadKubeConfigOptions } from './kube-config.ts';
export { createKubeClient } from './kube-client.ts';
export type {
  KubeClient,
  KubeClientOptions,
  KubeCreateOptions,
  KubeDeleteOptions,
  KubeMethod,
  KubePatchOptions,
  KubePatchType,
  KubeRequest,
  KubeWatch,
  KubeWatchEvent,
  KubeWatchOptions,
} from './kube-client.ts';
export { KubeApiError, isAlreadyExists, isConflict, isForbidden, isNotFound } from './kube-errors.ts';
export type { KubeStatus } from './kube-errors.ts';
export { parseApiVersion, resourcePath } from './kube-types.ts';
export type { GroupVersionKind, GroupVersionResource, KubeObject, ResourceRef } from './kube-types.ts';
export { createRestMapper } from './rest-mapper.ts';
export type { RestMapper, RestMapping } from './rest-mapper.ts';
export {
  APPLIED_MANIFEST_WORK_GVR,
  appliedManifestWorkName,
  getAppliedManifestWork,
  hubHash,
  listAppliedManifestWorks,
} from './applied-manifest-work.ts';
export { ensureAppliedManifestWorkCrd } from './applied-manifest-work-crd.ts';
export type { EnsureCrdOptions } from './applied-manifest-work-crd.ts';
export { appliedManifestWorkOwner } from './owner-references.ts';
export { findManifestConfig, isOwnedByTheWork, wildcardMatch } from './manifest-config.ts';
export type { ManifestConfig } from './manifest-config.ts';
export { DEFAULT_FIELD_MANAGER, ServerSideApplyConflictError } from './apply-server-side.ts';
export { EXECUTOR_RETRY_MS, ExecutorNotAllowedError } from './executor.ts';
export type { WatchBackoff } from './object-watch.ts';
export { createWorkApplier } from './work-applier.ts';
export type { KubeWorkApplier, WorkApplierOptions } from './work-applier.ts';
