import { createHash } from 'node:crypto';
import { MaestroError } from '../../common/errors.ts';
import { goSortedJson } from '../../work/go-json.ts';
import type { OwnerReference, ServerSideApplyConfig } from '../../work/types.ts';
import { parseJsonPath } from '../status/jsonpath.ts';
import type { KubeClient } from './kube-client.ts';
import { isConflict, isNotFound, KubeApiError } from './kube-errors.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { cloneJson } from './kube-types.ts';
import { applyOwnerReferences } from './owner-references.ts';

/** Field manager used when a work does not name one. */
export const DEFAULT_FIELD_MANAGER = 'work-agent';

/** Annotation holding the hash of the manifest minus its ignored fields. */
export const CONFIG_SPEC_HASH_ANNOTATION = 'open-cluster-management.io/config-spec-hash';

/**
 * A server-side apply rejected with 409 because another field manager owns a field and `force` is
 * false. Reported as `Applied`=False (`AppliedManifestFailed`, the API server's message); upstream does
 * not retry it before the next resync.
 */
export class ServerSideApplyConflictError extends MaestroError {
  constructor(cause: KubeApiError) {
    super('ABORTED', cause.message, { cause });
    this.name = 'ServerSideApplyConflictError';
  }
}

/**
 * The `ServerSideApply` strategy (upstream `ServerSideApply`): `creationTimestamp: null` is dropped, the
 * object is applied with `application/apply-patch+yaml` under the configured field manager (default
 * `work-agent`) and force flag (default false), and then the owner reference is merged in with a
 * merge patch. With `ignoreFields`, `OnSpokePresent` JSONPaths are removed from the applied copy, a hash
 * of that copy is stored in {@link CONFIG_SPEC_HASH_ANNOTATION}, and the apply is skipped while the live
 * object carries the same hash (only the owner is merged); a missing object gets the full manifest.
 */
export async function applyWithServerSideApply(
  client: KubeClient,
  ref: ResourceRef,
  manifest: KubeObject,
  owner: OwnerReference,
  config: ServerSideApplyConfig | undefined,
): Promise<KubeObject> {
  const original = dropNullCreationTimestamps(cloneJson(manifest)) as KubeObject;
  const options = {
    fieldManager: config?.fieldManager || DEFAULT_FIELD_MANAGER,
    force: config?.force ?? false,
  };
  let body = original;
  if (config?.ignoreFields?.length) {
    const stripped = cloneJson(original);
    for (const entry of config.ignoreFields) {
      if (entry.condition !== 'OnSpokePresent') continue;
      for (const path of entry.jsonPaths ?? []) removeJsonPath(stripped, path);
    }
    const hash = createHash('md5').update(goSortedJson(stripped)).digest('hex');
    for (const object of [stripped, original]) {
      object.metadata = {
        ...object.metadata,
        annotations: { ...object.metadata?.annotations, [CONFIG_SPEC_HASH_ANNOTATION]: hash },
      };
    }
    body = stripped;
    try {
      const live = await client.get(ref);
      if (live.metadata?.annotations?.[CONFIG_SPEC_HASH_ANNOTATION] === hash) {
        return await applyOwnerReferences(client, ref, live, owner);
      }
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
      body = original;
    }
  }
  let applied: KubeObject;
  try {
    applied = await client.patch(ref, 'apply', body, options);
  } catch (err: unknown) {
    if (isConflict(err) && err instanceof KubeApiError) throw new ServerSideApplyConflictError(err);
    throw err;
  }
  return applyOwnerReferences(client, ref, applied, owner);
}

function dropNullCreationTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) value.forEach(dropNullCreationTimestamps);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(record)) {
      if (key === 'creationTimestamp' && child === null) delete record[key];
      else dropNullCreationTimestamps(child);
    }
  }
  return value;
}

/** Deletes the last key of `path` from every map its parent path selects (lists are not supported). */
function removeJsonPath(object: KubeObject, path: string): void {
  const trimmed = path.trim().replace(/^\{|\}$/g, '');
  const cut = trimmed.lastIndexOf('.');
  if (cut < 0) return;
  const parentPath = trimmed.slice(0, cut) || '$';
  const key = trimmed.slice(cut + 1);
  for (const parent of parseJsonPath(parentPath).find(object)) {
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
      delete (parent as Record<string, unknown>)[key];
    }
  }
}
