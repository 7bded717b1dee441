/**
 * Walks objects the way structured-merge-diff does, given a {@link FieldSchema}: the field set an
 * applied configuration owns, the added/modified/removed paths between two versions of an
 * object, and removal of a path. List items are addressed by their keys (`k:{"name":"app"}`),
 * set items by value (`v:"x"`), and atomic lists and maps are single leaves.
 */
import { KubeStatusError } from './errors.ts';
import type { FieldPath } from './field-set.ts';
import { FieldSet } from './field-set.ts';
import type { FieldSchema, Json, JsonObject, ListType } from './types.ts';
import { isJsonObject, jsonEqual } from './types.ts';

/**
 * Maps whose keys are data rather than declared fields (`map[string]string` in Go). Their entries
 * are owned one by one, and such a map created by an update is owned itself (`.` in FieldsV1).
 */
const FREE_FORM_MAPS = new Set([
  'labels',
  'annotations',
  'data',
  'binaryData',
  'stringData',
  'matchLabels',
  'nodeSelector',
  'limits',
  'requests',
  'capacity',
  'allocatable',
]);

function isFreeFormMap(names: readonly string[], schema: FieldSchema): boolean {
  const last = names.at(-1) ?? '';
  return (
    FREE_FORM_MAPS.has(last) || (last === 'selector' && names.length === 2 && !schema.isAtomicMap(names))
  );
}

/** Raised when an associative list item lacks a key field (the real server rejects the apply). */
function missingKey(names: readonly string[], index: number, key: string): KubeStatusError {
  return new KubeStatusError(
    500,
    'InternalError',
    `failed to create typed patch object: .${names.join('.')}: element ${index}: associative list with keys ` +
      `has an element that omits key field "${key}" (and doesn't have default value)`,
  );
}

/**
 * The path element of a list item: `k:{…}` for associative lists (keys sorted, defaults filled),
 * `v:<json>` for sets, `i:<n>` otherwise. Throws (as the server does) for an item missing a key
 * when `strict`; otherwise falls back to the index.
 */
export function listItemElement(
  item: Json,
  index: number,
  listType: ListType,
  names: readonly string[],
  strict: boolean,
): string {
  if (listType.type === 'set') return `v:${JSON.stringify(item)}`;
  if (listType.type === 'map' && isJsonObject(item)) {
    const key: JsonObject = {};
    for (const name of [...listType.keys].sort()) {
      const value = item[name] ?? listType.keyDefaults?.[name];
      if (value === undefined) {
        if (strict) throw missingKey(names, index, name);
        return `i:${index}`;
      }
      key[name] = value;
    }
    return `k:${JSON.stringify(key)}`;
  }
  return `i:${index}`;
}

/** Indexes a list's items by their path element (first occurrence wins). */
export function indexList(
  list: readonly Json[],
  listType: ListType,
  names: readonly string[],
  strict: boolean,
): Map<string, Json> {
  const index = new Map<string, Json>();
  list.forEach((item, i) => {
    const element = listItemElement(item, i, listType, names, strict);
    if (!index.has(element)) index.set(element, item);
  });
  return index;
}

function isLeaf(value: Json, names: readonly string[], schema: FieldSchema): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return schema.listType(names).type === 'atomic';
  return Object.keys(value).length === 0 || schema.isAtomicMap(names);
}

/**
 * Adds the paths of `value` (found at `path`) to `set`, as `ToFieldSet` does for an applied
 * configuration: leaves, list items, empty maps and entries of free-form maps.
 * `ownNode` also marks `path` itself (used for subtrees an update creates).
 */
function addValuePaths(
  value: Json,
  names: readonly string[],
  path: FieldPath,
  schema: FieldSchema,
  set: FieldSet,
  strict: boolean,
  ownNode: boolean,
): void {
  if (ownNode || isLeaf(value, names, schema)) set.insert(path);
  if (isLeaf(value, names, schema)) return;
  if (Array.isArray(value)) {
    const listType = schema.listType(names);
    value.forEach((item, i) => {
      const itemPath = [...path, listItemElement(item, i, listType, names, strict)];
      set.insert(itemPath);
      if (listType.type === 'map' && isJsonObject(item))
        addMapPaths(item, names, itemPath, schema, set, strict, ownNode);
    });
    return;
  }
  addMapPaths(value as JsonObject, names, path, schema, set, strict, ownNode);
}

