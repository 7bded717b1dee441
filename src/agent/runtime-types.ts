/**
 * What the agent runtime (store, queue, CloudEvents side) needs from the Kubernetes side and from the
 * agent codec. `agent.ts` binds these to `src/agent/kube`, `src/agent/status` and `src/work`; unit
 * tests bind them to fakes, so the runtime's rules are tested without a cluster.
 */
import type { MaestroEvent } from '../cloudevents/event.ts';
import type { AppliedManifestWork, ManifestWork, ManifestWorkStatus } from '../work/types.ts';

/** What {@link WorkApplier.apply} produced. */
export interface WorkApplyResult {
  /** The new status (`Applied` conditions, merged with `work.status`). */
  status: ManifestWorkStatus;
  /**
   * Apply again after this long instead of at the periodic re-apply: objects of removed manifests still
   * terminating, a manifest that failed, an executor denial (60 s).
   */
  requeueAfterMs?: number;
}

/** Applies works to the cluster and reads their status back. */
export interface WorkApplier {
  /**
   * Applies every manifest of the work (creating or updating its AppliedManifestWork, garbage-collecting
   * manifests removed from the spec) and returns the new status and when to retry early.
   */
  apply(work: ManifestWork): Promise<WorkApplyResult>;
  /** Re-reads the applied objects and returns the status with `Available`, feedback and rule conditions. */
  refreshStatus(work: ManifestWork): Promise<ManifestWorkStatus>;
  /**
   * Removes the work's objects per its delete option and then its AppliedManifestWork. Resolves `true`
   * once everything is gone, `false` while objects are still terminating (the caller retries).
   */
  deleteWork(work: ManifestWork): Promise<boolean>;
  /**
   * Registers the listener told when an applied object of a work changed (`feedbackScrapeType: Watch`),
   * so the runtime re-reads that work's status at once instead of at the next status sync.
   */
  watchStatusChanges?(listener: (uid: string) => void): void;
}

/** The AppliedManifestWorks of this agent's hub, for restart recovery and eviction. */
export interface AppliedWorkRegistry {
  /** The AMWs whose `spec.hubHash` is this agent's hub hash. */
  list(): Promise<AppliedManifestWork[]>;
  /** Sets (`time`) or clears (`undefined`) `status.evictionStartTime`. */
  setEvictionStartTime(name: string, time: string | undefined): Promise<void>;
  /** Deletes the AMW and the objects it owns (as upstream's AMW finalizer); `true` once it is gone. */
  evict(amw: AppliedManifestWork): Promise<boolean>;
}

/** The agent side of the ManifestBundle codec (`src/work`), as the runtime uses it. */
export interface AgentEventCodec {
  /** Decodes a spec event into the agent's ManifestWork; throws `MaestroError` when it is invalid. */
  decodeSpec(event: MaestroEvent): ManifestWork;
  /** Encodes a status event (`update_request` or `resync_response`). */
  encodeStatus(work: ManifestWork, action: 'update_request' | 'resync_response'): MaestroEvent;
  /** Encodes the last status of a deleted work, with `Deleted=True` / `ManifestsDeleted`. */
  encodeDeleted(work: ManifestWork): MaestroEvent;
  /** Encodes a spec resync request listing these versions. */
  encodeSpecResyncRequest(versions: { resourceID: string; resourceVersion: number }[]): MaestroEvent;
  /** The status hash of a work's status (what the source echoes back in status resync requests). */
  statusHash(status: ManifestWorkStatus | undefined): string;
}
