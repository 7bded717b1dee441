import type { AppliedManifestWork, OwnerReference } from '../../work/types.ts';
import { WORK_API_VERSION } from '../../work/types.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { mergeOwnerReferences } from './object-meta-merge.ts';

/**
 * The owner reference applied objects carry (upstream `NewAppliedManifestWorkOwner`). It sets neither
 * `controller` nor `blockOwnerDeletion`, so an object may be owned by several works.
 */
export function appliedManifestWorkOwner(amw: Pick<AppliedManifestWork, 'metadata'>): OwnerReference {
  return {
    apiVersion: WORK_API_VERSION,
    kind: 'AppliedManifestWork',
    name: amw.metadata.name ?? '',
    uid: amw.metadata.uid ?? '',
  };
}

/** The same owner marked for removal (`uid` + `-`), used for objects the work must not own. */
export function removalOwner(owner: OwnerReference): OwnerReference {
  return { ...owner, uid: `${owner.uid}-` };
}

/**
 * Upstream `ApplyOwnerReferences`: merges `owner` into the live object's owner references and, when
 * that changes them, sends a JSON merge patch with the complete list plus the live `uid` and
 * `resourceVersion` as preconditions. Returns the patched object, or `live` when nothing changed.
 */
export async function applyOwnerReferences(
  client: KubeClient,
  ref: ResourceRef,
  live: KubeObject,
  owner: OwnerReference,
): Promise<KubeObject> {
  const { merged, modified } = mergeOwnerReferences(live.metadata?.ownerReferences, [owner]);
  if (!modified) return live;
  return client.patch(ref, 'merge', {
    metadata: {
      uid: live.metadata?.uid,
      resourceVersion: live.metadata?.resourceVersion,
      ownerReferences: merged,
    },
  });
}

/** True when `object` has an owner reference with this UID. */
export function hasOwnerUid(object: KubeObject, uid: string): boolean {
  return (object.metadata?.ownerReferences ?? []).some((owner) => owner.uid === uid);
}
