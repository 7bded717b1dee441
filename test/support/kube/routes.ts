/**
 * Turns a request path into what it addresses, following the API server's RequestInfo rules:
 * discovery documents, or a resource collection/object/subresource in a group/version, with an
 * optional namespace (`namespaces/{ns}/…`, except for a namespace's own `status`/`finalize`) and
 * the legacy `/watch/` prefix.
 */

/** A discovery or informational endpoint. */
export type InfoTarget =
  | { type: 'apiVersions' }
  | { type: 'groupList' }
  | { type: 'group'; group: string }
  | { type: 'resourceList'; group: string; version: string }
  | { type: 'version' }
  | { type: 'health' };

/** A resource endpoint. */
export interface ResourceTarget {
  type: 'resource';
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The path used the deprecated `/watch/` prefix. */
  watchPrefix: boolean;
}

/** What a path addresses, or undefined when it addresses nothing the server knows. */
export type Target = InfoTarget | ResourceTarget;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Parses a URL path. */
export function parseTarget(pathname: string): Target | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'version') return { type: 'version' };
  if (parts.length === 1 && ['healthz', 'livez', 'readyz'].includes(parts[0])) return { type: 'health' };
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'apiVersions' };
    [group, version, rest] = ['', parts[1], parts.slice(2)];
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'groupList' };
    if (parts.length === 2) return { type: 'group', group: parts[1] };
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    return undefined;
  }
  if (rest.length === 0) return { type: 'resourceList', group, version };
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  const target: ResourceTarget = { type: 'resource', group, version, plural: rest[0], watchPrefix };
  if (namespace !== undefined) target.namespace = namespace;
  if (rest.length > 1) target.name = rest[1];
  if (rest.length > 2) target.subresource = rest[2];
  return target;
}
