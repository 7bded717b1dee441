/**
 * Fakes of the agent runtime's Kubernetes ports for unit tests: an in-memory "cluster" that records
 * every create, update and delete, a WorkApplier that applies manifests to it and builds upstream-shaped
 * conditions, and an AppliedWorkRegistry over a map of AMWs.
 */
import type { AppliedWorkRegistry, WorkApplier } from '../../../src/agent/runtime-types.ts';
import type {
  AppliedManifestWork,
  Condition,
  ManifestCondition,
  ManifestWorkStatus,
} from '../../../src/work/types.ts';

const T = '2025-12-16T06:00:17Z';

function condition(
  type: string,
  status: string,
  reason: string,
  message: string,
  generation?: number,
): Condition {
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: T,
    ...(generation ? { observedGeneration: generation } : {}),
  };
}

/** Key of a manifest in the fake cluster. */
export function objectKey(manifest: {
  kind?: string;
  metadata?: { namespace?: string; name?: string };
}): string {
  return `${manifest.kind}/${manifest.metadata?.namespace ?? ''}/${manifest.metadata?.name}`;
}

/** The fake cluster and applier. */
export interface FakeCluster {
  readonly applier: WorkApplier;
  readonly objects: Map<string, Record<string, unknown>>;
  /** Every write, in order (`create <key>`, `update <key>`, `delete <key>`). */
  readonly writes: string[];
  /** Objects reported unavailable by refreshStatus. */
  readonly unavailable: Set<string>;
  /** How many more deleteWork calls report objects as still terminating. */
  terminatingRounds: number;
  /** Makes the next apply throw. */
  failNextApply: boolean;
  /** `requeueAfterMs` hints the next applies return, one each (then none). */
  readonly applyHints: number[];
  /** How many times apply ran. */
  applies: number;
  /** How many times refreshStatus ran (one per status sync pass of a work). */
  statusRefreshes: number;
}

/** Creates a {@link FakeCluster}. */
export function createFakeCluster(): FakeCluster {
  const objects = new Map<string, Record<string, unknown>>();
  const writes: string[] = [];
  const unavailable = new Set<string>();
  const owned = new Map<string, Set<string>>();

  const cluster: FakeCluster = {
    objects,
    writes,
    unavailable,
    terminatingRounds: 0,
    failNextApply: false,
    applyHints: [],
    applies: 0,
    statusRefreshes: 0,
    applier: {
      async apply(work) {
        cluster.applies++;
        if (cluster.failNextApply) {
          cluster.failNextApply = false;
          throw new Error('the server is currently unable to handle the request');
        }
        const generation = work.metadata.generation;
        const keys = new Set<string>();
        const manifests: ManifestCondition[] = (work.spec.workload.manifests ?? []).map((m, ordinal) => {
          const key = objectKey(m);
          keys.add(key);
          const existing = objects.get(key);
          if (existing === undefined) writes.push(`create ${key}`);
          else if (JSON.stringify(existing) !== JSON.stringify(m)) writes.push(`update ${key}`);
          objects.set(key, structuredClone(m));
          const [group, version] = (m.apiVersion ?? '').includes('/')
            ? (m.apiVersion as string).split('/')
            : ['', m.apiVersion ?? ''];
          return {
            resourceMeta: {
              ordinal,
              group: group as string,
              version: version as string,
              kind: m.kind ?? '',
              resource: `${(m.kind ?? '').toLowerCase()}s`,
              name: m.metadata?.name ?? '',
              namespace: m.metadata?.namespace ?? '',
            },
            statusFeedback: {},
            conditions: [
              condition('Applied', 'True', 'AppliedManifestComplete', 'Apply manifest complete', generation),
            ],
          };
        });
        for (const key of owned.get(work.metadata.uid as string) ?? []) {
          if (!keys.has(key) && objects.delete(key)) writes.push(`delete ${key}`);
        }
        owned.set(work.metadata.uid as string, keys);
        const others = (work.status?.conditions ?? []).filter((c) => c.type !== 'Applied');
        const status: ManifestWorkStatus = {
          conditions: [
            ...others,
            condition(
              'Applied',
              'True',
              'AppliedManifestWorkComplete',
              'Apply manifest work complete',
              generation,
            ),
          ],
          resourceStatus: { manifests },
        };
        return { status, requeueAfterMs: cluster.applyHints.shift() };
      },
      async refreshStatus(work) {
        cluster.statusRefreshes += 1;
        const status: ManifestWorkStatus = structuredClone(work.status ?? {});
        const manifests = status.resourceStatus?.manifests ?? [];
        let notAvailable = 0;
        for (const m of manifests) {
          const key = `${m.resourceMeta.kind}/${m.resourceMeta.namespace}/${m.resourceMeta.name}`;
          const available = objects.has(key) && !unavailable.has(key);
          if (!available) notAvailable++;
          const c = available
            ? condition('Available', 'True', 'ResourceAvailable', 'Resource is available')
            : condition('Available', 'False', 'ResourceNotAvailable', 'Resource is not available');
          m.conditions = [...(m.conditions ?? []).filter((x) => x.type !== 'Available'), c];
        }
        const available =
          notAvailable === 0
            ? condition(
                'Available',
                'True',
                'ResourcesAvailable',
                'All resources are available',
                work.metadata.generation,
              )
            : condition(
                'Available',
                'False',
                'ResourcesNotAvailable',
                `${notAvailable} of ${manifests.length} resources are not available`,
                work.metadata.generation,
              );
        status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'Available'), available];
        return status;
      },
      async deleteWork(work) {
        const orphan = work.spec.deleteOption?.propagationPolicy === 'Orphan';
        for (const key of owned.get(work.metadata.uid as string) ?? []) {
          if (!orphan && objects.delete(key)) writes.push(`delete ${key}`);
        }
        if (cluster.terminatingRounds > 0) {
          cluster.terminatingRounds--;
          return false;
        }
        owned.delete(work.metadata.uid as string);
        return true;
      },
    },
  };
  return cluster;
}

/** A registry over a map of AMWs; `evicted` lists the names evicted. */
export function createFakeRegistry(
  amws: AppliedManifestWork[],
): AppliedWorkRegistry & { amws: Map<string, AppliedManifestWork>; evicted: string[] } {
  const map = new Map(amws.map((a) => [a.metadata.name as string, structuredClone(a)]));
  const evicted: string[] = [];
  return {
    amws: map,
    evicted,
    async list() {
      return [...map.values()].map((a) => structuredClone(a));
    },
    async setEvictionStartTime(name, time) {
      const amw = map.get(name);
      if (amw === undefined) return;
      amw.status = { ...amw.status };
      if (time === undefined) delete amw.status.evictionStartTime;
      else amw.status.evictionStartTime = time;
    },
    async evict(amw) {
      map.delete(amw.metadata.name as string);
      evicted.push(amw.metadata.name as string);
      return true;
    },
  };
}

/** An AMW of hub `hub` for the work named `workName`. */
export function appliedManifestWork(workName: string, hub = 'hub'): AppliedManifestWork {
  return {
    metadata: { name: `${hub}-${workName}` },
    spec: { hubHash: hub, agentID: hub, manifestWorkName: workName },
    status: { appliedResources: [] },
  };
}
