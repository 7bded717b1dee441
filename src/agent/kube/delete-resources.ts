import type { AppliedManifestResourceMeta, OwnerReference } from '../../work/types.ts';
import { WORK_API_VERSION } from '../../work/types.ts';
import type { KubeClient } from './kube-client.ts';
import { isConflict, isNotFound } from './kube-errors.ts';
import type { ResourceRef } from './kube-types.ts';
import { applyOwnerReferences, removalOwner } from './owner-references.ts';

/** What {@link deleteAppliedResources} left behind. */
export interface DeleteResourcesResult {
  /** Objects deleted (or already terminating) but not gone yet. */
  pending: AppliedManifestResourceMeta[];
  /** Failures; the other objects were still processed. */
  errors: Error[];
}

function refOf(resource: AppliedManifestResourceMeta): ResourceRef {
  return {
    gvr: { group: resource.group, version: resource.version, resource: resource.resource },
    namespace: resource.namespace,
    name: resource.name,
  };
}

/**
 * Upstream `DeleteAppliedResources`, for resources removed from a work or for a whole work being
 * deleted. For each recorded resource: gone (404) → done; not owned by this AMW → left alone (orphaned
 * or foreign); also owned by another AppliedManifestWork → only our owner reference is removed; recreated
 * (UID differs from the record) → forgotten; already terminating → pending; otherwise DELETE with
 * `propagationPolicy: Background` and the recorded UID as precondition → pending (404/409 ignored).
 */
export async function deleteAppliedResources(
  client: KubeClient,
  resources: readonly AppliedManifestResourceMeta[],
  owner: OwnerReference,
): Promise<DeleteResourcesResult> {
  const pending: AppliedManifestResourceMeta[] = [];
  const errors: Error[] = [];
  for (const resource of resources) {
    const ref = refOf(resource);
    try {
      let live;
      try {
        live = await client.get(ref);
      } catch (err: unknown) {
        if (isNotFound(err)) continue;
        throw err;
      }
      const owners = live.metadata?.ownerReferences ?? [];
      if (!owners.some((o) => o.uid === owner.uid)) continue;
      const otherWorks = owners.filter(
        (o) => o.uid !== owner.uid && o.apiVersion === WORK_API_VERSION && o.kind === 'AppliedManifestWork',
      );
      if (otherWorks.length > 0) {
        await applyOwnerReferences(client, ref, live, removalOwner(owner));
        continue;
      }
      if (resource.uid && live.metadata?.uid !== resource.uid) continue;
      if (live.metadata?.deletionTimestamp) {
        pending.push(resource);
        continue;
      }
      try {
        await client.delete(ref, {
          preconditions: { uid: resource.uid || live.metadata?.uid },
          propagationPolicy: 'Background',
        });
      } catch (err: unknown) {
        if (isNotFound(err) || isConflict(err)) continue;
        throw err;
      }
      pending.push(resource);
    } catch (err: unknown) {
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return { pending, errors };
}
