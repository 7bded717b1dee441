import type { OwnerReference } from '../../work/types.ts';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-errors.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { cloneJson } from './kube-types.ts';
import { withoutRemovalMarkers } from './object-meta-merge.ts';
import { applyOwnerReferences } from './owner-references.ts';

/**
 * The `CreateOnly` strategy: create the object (owned) when it is missing; never update its content,
 * only merge the owner reference into an existing object.
 */
export async function applyWithCreateOnly(
  client: KubeClient,
  ref: ResourceRef,
  manifest: KubeObject,
  owner: OwnerReference,
): Promise<KubeObject> {
  let live: KubeObject;
  try {
    live = await client.get(ref);
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
    const required = cloneJson(manifest);
    required.metadata = { ...required.metadata, ownerReferences: [owner] };
    live = await client.create(ref, withoutRemovalMarkers(required));
  }
  return applyOwnerReferences(client, ref, live, owner);
}
