import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-errors.ts';
import { jsonEqual } from '../status/json-equal.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { cloneJson, gvkOf } from './kube-types.ts';
import { mergeOwnerReferences, mergeStringMap, withoutRemovalMarkers } from './object-meta-merge.ts';
import type { SkipCache } from './skip-cache.ts';
import { decideTypedUpdate, isTypedKind, prepareTypedManifest } from './typed-kinds.ts';

/**
 * The `Update` strategy (upstream `UpdateApply`): create the object when it is missing, otherwise merge
 * metadata and write the manifest over the live object. Kinds with a library-go typed applier reconcile
 * only their kind's fields (Namespace, Pod and ServiceAccount: metadata only); all other kinds are
 * replaced whole with a PUT. A skip cache avoids rewriting an object nobody changed since our last write.
 *
 * @param required the manifest with its owner reference already set (an owner whose uid ends in `-`
 *   removes that owner instead).
 */
export async function applyWithUpdate(
  client: KubeClient,
  ref: ResourceRef,
  required: KubeObject,
  cache: SkipCache,
): Promise<KubeObject> {
  const typed = isTypedKind(required);
  const desired = typed ? prepareTypedManifest(required) : cloneJson(required);
  let live: KubeObject;
  try {
    live = await client.get(ref);
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
    return client.create(ref, withoutRemovalMarkers(desired));
  }
  if (cache.safeToSkip(desired, live)) return live;
  return typed
    ? updateTyped(client, ref, desired, live, cache)
    : updateUnstructured(client, ref, desired, live, cache);
}

async function updateTyped(
  client: KubeClient,
  ref: ResourceRef,
  desired: KubeObject,
  live: KubeObject,
  cache: SkipCache,
): Promise<KubeObject> {
  const decision = decideTypedUpdate(desired, live);
  if (!decision.update) {
    cache.record(desired, live);
    return live;
  }
  let actual: KubeObject;
  if (decision.recreate) {
    await client.delete(ref, { preconditions: { uid: live.metadata?.uid } });
    const fresh = withoutRemovalMarkers(decision.update);
    if (fresh.metadata) {
      delete fresh.metadata.resourceVersion;
      delete fresh.metadata.uid;
    }
    actual = await client.create(ref, fresh);
  } else {
    actual = await client.replace(ref, decision.update);
  }
  cache.record(desired, actual);
  return actual;
}

async function updateUnstructured(
  client: KubeClient,
  ref: ResourceRef,
  desired: KubeObject,
  live: KubeObject,
  cache: SkipCache,
): Promise<KubeObject> {
  const merged = cloneJson(desired);
  const meta = (merged.metadata ??= {});
  const labels = mergeStringMap(live.metadata?.labels, desired.metadata?.labels);
  const annotations = mergeStringMap(live.metadata?.annotations, desired.metadata?.annotations);
  const owners = mergeOwnerReferences(live.metadata?.ownerReferences, desired.metadata?.ownerReferences);
  setOrDelete(meta, 'labels', labels.merged);
  setOrDelete(meta, 'annotations', annotations.merged);
  setOrDelete(meta, 'ownerReferences', owners.merged);
  setOrDelete(meta, 'finalizers', live.metadata?.finalizers ?? []);
  const modified = labels.modified || annotations.modified || owners.modified;
  if (!modified && sameUnstructured(merged, live)) {
    cache.record(desired, live);
    return live;
  }
  meta.resourceVersion = live.metadata?.resourceVersion;
  const actual = await client.replace(ref, merged);
  cache.record(desired, actual);
  return actual;
}

function setOrDelete(meta: Record<string, unknown>, field: string, value: object): void {
  if (Object.keys(value).length === 0) delete meta[field];
  else meta[field] = value;
}

/** Upstream `isSameUnstructured`: same GVK, name and namespace, and equal once metadata and status are dropped. */
export function sameUnstructured(a: KubeObject, b: KubeObject): boolean {
  const ga = gvkOf(a);
  const gb = gvkOf(b);
  if (ga.group !== gb.group || ga.version !== gb.version || ga.kind !== gb.kind) return false;
  if ((a.metadata?.name ?? '') !== (b.metadata?.name ?? '')) return false;
  if ((a.metadata?.namespace ?? '') !== (b.metadata?.namespace ?? '')) return false;
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject): Record<string, unknown> => rest;
  return jsonEqual(strip(a), strip(b));
}
