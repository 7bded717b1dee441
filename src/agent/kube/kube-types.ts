import type { ObjectMeta } from '../../work/types.ts';

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A resource type: `group` is empty for the core group, `resource` is the plural name. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** A kind: `group` is empty for the core group. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Identifies one object (or, without `name`, a collection) on the API server. */
export interface ResourceRef {
  gvr: GroupVersionResource;
  /** Empty or absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** Splits an `apiVersion` (`apps/v1`, `v1`) into group and version. */
export function parseApiVersion(apiVersion: string | undefined): { group: string; version: string } {
  const value = apiVersion ?? '';
  const slash = value.indexOf('/');
  return slash < 0
    ? { group: '', version: value }
    : { group: value.slice(0, slash), version: value.slice(slash + 1) };
}

/** The group, version and kind of a manifest. */
export function gvkOf(object: KubeObject): GroupVersionKind {
  return { ...parseApiVersion(object.apiVersion), kind: object.kind ?? '' };
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** The API path of an object, of a collection (empty `name`), or of a subresource. */
export function resourcePath(
  ref: Omit<ResourceRef, 'name'> & { name?: string },
  subresource?: string,
): string {
  const parts = [groupVersionPath(ref.gvr.group, ref.gvr.version)];
  if (ref.namespace) parts.push('namespaces', encodeURIComponent(ref.namespace));
  parts.push(ref.gvr.resource);
  if (ref.name) parts.push(encodeURIComponent(ref.name));
  if (subresource) parts.push(subresource);
  return parts.join('/');
}

/** Deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
