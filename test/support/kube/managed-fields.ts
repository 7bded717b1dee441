/**
 * `metadata.managedFields` bookkeeping for non-apply writes (create, update, merge patch, status
 * writes): the acting manager gains the fields it added or changed, every other manager loses
 * them, and fields that went away leave every set. Entries are keyed and sorted the way the real
 * field manager does (Apply before Update, then by time, manager, apiVersion, subresource).
 */
import type { FieldSet } from './field-set.ts';
import { fromFieldsV1, toFieldsV1 } from './field-set.ts';
import { compareObjects } from './object-fields.ts';
import type { Json, JsonObject, KubeObject, ManagedFieldsEntry, ResourceType } from './types.ts';
import { cloneJson, isJsonObject, timestampNow } from './types.ts';

/** One manager's ownership, decoded. */
export interface ManagerState {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Who is writing and how: the identity of a managedFields entry. */
export interface WriterIdentity {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
}

/** Managers with the same identity share one entry (apiVersion only counts for Update). */
export function sameManager(a: WriterIdentity, b: WriterIdentity): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '') &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion)
  );
}

/** Decodes `metadata.managedFields`. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): ManagerState[] {
  return (entries ?? []).map((e) => {
    const state: ManagerState = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      set: fromFieldsV1(e.fieldsV1),
    };
    // Clients may send times with fractions (client-node does); the server keeps seconds.
    if (e.time !== undefined) state.time = new Date(e.time).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (e.subresource !== undefined && e.subresource !== '') state.subresource = e.subresource;
    return state;
  });
}

/** Encodes manager states as `metadata.managedFields`, dropping empty sets, in the server's order. */
export function encodeManagedFields(states: readonly ManagerState[]): ManagedFieldsEntry[] {
  const kept = states.filter((s) => !s.set.isEmpty());
  kept.sort(
    (p, q) =>
      p.operation.localeCompare(q.operation) ||
      (p.time ?? '').localeCompare(q.time ?? '') ||
      p.manager.localeCompare(q.manager) ||
      p.apiVersion.localeCompare(q.apiVersion) ||
      (p.subresource ?? '').localeCompare(q.subresource ?? ''),
  );
  return kept.map((s) => {
    const entry: ManagedFieldsEntry = {
      manager: s.manager,
      operation: s.operation,
      apiVersion: s.apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(s.set),
    };
    if (s.time !== undefined) entry.time = s.time;
    if (s.subresource !== undefined) entry.subresource = s.subresource;
    // Keep the server's key order: manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource.
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = entry;
    return {
      manager,
      operation,
      apiVersion,
      ...(time === undefined ? {} : { time }),
      fieldsType,
      fieldsV1,
      ...(subresource === undefined ? {} : { subresource }),
    };
  });
}

/** Metadata fields nobody can own (the server strips them before tracking ownership). */
const SYSTEM_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/**
 * The part of an object a write can own: without apiVersion, kind and system metadata, without
 * `status` on the main resource of a kind with a status subresource, and only `status` for a
 * write to `/status`.
 */
export function ownableView(
  object: JsonObject | KubeObject,
  resource: ResourceType,
  subresource?: string,
): JsonObject {
  const copy = cloneJson(object) as JsonObject;
  delete copy.apiVersion;
  delete copy.kind;
  if (isJsonObject(copy.metadata)) {
    for (const field of SYSTEM_METADATA) delete copy.metadata[field];
    if (Object.keys(copy.metadata).length === 0) delete copy.metadata;
  }
  if (subresource === 'status') return copy.status === undefined ? {} : { status: copy.status };
  if (resource.statusSubresource) delete copy.status;
  return copy;
}

/**
 * The manager states to start from: the stored ones, unless the request body carries its own
 * `managedFields` (a non-empty list replaces them; `[{}]` clears them; `[]` is ignored, as on the
 * real server).
 */
export function baseManagers(stored: KubeObject | undefined, incoming: Json | undefined): ManagerState[] {
  if (Array.isArray(incoming) && incoming.length > 0) {
    const real = incoming.filter((e) => isJsonObject(e) && typeof e.manager === 'string');
    return decodeManagedFields(real as unknown as ManagedFieldsEntry[]);
  }
  return decodeManagedFields(stored?.metadata.managedFields);
}

/**
 * Records a non-apply write by `writer` that turned `before` into `after` (ownable views):
 * returns the new manager states.
 */
export function recordUpdate(
  managers: readonly ManagerState[],
  before: JsonObject,
  after: JsonObject,
  writer: WriterIdentity,
  schema: ResourceType['schema'],
): ManagerState[] {
  const { added, modified, removed } = compareObjects(before, after, schema);
  const changed = added.union(modified);
  const next: ManagerState[] = managers.map((m) =>
    sameManager(m, writer) ? m : { ...m, set: m.set.difference(changed).difference(removed) },
  );
  if (changed.isEmpty() && removed.isEmpty()) return next;
  const index = next.findIndex((m) => sameManager(m, writer));
  const previous = index >= 0 ? next[index].set : undefined;
  const state: ManagerState = {
    ...writer,
    time: timestampNow(),
    set: (previous?.difference(removed) ?? changed).union(changed),
  };
  if (state.subresource === undefined) delete state.subresource;
  if (index >= 0) next[index] = state;
  else next.push(state);
  return next;
}