function addMapPaths(
  map: JsonObject,
  names: readonly string[],
  path: FieldPath,
  schema: FieldSchema,
  set: FieldSet,
  strict: boolean,
  ownNodes: boolean,
): void {
  const freeForm = isFreeFormMap(names, schema);
  for (const [key, child] of Object.entries(map)) {
    if (child === undefined) continue;
    const childNames = [...names, key];
    const own = freeForm || (ownNodes && isFreeFormMap(childNames, schema));
    addValuePaths(child, childNames, [...path, `f:${key}`], schema, set, strict, own);
  }
}

/** The fields an applied configuration sets (the manager's new set under server-side apply). */
export function appliedFieldSet(config: JsonObject, schema: FieldSchema): FieldSet {
  const set = new FieldSet();
  addMapPaths(config, [], [], schema, set, true, false);
  return set;
}

/** Paths of `after` that `before` lacks, paths whose value changed, and paths that went away. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function compareValues(
  before: Json | undefined,
  after: Json | undefined,
  names: readonly string[],
  path: FieldPath,
  schema: FieldSchema,
  out: Comparison,
): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    const last = path.at(-1) ?? '';
    const ownNode = !last.startsWith('f:') || isFreeFormMap(names, schema);
    addValuePaths(after as Json, names, path, schema, out.added, false, ownNode);
    return;
  }
  if (after === undefined) {
    addValuePaths(before, names, path, schema, out.removed, false, true);
    return;
  }
  const beforeLeaf = isLeaf(before, names, schema);
  const afterLeaf = isLeaf(after, names, schema);
  if (!beforeLeaf && !afterLeaf && Array.isArray(before) === Array.isArray(after)) {
    if (Array.isArray(before) && Array.isArray(after)) {
      const listType = schema.listType(names);
      const beforeItems = indexList(before, listType, names, false);
      const afterItems = indexList(after, listType, names, false);
      for (const element of new Set([...beforeItems.keys(), ...afterItems.keys()])) {
        const itemPath = [...path, element];
        const [b, a] = [beforeItems.get(element), afterItems.get(element)];
        if (listType.type === 'map' && b !== undefined && a !== undefined) {
          compareMaps(b as JsonObject, a as JsonObject, names, itemPath, schema, out);
        } else {
          compareValues(b, a, names, itemPath, schema, out);
        }
      }
    } else {
      compareMaps(before as JsonObject, after as JsonObject, names, path, schema, out);
    }
    return;
  }
  if (!jsonEqual(before, after)) {
    out.modified.insert(path);
    if (!beforeLeaf) {
      const gone = new FieldSet();
      addValuePaths(before, names, path, schema, gone, false, false);
      for (const p of gone.paths()) if (p.length > path.length) out.removed.insert(p);
    }
  }
}

function compareMaps(
  before: JsonObject,
  after: JsonObject,
  names: readonly string[],
  path: FieldPath,
  schema: FieldSchema,
  out: Comparison,
): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    compareValues(before[key], after[key], [...names, key], [...path, `f:${key}`], schema, out);
  }
}

/** Compares two versions of an object (both already stripped of fields nobody may own). */
export function compareObjects(before: JsonObject, after: JsonObject, schema: FieldSchema): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareMaps(before, after, [], [], schema, out);
  return out;
}

/** Removes the value at `path` from `object`; false when there is nothing there. */
export function removePath(object: JsonObject, path: FieldPath, schema: FieldSchema): boolean {
  let container: Json = object;
  const names: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const element = path[i];
    const last = i === path.length - 1;
    if (element.startsWith('f:')) {
      const key = element.slice(2);
      if (!isJsonObject(container) || !(key in container)) return false;
      names.push(key);
      if (last) {
        delete container[key];
        return true;
      }
      container = container[key];
    } else {
      if (!Array.isArray(container)) return false;
      const list: Json[] = container;
      const listType = schema.listType(names);
      const index = list.findIndex((item, n) => listItemElement(item, n, listType, names, false) === element);
      if (index < 0) return false;
      if (last) {
        list.splice(index, 1);
        return true;
      }
      container = list[index];
    }
  }
  return false;
}
