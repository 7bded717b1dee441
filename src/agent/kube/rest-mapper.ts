import { MaestroError } from '../../common/errors.ts';
import { isNotFound } from './kube-errors.ts';
import type { KubeClient } from './kube-client.ts';
import type { GroupVersionKind, GroupVersionResource } from './kube-types.ts';
import { groupVersionPath } from './kube-types.ts';

/** Where a kind is served: its plural resource and whether objects live in a namespace. */
export interface RestMapping {
  gvr: GroupVersionResource;
  namespaced: boolean;
}

/** Maps kinds to resources using API discovery. */
export interface RestMapper {
  /**
   * The mapping of a kind. Answers from a per-group-version cache and re-reads that group version's
   * discovery document on a miss, so a CustomResourceDefinition created by an earlier manifest of the
   * same work maps for a later one. Throws `NOT_FOUND` with upstream's message
   * (`the server doesn't have a resource type "<Kind>"`) when discovery does not list the kind.
   */
  mapping(gvk: GroupVersionKind): Promise<RestMapping>;
  /** Forgets everything cached. */
  reset(): void;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Creates a {@link RestMapper} backed by `GET /api/v1` and `GET /apis/<group>/<version>`. */
export function createRestMapper(client: KubeClient): RestMapper {
  const cache = new Map<string, ApiResource[]>();

  async function discover(group: string, version: string): Promise<ApiResource[]> {
    const path = groupVersionPath(group, version);
    try {
      const list = await client.request<{ resources?: ApiResource[] }>({ method: 'GET', path });
      const resources = (list?.resources ?? []).filter((r) => !r.name.includes('/'));
      cache.set(path, resources);
      return resources;
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
      cache.delete(path);
      return [];
    }
  }

  const find = (resources: ApiResource[] | undefined, kind: string): ApiResource | undefined =>
    resources?.find((r) => r.kind === kind);

  return {
    async mapping(gvk) {
      const path = groupVersionPath(gvk.group, gvk.version);
      const found = find(cache.get(path), gvk.kind) ?? find(await discover(gvk.group, gvk.version), gvk.kind);
      if (!found || gvk.version === '') {
        throw new MaestroError('NOT_FOUND', `the server doesn't have a resource type "${gvk.kind}"`);
      }
      return {
        gvr: { group: gvk.group, version: gvk.version, resource: found.name },
        namespaced: found.namespaced,
      };
    },
    reset() {
      cache.clear();
    },
  };
}
