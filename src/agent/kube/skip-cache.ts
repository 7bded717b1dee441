import { createHash } from 'node:crypto';
import { goSortedJson } from '../../work/go-json.ts';
import type { KubeObject } from './kube-types.ts';
import { gvkOf } from './kube-types.ts';

/**
 * The `Update` strategy's skip cache (upstream's resource cache): per (group, kind, namespace, name) it
 * remembers the hash of the manifest last applied and the resourceVersion the API server returned. When
 * both still match, the object is neither compared nor written again.
 */
export interface SkipCache {
  /** True when `required` was applied last and `live` has not changed since. */
  safeToSkip(required: KubeObject, live: KubeObject): boolean;
  /** Remembers `required` as applied, with the resourceVersion of `actual`. */
  record(required: KubeObject, actual: KubeObject): void;
}

/** Creates an empty {@link SkipCache}. */
export function createSkipCache(): SkipCache {
  const entries = new Map<string, { hash: string; resourceVersion: string }>();
  const keyOf = (object: KubeObject): string => {
    const gvk = gvkOf(object);
    return [gvk.group, gvk.kind, object.metadata?.namespace ?? '', object.metadata?.name ?? ''].join(
      '\u0000',
    );
  };
  const hashOf = (object: KubeObject): string => createHash('md5').update(goSortedJson(object)).digest('hex');
  return {
    safeToSkip(required, live) {
      const entry = entries.get(keyOf(required));
      const rv = live.metadata?.resourceVersion;
      return Boolean(entry && rv && entry.resourceVersion === rv && entry.hash === hashOf(required));
    },
    record(required, actual) {
      const rv = actual.metadata?.resourceVersion;
      if (rv) entries.set(keyOf(required), { hash: hashOf(required), resourceVersion: rv });
    },
  };
}
