/**
 * The bits of OpenAPI schema that server-side apply needs: which lists are associative (merged by
 * key), which are sets, and which maps are atomic. Built-in kinds use a table of the markers from
 * k8s.io/api (`+listType=map`, `+listMapKey=…`, `+structType=atomic`); custom resources read
 * `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type` from their
 * CRD's `openAPIV3Schema`. Every other list is atomic (replaced whole), as for the real server.
 */
import type { FieldSchema, Json, JsonObject, ListType } from './types.ts';
import { isJsonObject } from './types.ts';

/** A rule matching the end of a field-name path. */
interface ListRule {
  suffix: readonly string[];
  list: ListType;
}

const byName: ListType = { type: 'map', keys: ['name'] };
const containerPorts: ListType = {
  type: 'map',
  keys: ['containerPort', 'protocol'],
  keyDefaults: { protocol: 'TCP' },
};

/** Lists every kind has (ObjectMeta). */
const METADATA_RULES: readonly ListRule[] = [
  { suffix: ['metadata', 'ownerReferences'], list: { type: 'map', keys: ['uid'] } },
  { suffix: ['metadata', 'finalizers'], list: { type: 'set' } },
];

/** Lists inside a PodSpec (wherever it is embedded) and in status conditions. */
const POD_AND_STATUS_RULES: readonly ListRule[] = [
  { suffix: ['containers'], list: byName },
  { suffix: ['initContainers'], list: byName },
  { suffix: ['ephemeralContainers'], list: byName },
  { suffix: ['containers', 'env'], list: byName },
  { suffix: ['initContainers', 'env'], list: byName },
  { suffix: ['containers', 'ports'], list: containerPorts },
  { suffix: ['initContainers', 'ports'], list: containerPorts },
  { suffix: ['containers', 'volumeMounts'], list: { type: 'map', keys: ['mountPath'] } },
  { suffix: ['initContainers', 'volumeMounts'], list: { type: 'map', keys: ['mountPath'] } },
  { suffix: ['containers', 'volumeDevices'], list: { type: 'map', keys: ['devicePath'] } },
  { suffix: ['spec', 'volumes'], list: byName },
  { suffix: ['spec', 'imagePullSecrets'], list: byName },
  { suffix: ['spec', 'resourceClaims'], list: byName },
  {
    suffix: ['spec', 'topologySpreadConstraints'],
    list: { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] },
  },
  { suffix: ['status', 'conditions'], list: { type: 'map', keys: ['type'] } },
];

/** Service `spec.ports`, keyed by port and protocol. */
const SERVICE_RULES: readonly ListRule[] = [
  {
    suffix: ['spec', 'ports'],
    list: { type: 'map', keys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } },
  },
  { suffix: ['status', 'conditions'], list: { type: 'map', keys: ['type'] } },
];

function matchesSuffix(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > path.length) return false;
  const offset = path.length - suffix.length;
  return suffix.every((name, i) => path[offset + i] === name);
}

function ruleFor(rules: readonly ListRule[], path: readonly string[]): ListType {
  // The longest matching suffix wins, so `containers.ports` beats a shorter generic rule.
  let best: ListRule | undefined;
  for (const rule of rules) {
    if (matchesSuffix(path, rule.suffix) && (best === undefined || rule.suffix.length > best.suffix.length)) {
      best = rule;
    }
  }
  return best?.list ?? { type: 'atomic' };
}

/** Options of {@link builtinSchema}. */
export interface BuiltinSchemaOptions {
  /** The kind is a Service (its `spec.ports` is keyed by port). */
  service?: boolean;
  /** `spec.selector` is a LabelSelector (`+structType=atomic`) rather than a plain map. */
  atomicSelector?: boolean;
}

/** The schema of a built-in kind. */
export function builtinSchema(options: BuiltinSchemaOptions = {}): FieldSchema {
  const rules = [...METADATA_RULES, ...(options.service ? SERVICE_RULES : POD_AND_STATUS_RULES)];
  return {
    listType: (path) =>
      path[0] === 'metadata' && path.length === 2 ? ruleFor(METADATA_RULES, path) : ruleFor(rules, path),
    isAtomicMap: (path) =>
      options.atomicSelector === true &&
      ((path.length === 2 && path[0] === 'spec' && path[1] === 'selector') ||
        (path.length >= 2 && path.at(-1) === 'labelSelector')),
  };
}

/** Follows an OpenAPI v3 schema down a field-name path (through `items` for lists). */
function schemaAt(root: JsonObject | undefined, path: readonly string[]): JsonObject | undefined {
  let node: Json | undefined = root;
  for (const name of path) {
    if (!isJsonObject(node)) return undefined;
    if (node.type === 'array' && isJsonObject(node.items)) node = node.items;
    const properties: Json | undefined = node.properties;
    if (isJsonObject(properties) && isJsonObject(properties[name])) {
      node = properties[name];
    } else if (isJsonObject(node.additionalProperties)) {
      node = node.additionalProperties;
    } else {
      return undefined;
    }
  }
  return isJsonObject(node) ? node : undefined;
}

/** The schema of a custom resource, from its CRD version's `openAPIV3Schema` (may be absent). */
export function crdSchema(openAPIV3Schema: JsonObject | undefined): FieldSchema {
  return {
    listType: (path) => {
      if (path[0] === 'metadata' && path.length === 2) return ruleFor(METADATA_RULES, path);
      const node = schemaAt(openAPIV3Schema, path);
      const listType = node?.['x-kubernetes-list-type'];
      const keys = node?.['x-kubernetes-list-map-keys'];
      if (listType === 'map' && Array.isArray(keys)) return { type: 'map', keys: keys.map(String) };
      if (listType === 'set') return { type: 'set' };
      return { type: 'atomic' };
    },
    isAtomicMap: (path) => schemaAt(openAPIV3Schema, path)?.['x-kubernetes-map-type'] === 'atomic',
  };
}
