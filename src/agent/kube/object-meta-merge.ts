import type { OwnerReference } from '../../work/types.ts';
import type { KubeObject } from './kube-types.ts';
import { cloneJson, parseApiVersion } from './kube-types.ts';

/**
 * Metadata merging with library-go's `resourcemerge` rules, which the `Update` and `CreateOnly`
 * strategies and owner-reference patches follow. A label or annotation key ending in `-` means
 * "remove this key"; an owner reference whose `uid` ends in `-` means "remove this owner".
 */

/**
 * Merges `required` into `existing` (added or overwritten, never dropped unless marked with a trailing
 * `-`). Returns the merged map and whether anything changed.
 */
export function mergeStringMap(
  existing: Readonly<Record<string, string>> | undefined,
  required: Readonly<Record<string, string>> | undefined,
): { merged: Record<string, string>; modified: boolean } {
  const merged: Record<string, string> = { ...existing };
  let modified = false;
  for (const [key, value] of Object.entries(required ?? {})) {
    if (key.endsWith('-')) {
      const actual = key.replace(/-+$/, '');
      if (actual in merged) {
        delete merged[actual];
        modified = true;
      }
    } else if (merged[key] !== value) {
      merged[key] = value;
      modified = true;
    }
  }
  return { merged, modified };
}

/** Owner references match by name, kind and API group (the version is ignored). */
export function ownerRefMatches(a: OwnerReference, b: OwnerReference): boolean {
  return (
    a.name === b.name &&
    a.kind === b.kind &&
    parseApiVersion(a.apiVersion).group === parseApiVersion(b.apiVersion).group
  );
}

/**
 * Merges `required` owner references into `existing`: a matching entry is replaced when it differs, a
 * missing one appended, and one whose required `uid` ends in `-` removed.
 */
export function mergeOwnerReferences(
  existing: readonly OwnerReference[] | undefined,
  required: readonly OwnerReference[] | undefined,
): { merged: OwnerReference[]; modified: boolean } {
  const merged = [...(existing ?? [])];
  let modified = false;
  for (const owner of required ?? []) {
    const remove = owner.uid.endsWith('-');
    const index = merged.findIndex((candidate) => ownerRefMatches(owner, candidate));
    if (index < 0) {
      if (!remove) {
        merged.push(owner);
        modified = true;
      }
    } else if (remove) {
      merged.splice(index, 1);
      modified = true;
    } else if (!sameOwnerReference(owner, merged[index])) {
      merged[index] = owner;
      modified = true;
    }
  }
  return { merged, modified };
}

function sameOwnerReference(a: OwnerReference, b: OwnerReference): boolean {
  return (
    a.apiVersion === b.apiVersion &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.uid === b.uid &&
    a.controller === b.controller &&
    a.blockOwnerDeletion === b.blockOwnerDeletion
  );
}

/**
 * A copy of `object` without removal markers (labels and annotations whose key ends in `-`, owner
 * references whose uid ends in `-`), as library-go's `WithCleanLabelsAndAnnotations` before a create.
 */
export function withoutRemovalMarkers(object: KubeObject): KubeObject {
  const copy = cloneJson(object);
  const meta = copy.metadata;
  if (!meta) return copy;
  for (const field of ['labels', 'annotations'] as const) {
    const map = meta[field];
    if (!map) continue;
    for (const key of Object.keys(map)) if (key.endsWith('-')) delete map[key];
  }
  if (meta.ownerReferences) {
    meta.ownerReferences = meta.ownerReferences.filter((owner) => !owner.uid.endsWith('-'));
  }
  return copy;
}

/**
 * library-go `EnsureObjectMeta`: merges the required labels, annotations and owner references into a copy
 * of the live object. Returns the copy and whether its metadata changed.
 */
export function ensureObjectMeta(
  live: KubeObject,
  required: KubeObject,
): { merged: KubeObject; modified: boolean } {
  const merged = cloneJson(live);
  const meta = (merged.metadata ??= {});
  const labels = mergeStringMap(meta.labels, required.metadata?.labels);
  const annotations = mergeStringMap(meta.annotations, required.metadata?.annotations);
  const owners = mergeOwnerReferences(meta.ownerReferences, required.metadata?.ownerReferences);
  if (labels.modified) meta.labels = labels.merged;
  if (annotations.modified) meta.annotations = annotations.merged;
  if (owners.modified) meta.ownerReferences = owners.merged;
  return { merged, modified: labels.modified || annotations.modified || owners.modified };
}
