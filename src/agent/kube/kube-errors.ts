import type { ErrorCode } from '../../common/errors.ts';
import { MaestroError } from '../../common/errors.ts';

/** Kubernetes `Status` (the body of every API error). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { type?: string; message?: string; field?: string }[] };
}

const CODE_BY_HTTP: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  409: 'ABORTED',
  410: 'ABORTED',
  422: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
};

/**
 * A failed call to the spoke API server. `message` is the API server's own `Status.message` (e.g.
 * `deployments.apps "web" not found`), because upstream copies that text into manifest conditions.
 * `httpStatus` is 0 when no response arrived.
 */
export class KubeApiError extends MaestroError {
  readonly httpStatus: number;
  readonly reason: string;
  readonly status: KubeStatus | undefined;

  constructor(httpStatus: number, message: string, options: { status?: KubeStatus; cause?: unknown } = {}) {
    super(CODE_BY_HTTP[httpStatus] ?? (httpStatus === 0 ? 'UNAVAILABLE' : 'INTERNAL'), message, {
      cause: options.cause,
    });
    this.name = 'KubeApiError';
    this.httpStatus = httpStatus;
    this.status = options.status;
    this.reason = options.status?.reason ?? '';
  }

  /** Builds the error from a non-2xx response body (a `Status` object, or anything else). */
  static fromResponse(httpStatus: number, body: unknown, what: string): KubeApiError {
    const status = isStatus(body) ? body : undefined;
    const message = status?.message || `${what}: the server responded with HTTP ${httpStatus}`;
    return new KubeApiError(httpStatus, message, { status });
  }
}

function isStatus(body: unknown): body is KubeStatus {
  return typeof body === 'object' && body !== null && (body as KubeStatus).kind === 'Status';
}

/** True for a 404 from the API server (the object or its type does not exist). */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.httpStatus === 404;
}

/** True for a 409 (a conflict, an `AlreadyExists`, or a failed precondition). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.httpStatus === 409;
}

/** True for a 409 with reason `AlreadyExists`. */
export function isAlreadyExists(err: unknown): boolean {
  return isConflict(err) && (err as KubeApiError).reason === 'AlreadyExists';
}

/** True for a 403. */
export function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.httpStatus === 403;
}
