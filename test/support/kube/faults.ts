/**
 * Failure injection for tests: make the next N requests of a verb fail with 500/503/429/409, or
 * answer after a delay, so retry and backoff paths can be exercised against the test server.
 */
import type { KubeStatusError } from './errors.ts';
import { conflict, internalError, serviceUnavailable, tooManyRequests } from './errors.ts';

/** A Kubernetes request verb (as RBAC names them). */
export type KubeVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Options of {@link FaultInjector.injectFailure}. */
export interface FailureSpec {
  verb: KubeVerb;
  /** The HTTP status to answer with; the body is the matching Status. */
  status: 500 | 503 | 429 | 409;
  /** How many matching requests fail; default 1. */
  count?: number;
  /** Only requests for this plural resource (e.g. `configmaps`); default any. */
  resource?: string;
}

/** Options of {@link FaultInjector.delay}. */
export interface DelaySpec {
  verb: KubeVerb;
  ms: number;
  /** How many matching requests are delayed; default every one until cleared. */
  count?: number;
  resource?: string;
}

interface Armed<T> {
  spec: T;
  remaining: number;
}

/** Holds the armed failures and delays; the request pipeline consults it once per request. */
export class FaultInjector {
  #failures: Armed<FailureSpec>[] = [];
  #delays: Armed<DelaySpec>[] = [];

  /** Arms a failure. */
  injectFailure(spec: FailureSpec): void {
    this.#failures.push({ spec, remaining: spec.count ?? 1 });
  }

  /** Arms a delay. */
  delay(spec: DelaySpec): void {
    this.#delays.push({ spec, remaining: spec.count ?? Number.POSITIVE_INFINITY });
  }

  /** Disarms everything. */
  clear(): void {
    this.#failures = [];
    this.#delays = [];
  }

  /** The delay for this request in ms (0 when none), consuming one use. */
  takeDelay(verb: KubeVerb, resource: string): number {
    const armed = this.#delays.find(
      (d) => d.remaining > 0 && d.spec.verb === verb && (d.spec.resource ?? resource) === resource,
    );
    if (armed === undefined) return 0;
    armed.remaining--;
    return armed.spec.ms;
  }

  /** The injected error for this request, if one is armed (consuming one use). */
  takeFailure(
    verb: KubeVerb,
    resource: { group: string; plural: string },
    name: string,
  ): KubeStatusError | undefined {
    const armed = this.#failures.find(
      (f) =>
        f.remaining > 0 && f.spec.verb === verb && (f.spec.resource ?? resource.plural) === resource.plural,
    );
    if (armed === undefined) return undefined;
    armed.remaining--;
    switch (armed.spec.status) {
      case 429:
        return tooManyRequests(1);
      case 409:
        return conflict(resource, name);
      case 503:
        return serviceUnavailable();
      default:
        return internalError('injected failure');
    }
  }
}
