/**
 * The SDK's typed errors. Every failure a client method reports is a {@link MaestroError}; the ones a
 * caller typically branches on have their own class, built from REST error bodies and gRPC status
 * codes alike, and always carry the server's own message (the REST `reason` or the gRPC details).
 */
import { MaestroError } from '../common/errors.ts';
import type { ErrorCode, MaestroErrorOptions } from '../common/errors.ts';

/** Where a server error came from, kept for diagnostics. */
export interface ServerErrorInfo {
  /** HTTP status of a REST error. */
  httpStatus?: number;
  /** Upstream error code of a REST error body (`maestro-7` → 7). */
  apiCode?: number;
  /** The REST `operation_id`, to find the request in the server's logs. */
  operationId?: string;
}

/** Options of the typed errors. */
export interface ClientErrorOptions extends MaestroErrorOptions, ServerErrorInfo {}

/**
 * A {@link MaestroError} raised by the SDK, with the server's diagnostics attached; the base of the
 * typed errors below (catch it to handle every SDK failure that has server details).
 */
export class MaestroClientError extends MaestroError {
  readonly httpStatus: number | undefined;
  readonly apiCode: number | undefined;
  readonly operationId: string | undefined;

  constructor(code: ErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(code, message, options);
    this.httpStatus = options.httpStatus;
    this.apiCode = options.apiCode;
    this.operationId = options.operationId;
  }
}

/** The thing asked for does not exist (HTTP 404, gRPC `NOT_FOUND`). */
export class NotFoundError extends MaestroClientError {
  constructor(message: string, options?: ClientErrorOptions) {
    super('NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

/** A create named something that already exists (HTTP 409 on create, gRPC `ALREADY_EXISTS`). */
export class AlreadyExistsError extends MaestroClientError {
  constructor(message: string, options?: ClientErrorOptions) {
    super('ALREADY_EXISTS', message, options);
    this.name = 'AlreadyExistsError';
  }
}

/**
 * A write lost a race or hit a state that forbids it: the version it was based on is no longer the
 * latest, or the work is being deleted (HTTP 409, gRPC `ABORTED` / `FAILED_PRECONDITION`). Re-read
 * and retry.
 */
export class ConflictError extends MaestroClientError {
  constructor(message: string, options?: ClientErrorOptions & { code?: 'ABORTED' | 'FAILED_PRECONDITION' }) {
    super(options?.code ?? 'ABORTED', message, options);
    this.name = 'ConflictError';
  }
}

/** The request was rejected as invalid (HTTP 400, gRPC `INVALID_ARGUMENT`), or failed local checks. */
export class InvalidError extends MaestroClientError {
  constructor(message: string, options?: ClientErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidError';
  }
}

/** The server could not be reached or answered in time (connection refused, 502–504, gRPC `UNAVAILABLE`). */
export class UnavailableError extends MaestroClientError {
  constructor(
    message: string,
    options?: ClientErrorOptions & { code?: 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' },
  ) {
    super(options?.code ?? 'UNAVAILABLE', message, options);
    this.name = 'UnavailableError';
  }
}

/**
 * The typed error for a {@link MaestroError} code (as the gRPC transport reports failed calls):
 * `NOT_FOUND`, `ALREADY_EXISTS`, `ABORTED`/`FAILED_PRECONDITION`, `INVALID_ARGUMENT`/`OUT_OF_RANGE`,
 * `UNAVAILABLE`/`DEADLINE_EXCEEDED` get their class; anything else stays a {@link MaestroError}.
 */
export function toClientError(err: unknown): MaestroError {
  if (err instanceof MaestroClientError) return err;
  if (!(err instanceof MaestroError)) {
    return new MaestroError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  }
  const options = { cause: err, details: err.details };
  switch (err.code) {
    case 'NOT_FOUND':
      return new NotFoundError(err.message, options);
    case 'ALREADY_EXISTS':
      return new AlreadyExistsError(err.message, options);
    case 'ABORTED':
    case 'FAILED_PRECONDITION':
      return new ConflictError(err.message, { ...options, code: err.code });
    case 'INVALID_ARGUMENT':
      return new InvalidError(err.message, options);
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
      return new UnavailableError(err.message, { ...options, code: err.code });
    default:
      return err;
  }
}

/** A REST error body as Maestro (and upstream) sends it. */
export interface RestErrorBody {
  kind?: string;
  id?: string;
  href?: string;
  code?: string;
  reason?: string;
  operation_id?: string;
}

/**
 * The typed error for a failed REST call. `isCreate` tells a 409 on create ("already exists") from a
 * 409 on any other write ("conflict"). The message is the body's `reason` when it has one.
 */
export function restError(
  httpStatus: number,
  body: unknown,
  isCreate: boolean,
  fallback: string,
): MaestroError {
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as RestErrorBody;
  const apiCode = typeof parsed.code === 'string' ? Number(parsed.code.replace(/^maestro-/, '')) : NaN;
  const options: ClientErrorOptions = {
    httpStatus,
    ...(Number.isInteger(apiCode) ? { apiCode } : {}),
    ...(typeof parsed.operation_id === 'string' ? { operationId: parsed.operation_id } : {}),
  };
  const message = typeof parsed.reason === 'string' && parsed.reason !== '' ? parsed.reason : fallback;
  if (httpStatus === 400) return new InvalidError(message, options);
  if (httpStatus === 404) return new NotFoundError(message, options);
  if (httpStatus === 409) {
    return isCreate ? new AlreadyExistsError(message, options) : new ConflictError(message, options);
  }
  if (httpStatus === 502 || httpStatus === 503) return new UnavailableError(message, options);
  if (httpStatus === 504) return new UnavailableError(message, { ...options, code: 'DEADLINE_EXCEEDED' });
  return new MaestroClientError(restCode(httpStatus), message, options);
}

function restCode(httpStatus: number): ErrorCode {
  if (httpStatus === 401) return 'UNAUTHENTICATED';
  if (httpStatus === 403) return 'PERMISSION_DENIED';
  if (httpStatus === 405 || httpStatus === 501) return 'UNIMPLEMENTED';
  if (httpStatus === 413) return 'RESOURCE_EXHAUSTED';
  if (httpStatus >= 400 && httpStatus < 500) return 'FAILED_PRECONDITION';
  return 'INTERNAL';
}
