import type { ManifestCondition, ManifestWork, OwnerReference, ResourceMeta } from '../../work/types.ts';
import { findCondition } from '../status/conditions.ts';
import { applyWithCreateOnly } from './apply-create-only.ts';
import { applyWithServerSideApply } from './apply-server-side.ts';
import { applyWithUpdate } from './apply-update.ts';
import { validateExecutor } from './executor.ts';
import type { KubeClient } from './kube-client.ts';
import type { GroupVersionResource, KubeObject, ResourceRef } from './kube-types.ts';
import { cloneJson } from './kube-types.ts';
import { effectiveUpdateStrategy, findManifestConfig, isOwnedByTheWork } from './manifest-config.ts';
import { removalOwner } from './owner-references.ts';
import { buildResourceMeta } from './resource-meta.ts';
import type { RestMapper } from './rest-mapper.ts';
import type { SkipCache } from './skip-cache.ts';

/** What applying one manifest produced. */
export interface ManifestApplyResult {
  meta: ResourceMeta;
  /** Set when REST mapping succeeded. */
  gvr?: GroupVersionResource;
  /** The object as the API server returned it (the manifest itself for `ReadOnly`; absent when skipped or failed). */
  object?: KubeObject;
  /** Why the manifest could not be applied (its `Applied` condition becomes False with this message). */
  error?: Error;
}

/** Shared collaborators of {@link applyManifest}. */
export interface ApplyManifestDeps {
  client: KubeClient;
  mapper: RestMapper;
  cache: SkipCache;
}

/**
 * Applies one manifest of a work (upstream `manifestwork_reconciler` per-manifest steps): clears
 * `metadata.uid`, maps the kind, skips a manifest whose status already has `Complete`=True, decides
 * ownership from the delete option (an unowned object gets the "remove this owner" marker), checks the
 * executor, and runs the configured strategy (`Update` by default).
 */
export async function applyManifest(
  deps: ApplyManifestDeps,
  work: ManifestWork,
  ordinal: number,
  owner: OwnerReference,
  previous: readonly ManifestCondition[],
): Promise<ManifestApplyResult> {
  const manifest = cloneJson((work.spec.workload.manifests ?? [])[ordinal] ?? {}) as KubeObject;
  if (manifest.metadata) delete manifest.metadata.uid;
  const built = await buildResourceMeta(ordinal, manifest, deps.mapper);
  const { meta, gvr } = built;
  if (!gvr) return { meta, error: built.error };
  if (isComplete(meta, previous)) return { meta, gvr };
  const ref: ResourceRef = { gvr, namespace: meta.namespace, name: meta.name };
  try {
    const owned = isOwnedByTheWork(
      { group: meta.group, resource: meta.resource, namespace: meta.namespace, name: meta.name },
      work.spec.deleteOption,
    );
    const effectiveOwner = owned ? owner : removalOwner(owner);
    await validateExecutor(deps.client, work.spec.executor, ref, manifest, owned);
    const config = findManifestConfig(meta, work.spec.manifestConfigs);
    const strategy = effectiveUpdateStrategy(config);
    let object: KubeObject;
    switch (strategy.type) {
      case 'ReadOnly':
        object = manifest;
        break;
      case 'CreateOnly':
        object = await applyWithCreateOnly(deps.client, ref, manifest, effectiveOwner);
        break;
      case 'ServerSideApply':
        object = await applyWithServerSideApply(
          deps.client,
          ref,
          manifest,
          effectiveOwner,
          strategy.serverSideApply,
        );
        break;
      default:
        manifest.metadata = { ...manifest.metadata, ownerReferences: [effectiveOwner] };
        object = await applyWithUpdate(deps.client, ref, manifest, deps.cache);
    }
    return { meta, gvr, object };
  } catch (err: unknown) {
    return { meta, gvr, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

function sameMeta(a: ResourceMeta, b: ResourceMeta): boolean {
  return (
    a.ordinal === b.ordinal &&
    a.group === b.group &&
    a.version === b.version &&
    a.kind === b.kind &&
    a.resource === b.resource &&
    a.name === b.name &&
    a.namespace === b.namespace
  );
}

function isComplete(meta: ResourceMeta, previous: readonly ManifestCondition[]): boolean {
  const entry = previous.find((m) => sameMeta(m.resourceMeta, meta));
  return findCondition(entry?.conditions, 'Complete')?.status === 'True';
}
