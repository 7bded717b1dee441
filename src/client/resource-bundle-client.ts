/**
 * Resource bundles by id: REST reads and gRPC writes as the connection's source. The ManifestWork
 * client builds on it; the CLI's `resourcebundle` commands use it directly.
 */
import { randomUUID } from 'node:crypto';
import { encodeSpecRequest } from '../work/source-codec.ts';
import type { SpecRequestAction } from '../work/source-codec.ts';
import { SEQUENCE_ID_ANNOTATION } from '../work/types.ts';
import type { ManifestWork } from '../work/types.ts';
import type { MaestroConnection } from './connection.ts';
import { parseLabelSelector, quoteSearchLiteral, toLabelSearch } from './label-selector.ts';
import { ConflictError, InvalidError } from './errors.ts';
import { toManifestWork, workFromBundleInput } from './resource-bundle.ts';
import { startWorkWatch } from './work-watch.ts';
import type { WatchEvent } from './work-watch.ts';
import type { ResourceBundleInput } from './resource-bundle.ts';
import type { ResourceBundle, RestList, RestListOptions } from './rest-types.ts';

/** Largest page the SDK asks for when it lists everything (as the Go SDK's pager). */
export const MAX_LIST_PAGE_SIZE = 400;

/** Options of a single call. */
export interface CallOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** Which works a search or watch of this source covers. */
export interface WorkFilter {
  /** Only this consumer's works; default every consumer. */
  consumer?: string;
  /** Kubernetes label selector on the works' labels, e.g. `app=web,tier in (a,b)`. */
  labelSelector?: string;
}

/** Options of {@link ResourceBundleClient.watch}. */
export interface BundleWatchOptions extends WorkFilter {
  /** Ends the watch when aborted. */
  signal?: AbortSignal;
}

/** What {@link ResourceBundleClient.apply} did. */
export interface ApplyResult {
  id: string;
  action: 'created' | 'updated';
  /** The bundle as the server stores it after the write. */
  bundle: ResourceBundle;
}

/** Resource bundles by id; see the module comment. */
export interface ResourceBundleClient {
  /** The bundle `id` (soft-deleted ones included); `NotFoundError` when there is none. */
  get(id: string, options?: CallOptions): Promise<ResourceBundle>;
  /** One page of bundles (all sources), optionally filtered with the server's search language. */
  list(options?: RestListOptions & CallOptions): Promise<RestList<ResourceBundle>>;
  /** Every bundle matching `search`, fetched in pages of {@link MAX_LIST_PAGE_SIZE}. */
  listAll(search?: string, options?: CallOptions): Promise<ResourceBundle[]>;
  /**
   * Creates the bundle (no `id`: a new random id) or updates it at its current version (with `id`;
   * a `version` that is not the current one is a {@link ConflictError}). Needs at least one manifest.
   */
  apply(input: ResourceBundleInput, options?: CallOptions): Promise<ApplyResult>;
  /**
   * Publishes a spec request for `work` (identified by its `uid`, consumer = namespace, version =
   * `generation`) and returns the bundle as stored afterwards.
   */
  write(
    work: ManifestWork,
    action: SpecRequestAction,
    options?: CallOptions,
  ): Promise<ResourceBundle | undefined>;
  /**
   * The REST search for the works of this connection's source matching `filter` (label selectors are
   * translated into JSONB predicates on `payload->'metadata'->'labels'`).
   */
  searchFor(filter: WorkFilter): string;
  /**
   * Watches the works of this connection's source as ManifestWorks (see `ManifestWorkClient.watch`):
   * each matching work once as `MODIFIED`, then every status change, `DELETED` when one is gone.
   */
  watch(options?: BundleWatchOptions): AsyncIterableIterator<WatchEvent>;
  /**
   * Marks the bundle for deletion (the agent removes its resources, then the server the bundle).
   * `NotFoundError` when there is no such bundle.
   */
  delete(id: string, options?: CallOptions): Promise<void>;
}

