/**
 * How objects look on the wire: the request's apiVersion and kind, keys in the order the real
 * server writes them (kind, apiVersion, metadata, spec…, status), and list documents
 * (`<Kind>List` with `metadata.resourceVersion`; items carry apiVersion/kind only for custom
 * resources, as with the real server's typed lists).
 */
import type { JsonObject, KubeObject, ResourceType } from './types.ts';
import { groupVersion } from './types.ts';
import { OBJECT_META_FIELDS } from '../../../src/work/object-meta.ts';

function ordered(
  source: Record<string, unknown>,
  first: readonly string[],
  last: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of first) if (source[key] !== undefined) out[key] = source[key];
  for (const [key, value] of Object.entries(source)) {
    if (!first.includes(key) && !last.includes(key) && value !== undefined) out[key] = value;
  }
  for (const key of last) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** The object as served at `resource`'s group/version, in the server's key order. */
export function present(resource: ResourceType, object: KubeObject): KubeObject {
  const metadata = ordered(object.metadata, OBJECT_META_FIELDS);
  if (Array.isArray(metadata.managedFields) && metadata.managedFields.length === 0)
    delete metadata.managedFields;
  return ordered(
    { ...object, kind: resource.kind, apiVersion: groupVersion(resource.group, resource.version), metadata },
    ['kind', 'apiVersion', 'metadata'],
    ['status'],
  ) as KubeObject;
}

/** A list document. */
export function presentList(
  resource: ResourceType,
  items: KubeObject[],
  resourceVersion: number,
  extra: JsonObject = {},
): JsonObject {
  const served = items.map((item) => {
    const shown = present(resource, item) as unknown as JsonObject;
    if (resource.custom) return shown;
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = shown;
    return rest;
  });
  return {
    kind: resource.listKind,
    apiVersion: groupVersion(resource.group, resource.version),
    metadata: { resourceVersion: String(resourceVersion), ...extra },
    items: served,
  };
}
