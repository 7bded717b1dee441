/**
 * The authorization.k8s.io review resources: SubjectAccessReview, LocalSubjectAccessReview and
 * SelfSubjectAccessReview. They are not stored; a create answers with the spec and a `status`
 * decided by the server's access rules (see {@link decide}).
 */
import type { AccessRule, UserInfo } from './authorization.ts';
import { decide } from './authorization.ts';
import { badRequest } from './errors.ts';
import type { Json, JsonObject, ResourceType } from './types.ts';
import { isJsonObject } from './types.ts';

/** Answers a review create (201 body). */
export function reviewAccess(
  resource: ResourceType,
  body: Json,
  caller: UserInfo,
  rules: readonly AccessRule[] | undefined,
  urlNamespace: string | undefined,
): JsonObject {
  if (!isJsonObject(body) || !isJsonObject(body.spec)) throw badRequest(`${resource.kind} must have a spec`);
  const spec = body.spec;
  const attributes = isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  if (
    resource.kind === 'LocalSubjectAccessReview' &&
    attributes !== undefined &&
    attributes.namespace !== urlNamespace
  ) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${urlNamespace ?? ''}`);
  }
  const user: UserInfo =
    resource.kind === 'SelfSubjectAccessReview'
      ? caller
      : { name: String(spec.user ?? ''), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [] };
  let status: JsonObject;
  if (attributes === undefined) {
    status = { allowed: false, reason: 'only resourceAttributes are evaluated by the test server' };
  } else {
    const verdict = decide(rules, {
      user,
      verb: String(attributes.verb ?? ''),
      group: String(attributes.group ?? ''),
      resource: String(attributes.resource ?? ''),
      subresource: String(attributes.subresource ?? ''),
      namespace: String(attributes.namespace ?? ''),
      ...(typeof attributes.name === 'string' && attributes.name !== '' ? { name: attributes.name } : {}),
    });
    status = verdict.allowed ? { allowed: true, reason: verdict.reason } : { allowed: false };
  }
  return {
    kind: resource.kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { ...(isJsonObject(body.metadata) ? body.metadata : {}), creationTimestamp: null },
    spec,
    status,
  };
}
