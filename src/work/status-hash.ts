/**
 * The `statushash` extension (protocol.md §8.3, sdk-go `statushash.StatusHash`): lowercase hex SHA-256
 * of the JSON Go writes for a ManifestWork's `status` after Kubernetes' unstructured conversion. The
 * conversion keeps only the typed fields, applies Go's `omitempty` rules and sorts every object's keys;
 * this module rebuilds exactly that object so a TS agent hashes byte for byte like a Go agent.
 */
import { createHash } from 'node:crypto';
import { isRfc3339 } from '../cloudevents/event.ts';
import { goSortedJson } from './go-json.ts';
import type {
  Condition,
  FieldValue,
  ManifestBundleStatus,
  ManifestCondition,
  ManifestWorkStatus,
} from './types.ts';

/** SHA-256 of the empty string: the hash Maestro reports for a resource that has no status yet. */
export const EMPTY_STATUS_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The status parts of a status event payload (`resourceStatus` is the flat manifest list). */
export type StatusPayload = Pick<ManifestBundleStatus, 'conditions' | 'resourceStatus'>;

/** Hash of a status event payload (`{conditions, resourceStatus: ManifestCondition[]}`). */
export function statusHash(status: StatusPayload): string {
  return sha256Hex(statusHashInput(status.conditions ?? undefined, status.resourceStatus));
}

/** Hash of a ManifestWork's `status` (`resourceStatus.manifests` nested), as the agent computes it. */
export function manifestWorkStatusHash(status: ManifestWorkStatus | undefined): string {
  return sha256Hex(statusHashInput(status?.conditions, status?.resourceStatus?.manifests));
}

/** The exact JSON text that is hashed (exported for diagnostics and tests). */
export function statusHashInput(
  conditions: readonly Condition[] | undefined,
  manifests: readonly ManifestCondition[] | undefined,
): string {
  const status: Record<string, unknown> = {};
  if (conditions && conditions.length > 0) status.conditions = conditions.map(toGoCondition);
  // `resourceStatus` is a struct, so `omitempty` never drops it; `manifests` is an omitempty slice.
  status.resourceStatus =
    manifests && manifests.length > 0 ? { manifests: manifests.map(toGoManifestCondition) } : {};
  return goSortedJson(status);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function toGoCondition(condition: Condition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: stringField(condition.type),
    status: stringField(condition.status),
    lastTransitionTime: goTime(condition.lastTransitionTime),
    reason: stringField(condition.reason),
    message: stringField(condition.message),
  };
  const observedGeneration = integerField(condition.observedGeneration);
  if (observedGeneration !== 0) out.observedGeneration = observedGeneration;
  return out;
}

function toGoManifestCondition(manifest: ManifestCondition): Record<string, unknown> {
  const meta = manifest.resourceMeta ?? ({} as Partial<ManifestCondition['resourceMeta']>);
  const feedback: Record<string, unknown> = {};
  const values = manifest.statusFeedback?.values;
  if (values && values.length > 0) {
    feedback.values = values.map((value) => ({
      name: stringField(value.name),
      fieldValue: toGoFieldValue(value.fieldValue),
    }));
  }
  return {
    resourceMeta: {
      ordinal: integerField(meta.ordinal),
      group: stringField(meta.group),
      version: stringField(meta.version),
      kind: stringField(meta.kind),
      resource: stringField(meta.resource),
      name: stringField(meta.name),
      namespace: stringField(meta.namespace),
    },
    statusFeedback: feedback,
    // Not omitempty: an unset list is written as null.
    conditions: Array.isArray(manifest.conditions) ? manifest.conditions.map(toGoCondition) : null,
  };
}

/** `FieldValue` members are pointers: omitted only when unset, so `0`, `""` and `false` stay. */
function toGoFieldValue(value: Partial<FieldValue> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { type: stringField(value?.type) };
  if (value?.integer != null) out.integer = value.integer;
  if (value?.string != null) out.string = value.string;
  if (value?.boolean != null) out.boolean = value.boolean;
  if (value?.jsonRaw != null) out.jsonRaw = value.jsonRaw;
  return out;
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function integerField(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/**
 * `metav1.Time` round trip: RFC 3339 in, UTC at whole seconds out (fractions truncated); an unset time
 * is written as null. Text that does not parse is kept (Go would have rejected the whole status).
 */
function goTime(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  if (!isRfc3339(value)) return value;
  const ms = Date.parse(value);
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
