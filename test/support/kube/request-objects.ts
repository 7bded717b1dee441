/**
 * Turning request bodies into objects the way the API server's decoders do: apiVersion and kind
 * filled from the URL (and checked), the URL's name and namespace enforced, apply bodies parsed as
 * YAML (JSON is YAML), plus the small naming helpers the write paths share.
 */
import { parse as parseYaml } from 'yaml';
import { badRequest } from './errors.ts';
import type { Json, KubeObject, ResourceType } from './types.ts';
import { cloneJson, groupVersion, isJsonObject } from './types.ts';

/** The media types PATCH accepts. */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** The etcd key of an object, used in precondition messages. */
export function storageKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  const prefix = resource.custom
    ? `/registry/${resource.group}/${resource.plural}`
    : `/registry/${resource.plural}`;
  return namespace === undefined ? `${prefix}/${name}` : `${prefix}/${namespace}/${name}`;
}

/**
 * True when an object marked for deletion has nothing left holding it: no finalizers (and, for a
 * Namespace, no `spec.finalizers`).
 */
export function readyToRemove(object: KubeObject): boolean {
  if (object.metadata.deletionTimestamp === undefined) return false;
  if ((object.metadata.finalizers ?? []).length > 0) return false;
  const spec = object.spec;
  return !(
    object.kind === 'Namespace' &&
    isJsonObject(spec) &&
    Array.isArray(spec.finalizers) &&
    spec.finalizers.length > 0
  );
}

/** The field manager of a non-apply write: `?fieldManager=`, else the User-Agent's product name. */
export function managerName(options: { fieldManager?: string; userAgent?: string }): string {
  if (options.fieldManager !== undefined && options.fieldManager !== '') return options.fieldManager;
  return (options.userAgent ?? '').split('/')[0].slice(0, 128);
}

/** Parses a JSON body (400 when it is not JSON). */
export function parseJson(raw: string, what: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch (err) {
    throw badRequest(`error decoding ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Decodes a create/update body: fills apiVersion and kind from the URL, rejects another kind. */
export function decodeObject(resource: ResourceType, body: Json): KubeObject {
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  const object = cloneJson(body) as unknown as KubeObject;
  const expected = groupVersion(resource.group, resource.version);
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    const group = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/')[0] : '';
    if (group !== resource.group) {
      throw badRequest(
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
  }
  if (object.kind !== undefined && object.kind !== resource.kind) {
    throw badRequest(
      `${String(object.kind)} in version "${resource.version}" cannot be handled as a ${resource.kind}: the kind does not match`,
    );
  }
  object.apiVersion = expected;
  object.kind = resource.kind;
  if (!isJsonObject(object.metadata)) object.metadata = {};
  return object;
}

/** Applies the URL namespace to the object (400 when the body names another one). */
export function checkNamespace(
  resource: ResourceType,
  object: KubeObject,
  urlNamespace: string | undefined,
): void {
  if (!resource.namespaced) {
    delete object.metadata.namespace;
    return;
  }
  const given = object.metadata.namespace;
  if (given !== undefined && given !== '' && given !== urlNamespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  object.metadata.namespace = urlNamespace;
}

/** 400 when the body names another object than the URL. */
export function checkUrlName(object: KubeObject, name: string): void {
  if (object.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`,
    );
  }
}

/** Parses a server-side apply body (YAML or JSON); it must name its apiVersion and kind. */
export function parseApplyConfig(raw: string): Json {
  let config: unknown;
  try {
    config = parseYaml(raw);
  } catch (err) {
    throw badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isJsonObject(config)) throw badRequest('error decoding YAML: the apply body must be an object');
  if (typeof config.apiVersion !== 'string' || typeof config.kind !== 'string') {
    throw badRequest(`error decoding YAML: Object 'Kind' is missing in '${raw.slice(0, 200)}'`);
  }
  return config;
}
