import type { AppliedManifestResourceMeta, OwnerReference } from '../../work/types.ts';
import type { ManifestApplyResult } from './apply-manifest.ts';
import { deleteAppliedResources } from './delete-resources.ts';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-errors.ts';

/** The outcome of {@link garbageCollect}. */
export interface GarbageCollectResult {
  /** The new `status.appliedResources`: tracked objects plus removed ones still terminating, sorted. */
  appliedResources: AppliedManifestResourceMeta[];
  /** Objects of removed manifests that are deleted but not gone yet. */
  pending: AppliedManifestResourceMeta[];
}

const identity = (r: AppliedManifestResourceMeta): string =>
  JSON.stringify([r.group, r.resource, r.namespace, r.name]);
const sortKey = (r: AppliedManifestResourceMeta): string =>
  [r.group, r.version, r.resource, r.namespace, r.name].join('\u0000');

/**
 * Upstream's AppliedManifestWork reconciler: records the UID of every manifest object (from the apply
 * result, else a live GET; a 404 leaves it untracked), then deletes the objects of previously applied
 * resources that are no longer in the work (matched by group, resource, namespace and name) with
 * {@link deleteAppliedResources}. Throws, aborting this pass, when an object's UID cannot be resolved
 * (for example a manifest whose kind did not map) or when a deletion failed.
 */
export async function garbageCollect(
  client: KubeClient,
  previouslyApplied: readonly AppliedManifestResourceMeta[],
  results: readonly ManifestApplyResult[],
  owner: OwnerReference,
): Promise<GarbageCollectResult> {
  const tracked: AppliedManifestResourceMeta[] = [];
  for (const result of results) {
    const { meta } = result;
    if (!result.gvr || !meta.resource || !meta.version) {
      throw new Error(
        `cannot resolve the uid of resource ${meta.kind} ${meta.namespace}/${meta.name}: ${result.error?.message ?? 'incomplete resource meta'}`,
      );
    }
    let uid = result.object?.metadata?.uid;
    if (!uid) {
      try {
        uid = (await client.get({ gvr: result.gvr, namespace: meta.namespace, name: meta.name })).metadata
          ?.uid;
      } catch (err: unknown) {
        if (isNotFound(err)) continue;
        throw err;
      }
    }
    tracked.push({
      group: meta.group,
      version: meta.version,
      resource: meta.resource,
      namespace: meta.namespace,
      name: meta.name,
      uid: uid ?? '',
    });
  }
  const trackedIds = new Set(tracked.map(identity));
  const untracked = previouslyApplied.filter((r) => !trackedIds.has(identity(r)));
  const { pending, errors } = await deleteAppliedResources(client, untracked, owner);
  if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join(', '));
  const appliedResources = [...tracked, ...pending].sort((a, b) =>
    sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0,
  );
  return { appliedResources, pending };
}
