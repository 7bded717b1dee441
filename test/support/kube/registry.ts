/**
 * The set of served resource types: the built-ins plus one entry per served version of every
 * established CustomResourceDefinition. Discovery, routing and the store all ask it, so a CRD
 * that is created shows up everywhere at once and disappears when the CRD is finally removed.
 */
import { BUILTIN_RESOURCES, STANDARD_VERBS } from './builtins.ts';
import { crdSchema } from './list-schema.ts';
import type { JsonObject, KubeObject, ResourceType } from './types.ts';
import { isJsonObject } from './types.ts';

/** A served API group with its versions, preferred first. */
export interface ServedGroup {
  name: string;
  versions: string[];
}

const VERSION_PATTERN = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/** Kubernetes version priority: GA > beta > alpha, higher numbers first, others last by name. */
function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = VERSION_PATTERN.exec(v);
    if (m === null) return [0, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
  return a.localeCompare(b);
}

/** The resource types a CRD object serves (one per served version). */
function resourcesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const group = String(spec.group ?? '');
  const kind = String(names.kind ?? '');
  const plural = String(names.plural ?? '');
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  return versions
    .filter((v) => v.served !== false)
    .map((v) => {
      const subresources = isJsonObject(v.subresources) ? v.subresources : {};
      const validation =
        isJsonObject(v.schema) && isJsonObject(v.schema.openAPIV3Schema)
          ? v.schema.openAPIV3Schema
          : undefined;
      const resource: ResourceType = {
        group,
        version: String(v.name),
        kind,
        listKind: String(names.listKind ?? `${kind}List`),
        plural,
        singular: String(names.singular ?? kind.toLowerCase()),
        namespaced: spec.scope !== 'Cluster',
        verbs: STANDARD_VERBS,
        statusSubresource: isJsonObject(subresources.status),
        tracksGeneration: true,
        custom: true,
        stored: true,
        schema: crdSchema(validation as JsonObject | undefined),
      };
      if (Array.isArray(names.shortNames)) resource.shortNames = names.shortNames.map(String);
      if (Array.isArray(names.categories)) resource.categories = names.categories.map(String);
      return resource;
    });
}

/** Built-ins plus CRD-served types, looked up by path segments or by apiVersion + kind. */
export class ResourceRegistry {
  readonly #crds = new Map<string, ResourceType[]>();

  /** Every served type, built-ins first. */
  all(): ResourceType[] {
    return [...BUILTIN_RESOURCES, ...[...this.#crds.values()].flat()];
  }

  /** Serves (or re-serves, after a change) the resources of a CRD. */
  serveCrd(crd: KubeObject): void {
    this.#crds.set(String(crd.metadata.name), resourcesOfCrd(crd));
  }

  /** Stops serving the resources of a CRD (it was removed). */
  unserveCrd(crdName: string): void {
    this.#crds.delete(crdName);
  }

  /** The type served at `/apis/{group}/{version}/…/{plural}`. */
  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((r) => r.group === group && r.version === version && r.plural === plural);
  }

  /** The type of objects with this group, version and kind. */
  byKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.all().find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  /** Any served version of a group's kind (for owner references and GC, which ignore versions). */
  byGroupKind(group: string, kind: string): ResourceType | undefined {
    return this.all().find((r) => r.group === group && r.kind === kind);
  }

  /** The types served in one group/version (empty when the group/version is unknown). */
  resourcesOf(group: string, version: string): ResourceType[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** The served named groups (not the core group), each with versions in priority order. */
  groups(): ServedGroup[] {
    const versions = new Map<string, Set<string>>();
    for (const r of this.all()) {
      if (r.group === '') continue;
      const set = versions.get(r.group) ?? new Set<string>();
      set.add(r.version);
      versions.set(r.group, set);
    }
    return [...versions].map(([name, set]) => ({ name, versions: [...set].sort(compareKubeVersions) }));
  }
}
