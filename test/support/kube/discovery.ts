/**
 * Discovery documents (`/api`, `/apis`, `/apis/{group}`, `/api/v1`, `/apis/{group}/{version}`)
 * in the shapes of the real API server. Aggregated discovery is not offered: a client asking for
 * `APIGroupDiscoveryList` gets the plain documents, which client-go and client-node accept.
 */
import { pathNotFound } from './errors.ts';
import type { ResourceRegistry, ServedGroup } from './registry.ts';
import type { JsonObject } from './types.ts';
import { groupVersion } from './types.ts';

/** `GET /api`. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(group: ServedGroup): JsonObject {
  const versions = group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version }));
  return { name: group.name, versions, preferredVersion: versions[0] };
}

/** `GET /apis`. */
export function apiGroupList(registry: ResourceRegistry): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map(groupDocument) };
}

/** `GET /apis/{group}`; 404 for an unknown group. */
export function apiGroup(registry: ResourceRegistry, name: string): JsonObject {
  const group = registry.groups().find((g) => g.name === name);
  if (group === undefined) throw pathNotFound();
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group) };
}

/** `GET /api/v1` or `GET /apis/{group}/{version}`; 404 for an unknown group/version. */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): JsonObject {
  const types = registry.resourcesOf(group, version);
  if (types.length === 0) throw pathNotFound();
  const resources: JsonObject[] = [];
  for (const type of types) {
    const entry: JsonObject = {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...type.verbs],
    };
    if (type.shortNames !== undefined) entry.shortNames = [...type.shortNames];
    if (type.categories !== undefined) entry.categories = [...type.categories];
    resources.push(entry);
    if (type.statusSubresource) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  // The real server leaves `apiVersion` out of the core group's list.
  const head: JsonObject =
    group === '' ? { kind: 'APIResourceList' } : { kind: 'APIResourceList', apiVersion: 'v1' };
  return { ...head, groupVersion: groupVersion(group, version), resources };
}

/** `GET /version`: a plausible build of the server being emulated. */
export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '31',
    gitVersion: 'v1.31.0-maestro-test',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-08-13T00:00:00Z',
    goVersion: 'go1.22.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
