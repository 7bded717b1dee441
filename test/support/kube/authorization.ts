/**
 * Who is calling and what they may do. Authentication is an optional bearer token (401 Status
 * otherwise). Requests run as a cluster admin unless they impersonate someone
 * (`Impersonate-User` / `Impersonate-Group`); impersonated requests and SubjectAccessReviews are
 * decided by a configurable rule set, and creating RBAC objects while impersonating is refused
 * (403) when it would grant permissions the user does not hold, like the real escalation check.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { forbidden, unauthorized } from './errors.ts';
import type { JsonObject, KubeObject, ResourceType } from './types.ts';
import { isJsonObject } from './types.ts';

/** The authenticated (or impersonated) caller. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/**
 * One allow rule. Omitted lists match everything; `'*'` in a list matches everything too.
 * A rule with neither `users` nor `groups` applies to every user.
 */
export interface AccessRule {
  users?: string[];
  groups?: string[];
  verbs: string[];
  apiGroups?: string[];
  /** Plural resource names, optionally `plural/subresource`. */
  resources?: string[];
  namespaces?: string[];
  names?: string[];
}

/** What is being attempted. */
export interface AccessAttributes {
  user: UserInfo;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined (or empty) for cluster-scoped requests. */
  namespace?: string;
  name?: string;
}

/** The admin identity of requests that do not impersonate. */
const ADMIN_USER: UserInfo = {
  name: 'kube-test-admin',
  groups: ['system:masters', 'system:authenticated'],
};

function listMatches(list: readonly string[] | undefined, value: string): boolean {
  return list === undefined || list.includes('*') || list.includes(value);
}

/** Decides a request against the rules; `undefined` rules allow everything. */
export function decide(
  rules: readonly AccessRule[] | undefined,
  attrs: AccessAttributes,
): { allowed: boolean; reason: string } {
  if (attrs.user.groups.includes('system:masters'))
    return { allowed: true, reason: 'user is a cluster admin' };
  if (rules === undefined)
    return { allowed: true, reason: 'no access rules configured: everything is allowed' };
  const resource =
    attrs.subresource === undefined || attrs.subresource === ''
      ? attrs.resource
      : `${attrs.resource}/${attrs.subresource}`;
  const index = rules.findIndex(
    (rule) =>
      ((rule.users === undefined && rule.groups === undefined) ||
        (rule.users ?? []).includes(attrs.user.name) ||
        (rule.groups ?? []).some((g) => attrs.user.groups.includes(g))) &&
      listMatches(rule.verbs, attrs.verb) &&
      listMatches(rule.apiGroups, attrs.group) &&
      listMatches(rule.resources, resource) &&
      listMatches(rule.namespaces, attrs.namespace ?? '') &&
      (rule.names === undefined || attrs.name === undefined || listMatches(rule.names, attrs.name)),
  );
  return index >= 0
    ? { allowed: true, reason: `allowed by access rule ${index}` }
    : { allowed: false, reason: '' };
}

/** The text after `is forbidden:` in a 403. */
export function forbiddenReason(attrs: AccessAttributes): string {
  const resource =
    attrs.subresource === undefined || attrs.subresource === ''
      ? attrs.resource
      : `${attrs.resource}/${attrs.subresource}`;
  const scope =
    attrs.namespace === undefined || attrs.namespace === ''
      ? 'at the cluster scope'
      : `in the namespace "${attrs.namespace}"`;
  return `User "${attrs.user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`;
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Authenticates a request (401 when a token is required and not presented) and applies impersonation. */
export function authenticate(headers: IncomingHttpHeaders, token: string | undefined): UserInfo {
  if (token !== undefined && headers.authorization !== `Bearer ${token}`) throw unauthorized();
  const impersonated = headers['impersonate-user'];
  if (typeof impersonated !== 'string' || impersonated === '') return ADMIN_USER;
  const groups = headerValues(headers['impersonate-group']);
  if (impersonated.startsWith('system:serviceaccount:')) {
    const namespace = impersonated.split(':')[2] ?? '';
    for (const g of ['system:serviceaccounts', `system:serviceaccounts:${namespace}`])
      if (!groups.includes(g)) groups.push(g);
  }
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name: impersonated, groups };
}

function rulesOf(object: KubeObject): JsonObject[] {
  return Array.isArray(object.rules) ? object.rules.filter(isJsonObject) : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * The RBAC escalation check for a Role/ClusterRole created by a non-admin user: every rule it
 * grants must already be allowed to that user. Throws the real server's 403.
 */
export function checkRoleEscalation(
  rules: readonly AccessRule[] | undefined,
  user: UserInfo,
  resource: ResourceType,
  role: KubeObject,
): void {
  if (
    resource.group !== 'rbac.authorization.k8s.io' ||
    (resource.kind !== 'Role' && resource.kind !== 'ClusterRole')
  )
    return;
  const namespace = role.metadata.namespace;
  const missing = rulesOf(role).filter((rule) =>
    strings(rule.verbs).some((verb) =>
      (strings(rule.apiGroups).length === 0 ? [''] : strings(rule.apiGroups)).some((group) =>
        strings(rule.resources).some(
          (res) =>
            !decide(rules, {
              user,
              verb,
              group,
              resource: res,
              ...(namespace === undefined ? {} : { namespace }),
            }).allowed,
        ),
      ),
    ),
  );
  if (missing.length === 0) return;
  const describe = missing
    .map(
      (r) =>
        `{APIGroups:${JSON.stringify(strings(r.apiGroups))}, Resources:${JSON.stringify(strings(r.resources))}, Verbs:${JSON.stringify(strings(r.verbs))}}`,
    )
    .join('\n');
  throw forbidden(
    resource,
    role.metadata.name ?? '',
    `user "${user.name}" (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${describe}`,
  );
}
