import { MaestroError } from '../../../common/errors.ts';

/**
 * A `search` query that cannot be parsed or compiled. A subclass because the REST layer reports it
 * with upstream's dedicated error code (23, "Failed to parse search query") instead of the generic
 * validation code; `position` is the 1-based character where the problem starts.
 */
export class SearchError extends MaestroError {
  readonly position: number;

  constructor(problem: string, position: number) {
    super('INVALID_ARGUMENT', `failed to parse search query: ${problem} at position ${position}`);
    this.name = 'SearchError';
    this.position = position;
  }
}

/** True when `err` is a {@link SearchError}. */
export function isSearchError(err: unknown): err is SearchError {
  return err instanceof SearchError;
}
