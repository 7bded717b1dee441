/**
 * The REST error catalogue and the one mapping from thrown errors to upstream's error body
 * `{kind:"Error", id, href, code:"maestro-<n>", reason, operation_id}` (server.md §2.2).
 */
import { isMaestroError } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { isSearchError } from './search/index.ts';

/** Base path of the v1 API. */
export const API_V1_PATH = '/api/maestro/v1';

/** One upstream error code with its default reason and HTTP status. */
export interface ApiErrorDefinition {
  code: number;
  reason: string;
  httpStatus: number;
}

/** Upstream's error codes (`pkg/errors/errors.go`), served by `/errors` and used in error bodies. */
export const API_ERRORS: readonly ApiErrorDefinition[] = [
  { code: 1, reason: 'Invalid token provided', httpStatus: 403 },
  { code: 4, reason: 'Forbidden to perform this action', httpStatus: 403 },
  { code: 6, reason: 'An entity with the specified unique values already exists', httpStatus: 409 },
  { code: 7, reason: 'Resource not found', httpStatus: 404 },
  { code: 8, reason: 'General validation failure', httpStatus: 400 },
  { code: 9, reason: 'Unspecified error', httpStatus: 500 },
  { code: 10, reason: 'HTTP Method not implemented for this endpoint', httpStatus: 405 },
  { code: 11, reason: 'Account is unauthorized to perform this action', httpStatus: 403 },
  { code: 15, reason: 'Account authentication could not be verified', httpStatus: 401 },
  { code: 17, reason: 'Unable to read request body', httpStatus: 400 },
  { code: 21, reason: 'Bad request', httpStatus: 400 },
  { code: 23, reason: 'Failed to parse search query', httpStatus: 400 },
  { code: 26, reason: 'Database advisory lock error', httpStatus: 500 },
];

/** Named upstream codes used by the handlers. */
export const API_ERROR_CODE = {
  forbidden: 4,
  conflict: 6,
  notFound: 7,
  validation: 8,
  general: 9,
  notImplemented: 10,
  unauthorized: 11,
  unauthenticated: 15,
  malformedRequest: 17,
  badRequest: 21,
  failedToParseSearch: 23,
} as const;

/** The JSON error body. */
export interface ApiErrorBody {
  kind: 'Error';
  id: string;
  href: string;
  code: string;
  reason: string;
  operation_id?: string;
}

/** An error ready to send: HTTP status plus body. */
export interface ApiErrorResponse {
  httpStatus: number;
  body: ApiErrorBody;
}

/**
 * An error raised by the REST layer itself with an explicit upstream code (malformed body, bad
 * paging parameters, forbidden consumer delete…).
 */
export class ApiError extends Error {
  readonly apiCode: number;
  readonly httpStatus: number;

  constructor(apiCode: number, reason: string, httpStatus?: number) {
    super(reason);
    this.name = 'ApiError';
    this.apiCode = apiCode;
    this.httpStatus = httpStatus ?? findApiError(apiCode)?.httpStatus ?? 500;
  }
}

/** The definition of upstream error `code`, or undefined. */
export function findApiError(code: number): ApiErrorDefinition | undefined {
  return API_ERRORS.find((e) => e.code === code);
}

/** The body of error `code` as listed by `/errors` (no operation id). */
export function presentApiError(definition: ApiErrorDefinition, reason = definition.reason): ApiErrorBody {
  return {
    kind: 'Error',
    id: String(definition.code),
    href: `${API_V1_PATH}/errors/${definition.code}`,
    code: `maestro-${definition.code}`,
    reason,
  };
}

const CODE_BY_MAESTRO_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  INVALID_ARGUMENT: API_ERROR_CODE.validation,
  NOT_FOUND: API_ERROR_CODE.notFound,
  ALREADY_EXISTS: API_ERROR_CODE.conflict,
  ABORTED: API_ERROR_CODE.conflict,
  FAILED_PRECONDITION: API_ERROR_CODE.conflict,
  PERMISSION_DENIED: API_ERROR_CODE.forbidden,
  UNAUTHENTICATED: API_ERROR_CODE.unauthenticated,
  UNIMPLEMENTED: API_ERROR_CODE.notImplemented,
};

/**
 * Maps anything thrown by a handler to the response upstream would send. Unavailable databases are
 * reported as 503 (upstream says 500) so load balancers and clients can tell "retry" from "bug".
 */
export function toApiErrorResponse(err: unknown, operationId: string): ApiErrorResponse {
  let code: number = API_ERROR_CODE.general;
  let httpStatus: number | undefined;
  let reason = 'internal error';
  if (err instanceof ApiError) {
    code = err.apiCode;
    httpStatus = err.httpStatus;
    reason = err.message;
  } else if (isSearchError(err)) {
    code = API_ERROR_CODE.failedToParseSearch;
    reason = err.message;
  } else if (isMaestroError(err)) {
    code = CODE_BY_MAESTRO_CODE[err.code] ?? API_ERROR_CODE.general;
    reason = err.message;
    if (err.code === 'UNAVAILABLE') httpStatus = 503;
  }
  const definition = findApiError(code) ?? findApiError(API_ERROR_CODE.general)!;
  return {
    httpStatus: httpStatus ?? definition.httpStatus,
    body: { ...presentApiError(definition, reason), operation_id: operationId },
  };
}
