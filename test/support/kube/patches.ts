/**
 * The three non-apply patch formats: JSON merge patch (RFC 7386: objects merge, `null` deletes,
 * lists are replaced whole), strategic merge patch (merge patch whose associative lists merge by
 * key, with `$patch: delete|replace` directives) and JSON patch (RFC 6902).
 */
import { KubeStatusError, badRequest } from './errors.ts';
import { indexList, listItemElement } from './object-fields.ts';
import type { FieldSchema, Json, JsonObject } from './types.ts';
import { cloneJson, isJsonObject, jsonEqual } from './types.ts';

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

function strategicMerge(
  target: Json | undefined,
  patch: Json,
  names: readonly string[],
  schema: FieldSchema,
): Json {
  if (isJsonObject(patch)) {
    if (patch.$patch === 'replace') {
      const { $patch: _directive, ...rest } = patch;
      return cloneJson(rest);
    }
    const out: JsonObject = isJsonObject(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) continue;
      if (value === null) delete out[key];
      else out[key] = strategicMerge(out[key], value, [...names, key], schema);
    }
    return out;
  }
  if (Array.isArray(patch) && Array.isArray(target)) {
    const listType = schema.listType(names);
    if (listType.type === 'set')
      return [...target, ...patch.filter((v) => !target.some((t) => jsonEqual(t, v)))];
    if (listType.type === 'map') {
      const out = [...target];
      const existing = indexList(target, listType, names, false);
      patch.forEach((item, i) => {
        const element = listItemElement(item, i, listType, names, false);
        const current = existing.get(element);
        const position = current === undefined ? -1 : out.indexOf(current);
        if (isJsonObject(item) && item.$patch === 'delete') {
          if (position >= 0) out.splice(position, 1);
        } else if (position >= 0) {
          out[position] = strategicMerge(current, item, names, schema);
        } else {
          out.push(strategicMerge(undefined, item, names, schema));
        }
      });
      return out;
    }
  }
  return cloneJson(patch);
}

/** Strategic merge patch, using the resource's list schema for merge keys. */
export function applyStrategicMergePatch(target: JsonObject, patch: Json, schema: FieldSchema): Json {
  return strategicMerge(target, patch, [], schema);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatchError(message: string): KubeStatusError {
  return new KubeStatusError(422, 'Invalid', message);
}

function locate(root: Json, tokens: string[]): { parent: Json; key: string } {
  let parent = root;
  for (const token of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(parent)
      ? parent[Number(token)]
      : isJsonObject(parent)
        ? parent[token]
        : undefined;
    if (next === undefined)
      throw jsonPatchError(`doc is missing path: "/${tokens.join('/')}": missing value`);
    parent = next;
  }
  return { parent, key: tokens.at(-1) ?? '' };
}

function getAt(root: Json, tokens: string[]): Json {
  if (tokens.length === 0) return root;
  const { parent, key } = locate(root, tokens);
  const value = Array.isArray(parent) ? parent[Number(key)] : isJsonObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw jsonPatchError(`doc is missing path: "/${tokens.join('/')}": missing value`);
  return value;
}

function removeAt(root: Json, tokens: string[]): Json {
  const value = getAt(root, tokens);
  const { parent, key } = locate(root, tokens);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isJsonObject(parent)) delete parent[key];
  return value;
}

function addAt(root: Json, tokens: string[], value: Json, replace: boolean): Json {
  if (tokens.length === 0) return value;
  if (replace) getAt(root, tokens);
  const { parent, key } = locate(root, tokens);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw jsonPatchError(`index out of bounds in path "/${tokens.join('/')}"`);
    }
    parent.splice(index, replace ? 1 : 0, value);
  } else if (isJsonObject(parent)) {
    parent[key] = value;
  } else {
    throw jsonPatchError(`doc is missing path: "/${tokens.join('/')}"`);
  }
  return root;
}

/** RFC 6902 JSON patch. */
export function applyJsonPatch(target: JsonObject, operations: Json): Json {
  if (!Array.isArray(operations)) throw badRequest('json patch must be a list of operations');
  let doc: Json = cloneJson(target);
  for (const op of operations) {
    if (!isJsonObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest('invalid json patch operation');
    }
    const path = parsePointer(op.path);
    const value = cloneJson(op.value ?? null);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, path, value, false);
        break;
      case 'replace':
        doc = addAt(doc, path, value, true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        doc = addAt(doc, path, removeAt(doc, parsePointer(String(op.from))), false);
        break;
      case 'copy':
        doc = addAt(doc, path, cloneJson(getAt(doc, parsePointer(String(op.from)))), false);
        break;
      case 'test':
        if (!jsonEqual(getAt(doc, path), op.value))
          throw jsonPatchError(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw badRequest(`unexpected json patch operation "${op.op}"`);
    }
  }
  return doc;
}
