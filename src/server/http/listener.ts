/**
 * Shared plumbing for the server's three HTTP listeners (REST, health, metrics): binding (port 0
 * works) and per-request hooks — the `X-Operation-ID` header (taken
 * from the request or generated, and echoed), one JSON log line per request and, for REST, the
 * request metrics.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../common/logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';

/** Request/response header carrying the operation id. */
export const OPERATION_ID_HEADER = 'x-operation-id';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const OPERATION_ID = /^[\w.:-]{1,128}$/;
const operationIds = new WeakMap<FastifyRequest, string>();
const startTimes = new WeakMap<FastifyRequest, bigint>();

/** A new 27-character base62 id (the length and alphabet of upstream's KSUIDs). */
export function newOperationId(): string {
  const bytes = randomBytes(27);
  let id = '';
  for (const byte of bytes) id += BASE62[byte % 62];
  return id;
}

/** The operation id of a request (set by the hooks of {@link installRequestHooks}). */
export function operationIdOf(request: FastifyRequest): string {
  return operationIds.get(request) ?? '';
}

/** Options for {@link installRequestHooks}. */
export interface RequestHookOptions {
  logger: Logger;
  /** Level of the per-request log line: `info` for REST, `debug` for health and metrics. */
  level: 'info' | 'debug';
  /** REST request metrics, when this listener should count requests. */
  metrics?: Pick<ServerMetrics, 'restRequestCount' | 'restRequestDuration'>;
}

/** The route template as a bounded metrics label: path parameters become `-` (upstream's form). */
function routeLabel(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  return url === undefined ? 'unmatched' : url.replace(/:[^/]+/g, '-');
}

/** Installs the operation-id, logging and metrics hooks on `app`. */
export function installRequestHooks(app: FastifyInstance, options: RequestHookOptions): void {
  const { logger, level, metrics } = options;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    startTimes.set(request, process.hrtime.bigint());
    const given = request.headers[OPERATION_ID_HEADER];
    const id = typeof given === 'string' && OPERATION_ID.test(given) ? given : newOperationId();
    operationIds.set(request, id);
    reply.header(OPERATION_ID_HEADER, id);
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const started = startTimes.get(request) ?? process.hrtime.bigint();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const path = request.url.split('?')[0] ?? request.url;
    logger[level](
      {
        method: request.method,
        path,
        status: reply.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        operationId: operationIdOf(request),
      },
      'request',
    );
    if (metrics !== undefined) {
      const labels = { method: request.method, path: routeLabel(request), code: String(reply.statusCode) };
      metrics.restRequestCount.inc(labels);
      metrics.restRequestDuration.observe(labels, seconds);
    }
  });
}

/** Where a listener ended up. */
export interface ListenerAddress {
  host: string;
  port: number;
}

/**
 * Binds `app` to `host:port` (0 picks a free port; an empty host means every interface) and returns
 * the bound address; the server logs the `listening` line for it.
 */
export async function startListener(
  app: FastifyInstance,
  options: { host: string; port: number },
): Promise<ListenerAddress> {
  await app.listen({ host: options.host === '' ? '0.0.0.0' : options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { host: options.host, port };
}

/** A listener with idempotent `start`/`stop`; the REST, health and metrics servers are each one. */
export interface ManagedListener {
  /** Builds the app and binds it (once; later calls share the first start); resolves with the address. */
  start(): Promise<ListenerAddress>;
  /** Stops accepting and waits for requests in flight; a no-op when not started. */
  stop(): Promise<void>;
  /** The bound address once started. */
  address(): ListenerAddress | undefined;
}

/**
 * Wraps an app factory in the start/stop lifecycle shared by the server's HTTP listeners: `build` runs
 * on each start (so a stopped listener can start again with a fresh app), and `stop` waits for a start
 * in progress before closing.
 */
export function createManagedListener(
  build: () => FastifyInstance | Promise<FastifyInstance>,
  options: { host: string; port: number },
): ManagedListener {
  let app: FastifyInstance | undefined;
  let bound: ListenerAddress | undefined;
  let starting: Promise<ListenerAddress> | undefined;
  return {
    start: () =>
      (starting ??= (async () => {
        app = await build();
        bound = await startListener(app, options);
        return bound;
      })()),
    async stop() {
      if (starting === undefined) return;
      await starting.catch(() => undefined);
      await app?.close();
      app = undefined;
      bound = undefined;
      starting = undefined;
    },
    address: () => bound,
  };
}
