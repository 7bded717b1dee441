/**
 * Sets of field paths, the unit of server-side-apply ownership, with the real `FieldsV1` wire
 * encoding (`{"f:spec":{"f:replicas":{}},"f:items":{"k:{\"name\":\"a\"}":{".":{}}}}`) and the
 * path text used in conflict messages (`.spec.containers[name="app"].image`).
 *
 * A path is a list of element keys: `f:<field>`, `k:<json of key fields>`, `v:<json value>` or
 * `i:<index>`. A node is a "member" when the path itself is owned (`.` in FieldsV1).
 */
import type { Json, JsonObject } from './types.ts';
import { isJsonObject } from './types.ts';

/** One path: element keys from the root. */
export type FieldPath = readonly string[];

/** A set of field paths, stored as a tree. */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** Adds a path. */
  insert(path: FieldPath): void {
    if (path.length === 0) {
      this.member = true;
      return;
    }
    let child = this.children.get(path[0]);
    if (child === undefined) {
      child = new FieldSet();
      this.children.set(path[0], child);
    }
    child.insert(path.slice(1));
  }

  /** The node at a path, if the set has the path or anything under it. */
  node(path: FieldPath): FieldSet | undefined {
    if (path.length === 0) return this;
    return this.children.get(path[0])?.node(path.slice(1));
  }

  /** True when the path itself is in the set. */
  has(path: FieldPath): boolean {
    return this.node(path)?.member === true;
  }

  /** True when the path or any path below it is in the set. */
  hasAtOrUnder(path: FieldPath): boolean {
    const node = this.node(path);
    return node !== undefined && !node.isEmpty();
  }

  /** True when no path is in the set. */
  isEmpty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  /** Every path in the set. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = this.member ? [prefix] : [];
    for (const [element, child] of this.children) out.push(...child.paths([...prefix, element]));
    return out;
  }

  /** A new set with the paths of both. */
  union(other: FieldSet): FieldSet {
    const out = FieldSet.of(this.paths());
    for (const path of other.paths()) out.insert(path);
    return out;
  }

  /** A new set with the paths of this set that `other` does not have. */
  difference(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }

  /** A new set with the paths both sets have. */
  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => other.has(p)));
  }

  /** The set of the given paths. */
  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }
}

/** The order of element kinds in FieldsV1 (as structured-merge-diff sorts path elements). */
const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: string, b: string): number {
  const byKind = (KIND_ORDER[a[0]] ?? 9) - (KIND_ORDER[b[0]] ?? 9);
  if (byKind !== 0) return byKind;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Encodes a set as `fieldsV1`. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const out: JsonObject = {};
  const hasChildren = [...set.children.values()].some((c) => !c.isEmpty());
  if (set.member && hasChildren) out['.'] = {};
  for (const element of [...set.children.keys()].sort(compareElements)) {
    const child = set.children.get(element) as FieldSet;
    if (!child.isEmpty()) out[element] = toFieldsV1(child);
  }
  return out;
}

/** Decodes `fieldsV1` into a set (a leaf `{}` and a `.` entry both mark membership). */
export function fromFieldsV1(fields: Json | undefined): FieldSet {
  const set = new FieldSet();
  const walk = (node: JsonObject, prefix: string[]): void => {
    for (const [element, child] of Object.entries(node)) {
      if (element === '.') {
        set.insert(prefix);
        continue;
      }
      const path = [...prefix, element];
      if (isJsonObject(child) && Object.keys(child).length > 0) walk(child, path);
      else set.insert(path);
    }
  };
  if (isJsonObject(fields)) walk(fields, []);
  return set;
}

/** A path as structured-merge-diff prints it: `.spec.ports[port=80,protocol="TCP"].name`. */
export function fieldPathString(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.entries(key)
            .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
