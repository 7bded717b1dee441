/**
 * JSON merge patch (RFC 7386) and the part of a ManifestWork a patch may change (the Go SDK's
 * `ToWorkPatch`): labels, annotations, finalizers, owner references and the spec. Identity and version
 * fields stay the server's.
 */
import type { ManifestWork } from '../work/types.ts';
import { InvalidError } from './errors.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch: objects merge key by key, `null` removes a key, anything else (arrays
 * included) replaces. Neither argument is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

const PATCHABLE_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;
const IMMUTABLE_METADATA = ['name', 'namespace', 'uid'] as const;

/** What a patch asks for: the patched work and the version it must apply to, if it names one. */
export interface WorkPatchResult {
  work: ManifestWork;
  /** `metadata.resourceVersion` of the patch: the write must fail if the work moved past it. */
  expectedVersion?: number;
}

/**
 * Applies `patch` (a JSON merge patch of a ManifestWork) to `current`. Only labels, annotations,
 * finalizers, owner references and the spec change; patching the status, name, namespace or uid is an
 * {@link InvalidError}. A `metadata.resourceVersion` in the patch becomes a precondition.
 */
export function patchManifestWork(current: ManifestWork, patch: unknown): WorkPatchResult {
  if (!isPlainObject(patch)) throw new InvalidError('a manifestwork merge patch must be a json object');
  if (patch.status !== undefined) throw new InvalidError('the manifestwork status cannot be patched');
  const patchMeta = isPlainObject(patch.metadata) ? patch.metadata : {};
  for (const field of IMMUTABLE_METADATA) {
    if (patchMeta[field] !== undefined && patchMeta[field] !== current.metadata[field]) {
      throw new InvalidError(`the manifestwork ${field} cannot be changed`);
    }
  }
  let expectedVersion: number | undefined;
  if (patchMeta.resourceVersion !== undefined && patchMeta.resourceVersion !== null) {
    const text = String(patchMeta.resourceVersion);
    if (!/^\d+$/.test(text)) throw new InvalidError(`resource version '${text}' is not an integer`);
    expectedVersion = Number(text);
  }
  const patched = applyMergePatch(current, patch) as ManifestWork;
  const metadata = { ...current.metadata };
  const patchedMeta = (patched.metadata ?? {}) as unknown as Record<string, unknown>;
  for (const field of PATCHABLE_METADATA) {
    if (patchedMeta[field] === undefined) delete metadata[field];
    else (metadata as Record<string, unknown>)[field] = patchedMeta[field];
  }
  const work: ManifestWork = { ...current, metadata, spec: patched.spec ?? { workload: {} } };
  return expectedVersion === undefined ? { work } : { work, expectedVersion };
}
