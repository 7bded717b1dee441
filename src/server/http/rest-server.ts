/**
 * The REST API server (`--http-server-bindport`, default 8000): fastify with gzip, upstream's
 * paths, JSON shapes and error bodies under `/api/maestro/v1`, CORS as upstream (any origin).
 */
import compress from '@fastify/compress';
import { fastify } from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Logger } from '../../common/logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { API_ERROR_CODE, ApiError, toApiErrorResponse } from './api-errors.ts';
import { createManagedListener, installRequestHooks, operationIdOf } from './listener.ts';
import type { ManagedListener } from './listener.ts';
import { registerConsumerRoutes } from './routes/consumer-routes.ts';
import { registerMetaRoutes } from './routes/meta-routes.ts';
import { createResourceBundleReader } from './resource-bundle-reader.ts';
import { registerResourceBundleRoutes } from './routes/resource-bundle-routes.ts';
import type { ResourceDeleter } from './routes/resource-bundle-routes.ts';
import { DEFAULT_BUNDLE_CACHE_BYTES, createStampedBufferCache } from './stamped-buffer-cache.ts';

/** Options for {@link createRestServer}. */
export interface RestServerOptions {
  /** Pool for reads and consumer writes. */
  pool: pg.Pool;
  /** The spec write path; REST deletes go through it so the agent's delete event is enqueued. */
  resources: ResourceDeleter;
  /** Bind host (`--server-hostname`; empty = all interfaces). */
  host: string;
  /** Bind port (`--http-server-bindport`; 0 = any free port). */
  port: number;
  logger: Logger;
  metrics: Pick<ServerMetrics, 'restRequestCount' | 'restRequestDuration' | 'restBundleCacheLookups'>;
  /**
   * Bytes of presented resource bundles kept between requests (default
   * {@link DEFAULT_BUNDLE_CACHE_BYTES}; 0 keeps none). Each replica keeps its own; entries are tied
   * to row versions, so none is ever served after its bundle changed.
   */
  bundleCacheBytes?: number;
}

/** The REST server; `start`/`stop` are idempotent. */
export type RestServer = ManagedListener;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'DELETE, GET, PATCH, POST',
  'access-control-allow-headers': 'Authorization, Content-Type, X-Operation-ID',
  'access-control-max-age': '600',
};

function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const text = body.toString();
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(text));
  } catch (err: unknown) {
    done(new ApiError(API_ERROR_CODE.malformedRequest, `invalid request format: ${(err as Error).message}`));
  }
}

/** Builds the fastify app (routes, hooks, error handling) without binding; tests may `inject` into it. */
export async function buildRestApp(
  options: Omit<RestServerOptions, 'host' | 'port'>,
): Promise<FastifyInstance> {
  const logger = options.logger;
  const app = fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  // level 1: pages of a thousand bundles are megabytes of JSON, and speed matters more than the
  // last few percent of compression (JSON still shrinks about tenfold); the bundle lists, by far
  // the largest bodies, gzip themselves (list-body.ts) and the plugin passes them through
  await app.register(compress, { global: true, encodings: ['gzip', 'deflate'], zlibOptions: { level: 1 } });
  app.removeAllContentTypeParsers();
  // upstream reads every body as JSON whatever its content type (curl -d sends form encoding)
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);
  installRequestHooks(app, { logger, level: 'info', metrics: options.metrics });
  app.addHook('onSend', async (_request, reply, payload) => {
    const vary = reply.getHeader('vary');
    reply.header('vary', vary === undefined ? 'Authorization' : `Authorization, ${String(vary)}`);
    for (const [name, value] of Object.entries(CORS_HEADERS)) reply.header(name, value);
    return payload;
  });
  app.options('*', async (_request, reply) => reply.code(200).send());

  app.setErrorHandler((err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const fastifyError = err as FastifyError;
    const cause =
      fastifyError.code?.startsWith('FST_ERR_CTP') === true
        ? new ApiError(
            API_ERROR_CODE.malformedRequest,
            `invalid request format: ${err.message.toLowerCase()}`,
          )
        : err;
    const { httpStatus, body } = toApiErrorResponse(cause, operationIdOf(request));
    const entry = { operationId: body.operation_id, code: body.code, reason: body.reason };
    if (httpStatus >= 500) logger.error({ ...entry, err }, 'request failed');
    else logger.info(entry, 'request rejected');
    void reply.code(httpStatus).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const { httpStatus, body } = toApiErrorResponse(
      new ApiError(API_ERROR_CODE.notFound, `the requested resource '${path}' doesn't exist`),
      operationIdOf(request),
    );
    void reply.code(httpStatus).type('application/json').send(body);
  });

  registerMetaRoutes(app);
  registerConsumerRoutes(app, options.pool);
  const cache = createStampedBufferCache({
    maxBytes: options.bundleCacheBytes ?? DEFAULT_BUNDLE_CACHE_BYTES,
  });
  const bundles = createResourceBundleReader({ pool: options.pool, cache, metrics: options.metrics });
  registerResourceBundleRoutes(app, bundles, options.resources);
  return app;
}

/** Creates the REST server. */
export function createRestServer(options: RestServerOptions): RestServer {
  const logger = options.logger.child({ component: 'rest' });
  return createManagedListener(() => buildRestApp({ ...options, logger }), {
    host: options.host,
    port: options.port,
  });
}
