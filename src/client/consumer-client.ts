/**
 * Consumers (the registered clusters) over REST: create, get, list, replace labels, delete.
 */
import type { MaestroConnection } from './connection.ts';
import { InvalidError } from './errors.ts';
import type { CallOptions } from './resource-bundle-client.ts';
import type { Consumer, RestList, RestListOptions } from './rest-types.ts';

/** What a new consumer is made of. */
export interface ConsumerInput {
  /** An RFC 1123 label; default: the generated id. */
  name?: string;
  labels?: Record<string, string>;
}

/** Consumer CRUD; see the module comment. */
export interface ConsumerClient {
  /** Registers a consumer; `AlreadyExistsError` when the name is taken. */
  create(input: ConsumerInput, options?: CallOptions): Promise<Consumer>;
  /** The consumer with this **id**; `NotFoundError` when there is none. */
  get(id: string, options?: CallOptions): Promise<Consumer>;
  /** One page of consumers, optionally filtered (e.g. `search: "name = 'cluster1'"`). */
  list(options?: RestListOptions & CallOptions): Promise<RestList<Consumer>>;
  /** Replaces the consumer's labels (`{}` removes them all) and returns it. */
  updateLabels(id: string, labels: Record<string, string>, options?: CallOptions): Promise<Consumer>;
  /**
   * Deletes the consumer. `NotFoundError` when there is none; refused (`PERMISSION_DENIED`, as
   * upstream) while resource bundles still reference it.
   */
  delete(id: string, options?: CallOptions): Promise<void>;
}

function idPath(id: string): string {
  if (id === '') throw new InvalidError('consumer id must not be empty');
  return `/consumers/${encodeURIComponent(id)}`;
}

/** Creates a {@link ConsumerClient} on `connection` (REST only; no gRPC connection is opened). */
export function createConsumerClient(connection: MaestroConnection): ConsumerClient {
  const rest = connection.rest;
  return {
    create(input, options = {}) {
      return rest.send<Consumer>({ method: 'POST', path: '/consumers', body: input, ...options });
    },
    async get(id, options = {}) {
      return rest.send<Consumer>({ method: 'GET', path: idPath(id), ...options });
    },
    list(options = {}) {
      const { signal, ...query } = options;
      return rest.send<RestList<Consumer>>({
        method: 'GET',
        path: '/consumers',
        query: { ...query },
        ...(signal === undefined ? {} : { signal }),
      });
    },
    async updateLabels(id, labels, options = {}) {
      return rest.send<Consumer>({ method: 'PATCH', path: idPath(id), body: { labels }, ...options });
    },
    async delete(id, options = {}) {
      await rest.send<void>({ method: 'DELETE', path: idPath(id), ...options });
    },
  };
}
