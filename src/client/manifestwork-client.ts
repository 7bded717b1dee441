/**
 * ManifestWorks of one consumer, as the Go SDK's `ManifestWorks(namespace)` client (server.md §9.1):
 * works are addressed by name, their id is the upstream UUIDv5 of source, consumer and name (so a work
 * created by the Go SDK is found by name here and vice versa), reads go over REST and writes are
 * CloudEvents published over gRPC.
 */
import { MaestroError } from '../common/errors.ts';
import { withSourceIdentity } from '../work/source-codec.ts';
import type { ManifestWork } from '../work/types.ts';
import { workUid } from '../work/work-uid.ts';
import type { MaestroConnection } from './connection.ts';
import { AlreadyExistsError, InvalidError, NotFoundError } from './errors.ts';
import { patchManifestWork } from './merge-patch.ts';
import { createResourceBundleClient, MAX_LIST_PAGE_SIZE } from './resource-bundle-client.ts';
import type { CallOptions } from './resource-bundle-client.ts';
import { toManifestWork } from './resource-bundle.ts';
import type { WatchEvent } from './work-watch.ts';

/** Options of {@link ManifestWorkClient.list}. */
export interface ListOptions extends CallOptions {
  /** Kubernetes label selector, e.g. `app=web,tier in (a,b)`; default everything. */
  labelSelector?: string;
  /** Most works per page (at most 400); default: all works, in as many requests as needed. */
  limit?: number;
  /** The `continue` token of the previous page. */
  continue?: string;
}

/** A page of works. */
export interface ManifestWorkList {
  items: ManifestWork[];
  /** Pass as `continue` to get the next page; absent on the last page. */
  continue?: string;
}

/** Options of {@link ManifestWorkClient.patch}. */
export interface PatchOptions extends CallOptions {
  /**
   * Fail with `ConflictError` unless the work is still at this version (also read from the patch's
   * `metadata.resourceVersion`); default: patch whatever the current version is.
   */
  resourceVersion?: string;
}

/** Options of {@link ManifestWorkClient.watch}. */
export interface WatchOptions {
  /** Kubernetes label selector; default everything. */
  labelSelector?: string;
  /** Ends the watch when aborted. */
  signal?: AbortSignal;
}

/** ManifestWork CRUD and watch for one consumer; see the module comment. */
export interface ManifestWorkClient {
  /** The consumer (cluster) name, the works' namespace. */
  readonly namespace: string;
  /** The id the work `name` has (UUIDv5 of source, consumer and name). */
  idOf(name: string): string;
  /**
   * Creates the work (its `metadata.name` is required; the namespace is set to the consumer) and returns
   * it as stored. {@link AlreadyExistsError} when a work of that name exists.
   */
  create(work: ManifestWork, options?: CallOptions): Promise<ManifestWork>;
  /** The work `name` with its latest status; {@link NotFoundError} when there is none. */
  get(name: string, options?: CallOptions): Promise<ManifestWork>;
  /** The works of this consumer and source, filtered by label selector, a page at a time when `limit` is set. */
  list(options?: ListOptions): Promise<ManifestWorkList>;
  /**
   * Applies a JSON merge patch to the labels, annotations, finalizers, owner references and spec of the
   * work and returns it as stored. `ConflictError` when the work changed since the version required or
   * is being deleted; {@link NotFoundError} when it does not exist.
   */
  patch(name: string, patch: unknown, options?: PatchOptions): Promise<ManifestWork>;
  /** Deletes the work (the agent removes its resources first); a missing work is not an error. */
  delete(name: string, options?: CallOptions): Promise<void>;
  /**
   * Watches the works: each matching work once as `MODIFIED`, then every status change, `DELETED` when
   * a work is gone. Reconnects and relists by itself; ends when `signal` aborts or the loop breaks.
   */
  watch(options?: WatchOptions): AsyncIterableIterator<WatchEvent>;
}

/** Creates the {@link ManifestWorkClient} of consumer `namespace` on `connection`. */
export function createManifestWorkClient(
  connection: MaestroConnection,
  namespace: string,
): ManifestWorkClient {
  if (namespace === '') throw new InvalidError('the consumer name (namespace) must not be empty');
  const bundles = createResourceBundleClient(connection);
  const source = connection.sourceId;
  const idOf = (name: string): string => workUid(source, namespace, name);
  const searchFor = (labelSelector: string | undefined): string =>
    bundles.searchFor({ consumer: namespace, ...(labelSelector === undefined ? {} : { labelSelector }) });

  const get = async (name: string, options?: CallOptions): Promise<ManifestWork> => {
    if (name === '') throw new InvalidError('manifestwork name must not be empty');
    try {
      return toManifestWork(await bundles.get(idOf(name), options));
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(`manifestwork '${namespace}/${name}' not found`, { cause: err });
      }
      throw err;
    }
  };

  const listAll = async (search: string, options?: CallOptions): Promise<ManifestWork[]> =>
    (await bundles.listAll(search, options)).map(toManifestWork);

  return {
    namespace,
    idOf,
    async create(work, options) {
      if (work.metadata.namespace && work.metadata.namespace !== namespace) {
        throw new InvalidError(
          `manifestwork namespace '${work.metadata.namespace}' does not match the consumer '${namespace}'`,
        );
      }
      let identified: ManifestWork;
      try {
        identified = withSourceIdentity({ ...work, metadata: { ...work.metadata } }, source, namespace);
      } catch (err) {
        throw err instanceof MaestroError ? new InvalidError(err.message, { cause: err }) : err;
      }
      const name = identified.metadata.name!;
      const existing = await get(name, options).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (existing !== undefined) {
        throw new AlreadyExistsError(`manifestwork '${namespace}/${name}' already exists`);
      }
      delete identified.status;
      const stored = await bundles.write(identified, 'create_request', options);
      return toManifestWork(stored!);
    },
    get,
    async list(options = {}) {
      const search = searchFor(options.labelSelector);
      if (options.limit === undefined || options.limit <= 0) return { items: await listAll(search, options) };
      const size = Math.min(options.limit, MAX_LIST_PAGE_SIZE);
      const page = options.continue === undefined || options.continue === '' ? 1 : Number(options.continue);
      if (!Number.isSafeInteger(page) || page < 1) {
        throw new InvalidError(`invalid continue token '${options.continue}'`);
      }
      const result = await bundles.list({
        search,
        page,
        size,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const items = result.items.map(toManifestWork);
      return page * size < result.total ? { items, continue: String(page + 1) } : { items };
    },
    async patch(name, patch, options = {}) {
      const current = await get(name, options);
      const { work, expectedVersion } = patchManifestWork(current, patch);
      const required =
        options.resourceVersion === undefined ? expectedVersion : Number(options.resourceVersion);
      if (required !== undefined && !Number.isSafeInteger(required)) {
        throw new InvalidError(`resource version '${options.resourceVersion}' is not an integer`);
      }
      // The server rejects a version that is not the latest (ConflictError); without a precondition,
      // the version just read is used, so a concurrent write in between is also a conflict.
      work.metadata.generation = required ?? current.metadata.generation;
      delete work.status;
      const stored = await bundles.write(work, 'update_request', options);
      return toManifestWork(stored!);
    },
    async delete(name, options) {
      let current: ManifestWork;
      try {
        current = await get(name, options);
      } catch (err) {
        if (err instanceof NotFoundError) return;
        throw err;
      }
      await bundles.write({ ...current, spec: { workload: {} } }, 'delete_request', options);
    },
    watch(options = {}) {
      return bundles.watch({ ...options, consumer: namespace });
    },
  };
}
