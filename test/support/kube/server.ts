/**
 * `startKubeTestServer`: a Kubernetes API server stand-in over node:http with an in-memory store,
 * for tests and for trying the agent without a cluster. See README.md for what it emulates.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { MaestroError } from '../../../src/common/errors.ts';
import type { Logger } from '../../../src/common/logger.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import type { AccessRule } from './authorization.ts';
import { authenticate } from './authorization.ts';
import { Controllers } from './controllers.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { KubeStatusError, internalError, pathNotFound } from './errors.ts';
import type { DelaySpec, FailureSpec, KubeVerb } from './faults.ts';
import { FaultInjector } from './faults.ts';
import type { HandlerContext } from './handlers.ts';
import { handleResource } from './handlers.ts';
import { sendError, sendJson } from './http-io.ts';
import { kubeConfigFor, writeKubeconfigFile } from './kubeconfig.ts';
import { present } from './presentation.ts';
import { ResourceRegistry } from './registry.ts';
import { ResourceService } from './resource-service.ts';
import { parseTarget } from './routes.ts';
import { ObjectStore, resourceKey } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { parseApiVersion } from './types.ts';

/** Options of {@link startKubeTestServer}. */
export interface KubeTestServerOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** Require this bearer token (`true`: generate one). Default: no authentication. */
  token?: string | boolean;
  /** Write a kubeconfig for the server to this path once it listens. */
  kubeconfigPath?: string;
  /** Rules deciding impersonated requests and access reviews; default: everything allowed. */
  accessRules?: AccessRule[];
  /** Period of watch BOOKMARK events when a client allows them; default 60000 ms (the real server sends about one a minute). */
  bookmarkIntervalMs?: number;
  /** Events kept for resuming watches; default 10000. Older resourceVersions get 410 Expired. */
  watchHistorySize?: number;
  /** Namespaces present at start; default `default`, `kube-system`, `kube-public`, `kube-node-lease`. */
  namespaces?: string[];
  /** Where the server logs; default silent. */
  logger?: Logger;
}

/** Identifies one object for {@link KubeTestServer.get}. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** One request the server received (after routing), for assertions on what a client sent. */
export interface RecordedRequest {
  verb: KubeVerb;
  method: string;
  path: string;
  /** Plural resource name. */
  resource: string;
  group: string;
  contentType?: string;
  fieldManager?: string;
  dryRun: boolean;
}

