/**
 * MaestroError ⇄ gRPC status. Handlers' errors leave a server with their real code and message (an
 * improvement over upstream's `Unknown`/`FailedPrecondition "{}"`), and a client turns a failed call
 * back into a MaestroError carrying the server's message.
 */
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { GRPC_STATUS_BY_CODE, MaestroError, toMaestroError } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';

const CODE_BY_GRPC_STATUS = new Map<number, ErrorCode>(
  Object.entries(GRPC_STATUS_BY_CODE).map(([code, status]) => [status, code as ErrorCode]),
);

/** The status a server answers with for `err` (anything not a MaestroError is `INTERNAL`). */
export function grpcStatusOf(err: unknown): StatusObject {
  const error = toMaestroError(err);
  return { code: GRPC_STATUS_BY_CODE[error.code], details: error.message, metadata: new Metadata() };
}

/** A grpc-js `ServiceError` for a unary callback or a stream's `error` event. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const status = grpcStatusOf(err);
  return { code: status.code, details: status.details, message: status.details, metadata: status.metadata };
}

/**
 * The MaestroError for a failed call: same code (statuses Maestro has no code for, such as `UNKNOWN`
 * from upstream servers, become `INTERNAL`; `OUT_OF_RANGE` becomes `INVALID_ARGUMENT`) and the
 * server's message.
 */
export function fromGrpcError(err: unknown): MaestroError {
  if (err instanceof MaestroError) return err;
  const serviceError = err as Partial<ServiceError>;
  if (typeof serviceError.code !== 'number') return toMaestroError(err);
  const code =
    serviceError.code === GrpcStatus.OUT_OF_RANGE
      ? 'INVALID_ARGUMENT'
      : (CODE_BY_GRPC_STATUS.get(serviceError.code) ?? 'INTERNAL');
  const details = serviceError.details ?? serviceError.message ?? 'unknown error';
  return new MaestroError(code, details, { cause: err });
}
