/**
 * Shapes shared by the Kubernetes test API server: stored objects, resource types and the JSON
 * helpers every module uses. Objects are plain JSON (as on the wire), never typed models, so the
 * server treats built-in kinds and custom resources alike.
 */
import type { ObjectMeta, OwnerReference } from '../../../src/work/types.ts';

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** An owner reference as stored in `metadata.ownerReferences` (Maestro's own type). */
export type { OwnerReference };

/** A Kubernetes object as stored and served (metadata fields are the ones the server reads). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { managedFields?: ManagedFieldsEntry[] };
  [key: string]: unknown;
}

/** One entry of `metadata.managedFields`, exactly as the real API server writes it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** How a list field merges under server-side apply and strategic merge patch. */
export type ListType =
  | { type: 'map'; keys: readonly string[]; keyDefaults?: Readonly<Record<string, Json>> }
  | { type: 'set' }
  | { type: 'atomic' };

/**
 * Answers the schema questions apply needs: how the list at a path merges and whether the map at
 * a path is atomic. `path` holds field names only (list positions are skipped), e.g.
 * `['spec', 'template', 'spec', 'containers']`.
 */
export interface FieldSchema {
  listType(path: readonly string[]): ListType;
  isAtomicMap(path: readonly string[]): boolean;
}

/** A served resource: one plural of one group/version, as listed by discovery. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: readonly string[];
  categories?: readonly string[];
  verbs: readonly string[];
  /** True when `<plural>/status` is served: main-resource writes then ignore `status`. */
  statusSubresource: boolean;
  /** True when the kind keeps `metadata.generation` (workloads, CRDs, custom resources). */
  tracksGeneration: boolean;
  /** True for custom resources: served from a CRD, listed with `apiVersion`/`kind` on items. */
  custom: boolean;
  /** False for virtual resources (SubjectAccessReview): create answers without storing. */
  stored: boolean;
  schema: FieldSchema;
}

/** `group/version`, or `version` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Splits an `apiVersion` into group and version (`v1` is the core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `plural` or `plural.group`, the qualified resource name used in error messages. */
export function qualifiedResource(resource: Pick<ResourceType, 'group' | 'plural'>): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The RFC 3339 timestamp (second precision, `Z`) the API server writes. */
export function timestampNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