/** The metadata a source sends: without the relayed sequence id annotation. */
function specMetadata(work: ManifestWork): ManifestWork {
  const annotations = { ...work.metadata.annotations };
  delete annotations[SEQUENCE_ID_ANNOTATION];
  const { annotations: _dropped, ...rest } = work.metadata;
  return {
    ...work,
    metadata: Object.keys(annotations).length === 0 ? rest : { ...rest, annotations },
  };
}

/** Creates a {@link ResourceBundleClient} on `connection`. */
export function createResourceBundleClient(connection: MaestroConnection): ResourceBundleClient {
  const rest = connection.rest;

  const get = (id: string, options: CallOptions = {}): Promise<ResourceBundle> => {
    if (id === '') return Promise.reject(new InvalidError('resource bundle id must not be empty'));
    return rest.send<ResourceBundle>({
      method: 'GET',
      path: `/resource-bundles/${encodeURIComponent(id)}`,
      ...options,
    });
  };

  const searchFor = (filter: WorkFilter): string => {
    const terms = [`source=${quoteSearchLiteral(connection.sourceId)}`];
    if (filter.consumer !== undefined) terms.push(`consumer_name=${quoteSearchLiteral(filter.consumer)}`);
    const labels = toLabelSearch(parseLabelSelector(filter.labelSelector ?? ''));
    if (labels !== '') terms.push(labels);
    return terms.join(' and ');
  };

  const client: ResourceBundleClient = {
    get,
    searchFor,
    watch(options = {}) {
      const search = searchFor(options);
      return startWorkWatch({
        connection,
        ...(options.consumer === undefined ? {} : { namespace: options.consumer }),
        requirements: parseLabelSelector(options.labelSelector ?? ''),
        list: async (signal) => (await client.listAll(search, { signal })).map(toManifestWork),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    },
    list(options = {}) {
      const { signal, ...query } = options;
      return rest.send<RestList<ResourceBundle>>({
        method: 'GET',
        path: '/resource-bundles',
        query: { ...query },
        ...(signal === undefined ? {} : { signal }),
      });
    },
    async listAll(search, options = {}) {
      const items: ResourceBundle[] = [];
      for (let page = 1; ; page++) {
        const list = await client.list({ search, page, size: MAX_LIST_PAGE_SIZE, ...options });
        items.push(...list.items);
        if (list.items.length < MAX_LIST_PAGE_SIZE || page * MAX_LIST_PAGE_SIZE >= list.total) return items;
      }
    },
    async apply(input, options = {}) {
      if (typeof input.consumer_name !== 'string' || input.consumer_name === '') {
        throw new InvalidError('the resource bundle needs a consumer_name');
      }
      if (!Array.isArray(input.manifests) || input.manifests.length === 0) {
        throw new InvalidError('the resource bundle needs at least one manifest');
      }
      if (input.id === undefined || input.id === '') {
        const id = randomUUID();
        const bundle = await client.write(workFromBundleInput(input, id), 'create_request', options);
        return { id, action: 'created', bundle: bundle! };
      }
      const current = await get(input.id, options);
      if (input.version !== undefined && input.version !== current.version) {
        throw new ConflictError(
          `resource bundle '${input.id}' is at version ${current.version}, not ${input.version}`,
        );
      }
      if (current.consumer_name !== input.consumer_name) {
        throw new InvalidError(
          `resource bundle '${input.id}' belongs to consumer '${current.consumer_name}', not '${input.consumer_name}'`,
        );
      }
      const work = workFromBundleInput(
        { ...input, metadata: { ...current.metadata, ...input.metadata } },
        input.id,
      );
      work.metadata.generation = current.version;
      const bundle = await client.write(work, 'update_request', options);
      return { id: input.id, action: 'updated', bundle: bundle! };
    },
    async write(work, action, options = {}) {
      await connection.publish(
        encodeSpecRequest(specMetadata(work), { source: connection.sourceId, action }),
      );
      if (action === 'delete_request') return undefined;
      return get(work.metadata.uid!, options);
    },
    async delete(id, options = {}) {
      const current = await get(id, options);
      const work: ManifestWork = {
        metadata: {
          ...current.metadata,
          uid: current.id,
          namespace: current.consumer_name,
          generation: current.version,
        },
        spec: { workload: {} },
      };
      await client.write(work, 'delete_request', options);
    },
  };
  return client;
}
