/**
 * The one error type of Maestro. Every failure that crosses a boundary (gRPC, HTTP, CLI) is a
 * {@link MaestroError} whose `code` decides the gRPC status and the HTTP status it is reported with.
 */

/** Error codes, named after the gRPC status codes they map to. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ABORTED'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'DEADLINE_EXCEEDED'
  | 'UNIMPLEMENTED'
  | 'CANCELLED'
  | 'INTERNAL';

/** gRPC numeric status for each code (values from the gRPC spec, so no grpc-js import is needed here). */
export const GRPC_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

/** HTTP status for each code, used by the REST API and the SDK's REST plumbing. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  CANCELLED: 499,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 413,
  FAILED_PRECONDITION: 409,
  ABORTED: 409,
  UNIMPLEMENTED: 405,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
};

/** Options for {@link MaestroError}. */
export interface MaestroErrorOptions {
  /** The underlying failure, kept for logs. */
  cause?: unknown;
  /** Structured details (e.g. every validation problem with its path). */
  details?: readonly string[];
}

/** A failure with a code from a closed set; `message` is lower-case and names the thing. */
export class MaestroError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: MaestroErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MaestroError';
    this.code = code;
    this.details = options.details ?? [];
  }
}

/** True when `err` is a {@link MaestroError}, optionally with the given code. */
export function isMaestroError(err: unknown, code?: ErrorCode): err is MaestroError {
  return err instanceof MaestroError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a {@link MaestroError} (`INTERNAL` unless it already is one). */
export function toMaestroError(err: unknown, fallbackCode: ErrorCode = 'INTERNAL'): MaestroError {
  if (err instanceof MaestroError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MaestroError(fallbackCode, message, { cause: err });
}

/** The message of anything thrown, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