/** A running test API server. */
export interface KubeTestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** The bearer token clients must send, when authentication is on. */
  readonly token: string | undefined;
  /** Where the kubeconfig was written, when `kubeconfigPath` was given. */
  readonly kubeconfigPath: string | undefined;
  /** A client-node `KubeConfig` for this server (current context namespace `default`). */
  kubeConfig(): KubeConfig;
  /** Writes a kubeconfig for this server to `path`. */
  writeKubeconfig(path: string): Promise<void>;
  /**
   * Stores an object directly: like a create (uid, resourceVersion, defaults), but keeping the given
   * `status` and creating a missing namespace. Returns the stored object as served.
   */
  seed(object: KubeObject): KubeObject;
  /** The object as served, or undefined. */
  get(ref: ObjectRef): KubeObject | undefined;
  /** The objects of a kind (in one namespace, or all), as served. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Makes the next `count` requests of a verb fail with the given status. */
  injectFailure(spec: FailureSpec): void;
  /** Delays requests of a verb. */
  delay(spec: DelaySpec): void;
  /** Disarms every injected failure and delay. */
  clearFaults(): void;
  /** Replaces the access rules (undefined: allow everything). */
  setAccessRules(rules: AccessRule[] | undefined): void;
  /** The requests received so far, oldest first (the last 10000). */
  requests(): readonly RecordedRequest[];
  /** Closes watches and connections and stops listening. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function resourceOf(registry: ResourceRegistry, apiVersion: string, kind: string): ResourceType {
  const { group, version } = parseApiVersion(apiVersion);
  const resource = registry.byKind(group, version, kind);
  if (resource === undefined)
    throw new MaestroError('NOT_FOUND', `kind '${kind}' of '${apiVersion}' is not served`);
  return resource;
}

/** Starts a test API server; resolves once it listens. */
export async function startKubeTestServer(options: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  const logger = (options.logger ?? createSilentLogger()).child({ component: 'kube-test-server' });
  const token =
    options.token === true
      ? randomBytes(24).toString('hex')
      : typeof options.token === 'string'
        ? options.token
        : undefined;
  const store = new ObjectStore(
    options.watchHistorySize === undefined ? {} : { historySize: options.watchHistorySize },
  );
  const registry = new ResourceRegistry();
  const service = new ResourceService(store, registry);
  const controllers = new Controllers(service, logger);
  const faults = new FaultInjector();
  let accessRules = options.accessRules;
  const log: RecordedRequest[] = [];
  let current: { method: string; path: string; contentType?: string } = { method: '', path: '' };

  const namespaces = resourceOf(registry, 'v1', 'Namespace');
  for (const name of options.namespaces ?? DEFAULT_NAMESPACES) {
    service.create(namespaces, undefined, { metadata: { name } }, { fieldManager: 'kube-apiserver' });
  }

  const context: HandlerContext = {
    service,
    registry,
    faults,
    accessRules: () => accessRules,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    watches: new Set(),
    record: (verb, resource, query) => {
      const entry: RecordedRequest = {
        verb,
        method: current.method,
        path: current.path,
        resource: resource.plural,
        group: resource.group,
        dryRun: query.getAll('dryRun').includes('All'),
      };
      if (current.contentType !== undefined) entry.contentType = current.contentType;
      const fieldManager = query.get('fieldManager');
      if (fieldManager !== null) entry.fieldManager = fieldManager;
      log.push(entry);
      if (log.length > 10_000) log.shift();
    },
  };

  let address = '';
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    current = { method: request.method ?? 'GET', path: url.pathname };
    if (request.headers['content-type'] !== undefined) current.contentType = request.headers['content-type'];
    const target = parseTarget(url.pathname);
    if (target?.type === 'health') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (target?.type === 'version') {
      sendJson(response, 200, versionInfo());
      return;
    }
    const user = authenticate(request.headers, token);
    if (target === undefined) throw pathNotFound();
    switch (target.type) {
      case 'apiVersions':
        sendJson(response, 200, apiVersions(address));
        return;
      case 'groupList':
        sendJson(response, 200, apiGroupList(registry));
        return;
      case 'group':
        sendJson(response, 200, apiGroup(registry, target.group));
        return;
      case 'resourceList':
        sendJson(response, 200, apiResourceList(registry, target.group, target.version));
        return;
      case 'resource':
        await handleResource(context, target, url.searchParams, request, response, user);
        return;
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (err instanceof KubeStatusError) {
        sendError(response, err);
        return;
      }
      logger.error({ err }, 'request failed');
      sendError(response, internalError(err instanceof Error ? err.message : String(err)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  address = `${host}:${port}`;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (options.kubeconfigPath !== undefined) await writeKubeconfigFile(options.kubeconfigPath, url, token);
  logger.info({ url }, 'kube test server listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    kubeconfigPath: options.kubeconfigPath,
    kubeConfig: () => kubeConfigFor(url, token),
    writeKubeconfig: (path) => writeKubeconfigFile(path, url, token),
    seed: (object) =>
      service.seed(resourceOf(registry, object.apiVersion ?? 'v1', object.kind ?? ''), object),
    get: (ref) => {
      const resource = resourceOf(registry, ref.apiVersion, ref.kind);
      const found = service.find(resource, ref.namespace, ref.name);
      return found === undefined ? undefined : present(resource, found);
    },
    list: (apiVersion, kind, namespace) => {
      const resource = resourceOf(registry, apiVersion, kind);
      return store
        .list(resourceKey(resource), resource.namespaced ? namespace : undefined)
        .map((o) => present(resource, o));
    },
    injectFailure: (spec) => faults.injectFailure(spec),
    delay: (spec) => faults.delay(spec),
    clearFaults: () => faults.clear(),
    setAccessRules: (rules) => {
      accessRules = rules;
    },
    requests: () => [...log],
    stop: () => {
      stopped ??= (async () => {
        controllers.stop();
        for (const watch of context.watches) watch.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        logger.info('kube test server stopped');
      })();
      return stopped;
    },
  };
}
