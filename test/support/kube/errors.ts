/**
 * Errors as the real API server reports them: a `metav1.Status` body with `code`, `reason`,
 * `message` and `details`, with the same wording (`deployments.apps "web" not found`), so clients
 * and the agent see exactly what a cluster would send.
 */
import type { ResourceType } from './types.ts';
import { qualifiedResource } from './types.ts';

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `Status.details`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A `metav1.Status` object. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  /** Omitted on a success `Status`, as the server does. */
  code?: number;
}

/** A failed request: thrown by handlers, written by the router as its {@link Status} body. */
export class KubeStatusError extends Error {
  readonly status: Status;
  /** Extra response headers (`Retry-After` for 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, headers = {}) {
    super(message);
    this.name = 'KubeStatusError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      // The real server writes `details` before `code`.
      ...(details === undefined ? {} : { details }),
      code,
    };
    this.headers = headers;
  }
}

/** `details` naming an object of a resource (group omitted for the core group, as the server does). */
function objectDetails(resource: Pick<ResourceType, 'group' | 'plural'>, name: string): StatusDetails {
  return resource.group === ''
    ? { name, kind: resource.plural }
    : { name, group: resource.group, kind: resource.plural };
}

/** 404 `<resource> "<name>" not found`. */
export function notFound(resource: Pick<ResourceType, 'group' | 'plural'>, name: string): KubeStatusError {
  return new KubeStatusError(
    404,
    'NotFound',
    `${qualifiedResource(resource)} "${name}" not found`,
    objectDetails(resource, name),
  );
}

/** 404 for a path the server does not serve (unknown group, version or resource). */
export function pathNotFound(): KubeStatusError {
  return new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 `<resource> "<name>" already exists`. */
export function alreadyExists(
  resource: Pick<ResourceType, 'group' | 'plural'>,
  name: string,
): KubeStatusError {
  return new KubeStatusError(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource)} "${name}" already exists`,
    objectDetails(resource, name),
  );
}

/** The optimistic-lock message of a stale `resourceVersion`. */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 409 `Operation cannot be fulfilled on <resource> "<name>": <why>`. */
export function conflict(
  resource: Pick<ResourceType, 'group' | 'plural'>,
  name: string,
  why = OPTIMISTIC_LOCK_MESSAGE,
): KubeStatusError {
  return new KubeStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${why}`,
    objectDetails(resource, name),
  );
}

/** The storage-layer text of a failed UID/resourceVersion precondition, as etcd3 storage words it. */
export function preconditionFailure(
  key: string,
  field: 'UID' | 'ResourceVersion',
  want: string,
  got: string,
): string {
  return (
    `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, ` +
    `AdditionalErrorMsg: Precondition failed: ${field} in precondition: ${want}, ${field} in object meta: ${got}`
  );
}

/** One field problem of a 422 Invalid answer. */
export interface FieldError {
  field: string;
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueForbidden`, … */
  reason: string;
  /** The full text after the field path, e.g. `Required value: name is required`. */
  detail: string;
}

/** 422 `<Kind>.<group> "<name>" is invalid: <field>: <detail>`. */
export function invalid(
  groupKind: { group: string; kind: string },
  name: string,
  errors: readonly FieldError[],
): KubeStatusError {
  const qualifiedKind = groupKind.group === '' ? groupKind.kind : `${groupKind.kind}.${groupKind.group}`;
  const texts = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const details: StatusDetails = { name, kind: groupKind.kind };
  if (groupKind.group !== '') details.group = groupKind.group;
  details.causes = errors.map((e) => ({ reason: e.reason, message: e.detail, field: e.field }));
  return new KubeStatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}

/** 400 BadRequest with the given message. */
export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, 'BadRequest', message);
}

/** 403 Forbidden `<resource> "<name>" is forbidden: <why>`. */
export function forbidden(
  resource: Pick<ResourceType, 'group' | 'plural'>,
  name: string,
  why: string,
  causes?: StatusCause[],
): KubeStatusError {
  const details = objectDetails(resource, name);
  if (causes !== undefined) details.causes = causes;
  const subject = name === '' ? qualifiedResource(resource) : `${qualifiedResource(resource)} "${name}"`;
  return new KubeStatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, details);
}

/** 401 Unauthorized (missing or wrong bearer token). */
export function unauthorized(): KubeStatusError {
  return new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(
  message = 'the server does not allow this method on the requested resource',
): KubeStatusError {
  return new KubeStatusError(405, 'MethodNotAllowed', message);
}

/** 415 for a PATCH content type the server does not know. */
export function unsupportedMediaType(contentType: string): KubeStatusError {
  return new KubeStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ` +
      `application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, ` +
      `application/strategic-merge-patch+json (got ${contentType || 'none'})`,
  );
}

/** 410 Expired for a watch from a resourceVersion older than the kept history. */
export function resourceVersionTooOld(requested: string, oldest: string): KubeStatusError {
  return new KubeStatusError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** 500 InternalError. */
export function internalError(why: string): KubeStatusError {
  return new KubeStatusError(500, 'InternalError', `Internal error occurred: ${why}`, {
    causes: [{ message: why }],
  });
}

/** 429 TooManyRequests with `Retry-After`. */
export function tooManyRequests(retryAfterSeconds = 1): KubeStatusError {
  return new KubeStatusError(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(): KubeStatusError {
  return new KubeStatusError(
    503,
    'ServiceUnavailable',
    'the server is currently unable to handle the request',
    {
      retryAfterSeconds: 1,
    },
  );
}

/** A success `Status`, returned by DELETE of an object that is gone at once. */
export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
