/**
 * The `metadata` and `logtracing` extensions: a ManifestWork's ObjectMeta as Go's `json.Marshal` writes it
 * (struct field order, map keys sorted, `omitempty`), and the `logging.open-cluster-management.io/*`
 * annotations carried as a JSON map.
 */
import { MaestroError } from '../common/errors.ts';
import { goQuote, goSortedJson } from './go-json.ts';
import { LOG_TRACING_ANNOTATION_PREFIX, type ObjectMeta, type OwnerReference } from './types.ts';
import { isObject } from './validation-issue.ts';

/**
 * ObjectMeta JSON fields in Go struct order — the order Go's `json.Marshal` (and so the Kubernetes
 * API server) writes them; exported so the test API server presents metadata the same way.
 */
export const OBJECT_META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

const OWNER_REFERENCE_FIELDS = [
  'apiVersion',
  'kind',
  'name',
  'uid',
  'controller',
  'blockOwnerDeletion',
] as const;

/** The `metadata` extension text for `meta`, byte-compatible with Go's `json.Marshal(work.ObjectMeta)`. */
export function marshalObjectMeta(meta: ObjectMeta): string {
  const known = new Set<string>(OBJECT_META_FIELDS);
  const members: string[] = [];
  for (const field of OBJECT_META_FIELDS) {
    const value = meta[field];
    if (isEmpty(value)) continue;
    const text =
      field === 'ownerReferences' ? marshalOwnerReferences(value as OwnerReference[]) : goSortedJson(value);
    members.push(`${goQuote(field)}:${text}`);
  }
  // Fields Go's ObjectMeta does not know are kept, after the known ones, so nothing is lost in transit.
  for (const field of Object.keys(meta).sort()) {
    if (!known.has(field) && !isEmpty(meta[field]))
      members.push(`${goQuote(field)}:${goSortedJson(meta[field])}`);
  }
  return `{${members.join(',')}}`;
}

/** Parses a `metadata` extension; an absent extension gives an empty meta. */
export function parseObjectMeta(text: string | undefined): ObjectMeta {
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MaestroError('INVALID_ARGUMENT', `extension 'metadata' is not valid json`, { cause: err });
  }
  if (!isObject(parsed))
    throw new MaestroError('INVALID_ARGUMENT', `extension 'metadata' must be a json object`);
  return parsed as ObjectMeta;
}

/** The `logtracing` extension for a work: its `logging.open-cluster-management.io/*` annotations (`{}` if none). */
export function logTracingExtension(meta: ObjectMeta): string {
  const tracing: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    if (key.startsWith(LOG_TRACING_ANNOTATION_PREFIX)) tracing[key] = value;
  }
  return goSortedJson(tracing);
}

/**
 * Copies the `logging.open-cluster-management.io/*` entries of a `logtracing` extension onto the
 * annotations of `meta` (other keys are ignored, as upstream). Tracing is informational, so text that is
 * not a JSON object of strings is ignored rather than failing the event.
 */
export function applyLogTracing(meta: ObjectMeta, text: string | undefined): void {
  if (text === undefined || text === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  if (!isObject(parsed)) return;
  for (const [key, value] of Object.entries(parsed)) {
    if (key.startsWith(LOG_TRACING_ANNOTATION_PREFIX) && typeof value === 'string') {
      meta.annotations = { ...meta.annotations, [key]: value };
    }
  }
}

/** RFC 3339 at whole seconds in UTC, as Kubernetes writes `metav1.Time`. */
export function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** OwnerReference: the four identity fields are always written, the two `*bool` ones when set. */
function marshalOwnerReferences(references: OwnerReference[]): string {
  const items = references.map((reference) => {
    const members = OWNER_REFERENCE_FIELDS.filter((field) =>
      field !== 'controller' && field !== 'blockOwnerDeletion' ? true : typeof reference[field] === 'boolean',
    ).map((field) => `${goQuote(field)}:${goSortedJson(reference[field] ?? '')}`);
    return `{${members.join(',')}}`;
  });
  return `[${items.join(',')}]`;
}

/** Go `omitempty`: empty strings, zero, false, null and empty arrays/objects are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}
