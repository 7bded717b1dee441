import type { ResourceMeta } from '../../work/types.ts';
import type { GroupVersionResource, KubeObject } from './kube-types.ts';
import { gvkOf } from './kube-types.ts';
import type { RestMapper } from './rest-mapper.ts';

/** The result of {@link buildResourceMeta}: always a `resourceMeta`, plus the GVR or the mapping error. */
export interface BuiltResourceMeta {
  meta: ResourceMeta;
  /** Set when REST mapping succeeded. */
  gvr?: GroupVersionResource;
  /** Set when REST mapping failed (the manifest's `Applied` becomes False with this message). */
  error?: Error;
}

/**
 * Builds `resourceMeta` for the manifest at `ordinal` as upstream's `BuildResourceMeta`: group, version
 * and kind from the manifest; name and namespace from its metadata; `resource` from REST mapping; the
 * namespace cleared for cluster-scoped kinds. On a mapping failure `resource` stays empty and the
 * manifest's namespace is kept.
 */
export async function buildResourceMeta(
  ordinal: number,
  manifest: KubeObject,
  mapper: RestMapper,
): Promise<BuiltResourceMeta> {
  const gvk = gvkOf(manifest);
  const meta: ResourceMeta = {
    ordinal,
    group: gvk.group,
    version: gvk.version,
    kind: gvk.kind,
    resource: '',
    name: manifest.metadata?.name ?? '',
    namespace: manifest.metadata?.namespace ?? '',
  };
  try {
    const mapping = await mapper.mapping(gvk);
    meta.resource = mapping.gvr.resource;
    if (!mapping.namespaced) meta.namespace = '';
    return { meta, gvr: mapping.gvr };
  } catch (err: unknown) {
    return { meta, error: err instanceof Error ? err : new Error(String(err)) };
  }
}
