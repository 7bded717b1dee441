/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`): merges the applied
 * configuration into the live object (associative lists by key, atomic lists replaced), removes
 * fields the manager applied before but no longer applies and nobody else owns, and refuses with
 * 409 `FieldManagerConflict` causes when a field another manager owns would change, unless forced.
 */
import { KubeStatusError } from './errors.ts';
import type { FieldPath, FieldSet } from './field-set.ts';
import { fieldPathString } from './field-set.ts';
import type { ManagerState, WriterIdentity } from './managed-fields.ts';
import { ownableView, sameManager } from './managed-fields.ts';
import { appliedFieldSet, compareObjects, indexList, listItemElement, removePath } from './object-fields.ts';
import type { FieldSchema, Json, JsonObject, KubeObject, ResourceType } from './types.ts';
import { cloneJson, isJsonObject, timestampNow } from './types.ts';

function mergeLists(live: Json[], config: Json[], names: readonly string[], schema: FieldSchema): Json[] {
  const listType = schema.listType(names);
  const liveItems = indexList(live, listType, names, false);
  const configEntries = config.map(
    (item, i) => [listItemElement(item, i, listType, names, true), item] as const,
  );
  const configElements = new Set(configEntries.map(([element]) => element));
  const out: Json[] = [];
  const emitted = new Set<string>();
  let next = 0;
  const emitConfigUntil = (stop?: string): void => {
    while (next < configEntries.length) {
      const [element, item] = configEntries[next++];
      if (emitted.has(element)) continue;
      emitted.add(element);
      const existing = liveItems.get(element);
      out.push(
        listType.type === 'map' && existing !== undefined
          ? mergeValues(existing, item, names, schema)
          : cloneJson(item),
      );
      if (element === stop) return;
    }
  };
  live.forEach((item, i) => {
    const element = listItemElement(item, i, listType, names, false);
    if (!configElements.has(element)) out.push(item);
    else if (!emitted.has(element)) emitConfigUntil(element);
  });
  emitConfigUntil();
  return out;
}

function mergeValues(
  live: Json | undefined,
  config: Json,
  names: readonly string[],
  schema: FieldSchema,
): Json {
  if (isJsonObject(live) && isJsonObject(config) && !schema.isAtomicMap(names)) {
    const out: JsonObject = { ...live };
    for (const [key, value] of Object.entries(config)) {
      if (value === null) delete out[key];
      else out[key] = mergeValues(live[key], value, [...names, key], schema);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config) && schema.listType(names).type !== 'atomic') {
    return mergeLists(live, config, names, schema);
  }
  return cloneJson(config);
}

/** Removes `path` and then any map above it that is left empty and owned by nobody. */
function prunePath(
  object: JsonObject,
  path: FieldPath,
  schema: FieldSchema,
  owned: (p: FieldPath) => boolean,
): void {
  if (!removePath(object, path, schema)) return;
  for (let end = path.length - 1; end > 1; end--) {
    const parent = path.slice(0, end);
    if (!parent.at(-1)?.startsWith('f:') || owned(parent)) return;
    const value = valueAt(object, parent, schema);
    if (!isJsonObject(value) || Object.keys(value).length > 0) return;
    removePath(object, parent, schema);
  }
}

function valueAt(object: JsonObject, path: FieldPath, schema: FieldSchema): Json | undefined {
  let node: Json | undefined = object;
  const names: string[] = [];
  for (const element of path) {
    if (element.startsWith('f:')) {
      if (!isJsonObject(node)) return undefined;
      names.push(element.slice(2));
      node = node[element.slice(2)];
    } else {
      if (!Array.isArray(node)) return undefined;
      const listType = schema.listType(names);
      node = node.find((item, n) => listItemElement(item, n, listType, names, false) === element);
    }
  }
  return node;
}

function printManager(m: ManagerState): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource !== undefined) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  // The manager identifier never includes the time, so the "at <time>" form never shows.
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}

/** The 409 the real field manager returns, with one `FieldManagerConflict` cause per field. */
function conflictError(conflicts: { manager: ManagerState; path: FieldPath }[]): KubeStatusError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: fieldPathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${causes[0].field}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const key = printManager(c.manager);
      byManager.set(key, [...(byManager.get(key) ?? []), fieldPathString(c.path)]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((key) => [`conflicts with ${key}:`, ...(byManager.get(key) ?? []).map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new KubeStatusError(409, 'Conflict', message, { causes });
}

/** What an apply needs to know. */
export interface ApplyRequest {
  resource: ResourceType;
  /** The live object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (already parsed from JSON or YAML). */
  config: JsonObject;
  managers: readonly ManagerState[];
  writer: WriterIdentity;
  force: boolean;
}

/** The merged object and the managers after the apply. */
export interface ApplyOutcome {
  object: JsonObject;
  managers: ManagerState[];
}

/** Runs one server-side apply; throws the 409 conflict error when not forced. */
export function serverSideApply(request: ApplyRequest): ApplyOutcome {
  const { resource, live, config, writer, force } = request;
  const schema = resource.schema;
  const newSet: FieldSet = appliedFieldSet(ownableView(config, resource, writer.subresource), schema);
  const own = request.managers.find((m) => sameManager(m, writer));
  const others = request.managers.filter((m) => !sameManager(m, writer));
  const merged = (
    live === undefined ? cloneJson(config) : mergeValues(cloneJson(live) as JsonObject, config, [], schema)
  ) as JsonObject;

  if (own !== undefined) {
    const ownedByAnyone = (p: FieldPath): boolean =>
      newSet.hasAtOrUnder(p) || others.some((m) => m.set.hasAtOrUnder(p));
    const dropped = own.set
      .difference(newSet)
      .paths()
      .filter((p) => !ownedByAnyone(p));
    // Shallow paths first: a list item must be found by its key before its fields are gone.
    for (const path of dropped.sort((a, b) => a.length - b.length))
      prunePath(merged, path, schema, ownedByAnyone);
  }

  const before = live === undefined ? {} : ownableView(live, resource, writer.subresource);
  const comparison = compareObjects(before, ownableView(merged, resource, writer.subresource), schema);
  const changed = comparison.added.union(comparison.modified);
  const conflicts = others.flatMap((manager) =>
    manager.set
      .intersection(changed)
      .paths()
      .map((path) => ({ manager, path })),
  );
  if (!force && conflicts.length > 0) throw conflictError(conflicts);

  const managers: ManagerState[] = others.map((m) => ({
    ...m,
    set: m.set.difference(changed).difference(comparison.removed),
  }));
  const setChanged =
    own === undefined || !own.set.difference(newSet).isEmpty() || !newSet.difference(own.set).isEmpty();
  const somethingChanged = setChanged || !changed.isEmpty() || !comparison.removed.isEmpty();
  const state: ManagerState = {
    ...writer,
    set: newSet,
    time: somethingChanged || own?.time === undefined ? timestampNow() : own.time,
  };
  if (state.subresource === undefined) delete state.subresource;
  managers.push(state);
  return { object: merged, managers };
}
