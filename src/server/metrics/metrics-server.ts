/**
 * The Prometheus endpoint (`--metrics-server-bindport`, default 8080): `GET /metrics` renders the
 * process's registry.
 */
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import { createManagedListener, installRequestHooks } from '../http/listener.ts';
import type { ManagedListener } from '../http/listener.ts';

/** Options for {@link createMetricsServer}. */
export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  logger: Logger;
}

/** The metrics server; `start`/`stop` are idempotent. */
export type MetricsServer = ManagedListener;

/** Creates the metrics server. */
export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const logger = options.logger.child({ component: 'metrics' });

  const build = (): FastifyInstance => {
    const server = fastify({ logger: false });
    installRequestHooks(server, { logger, level: 'debug' });
    server.get('/metrics', async (_request, reply) => {
      const text = await options.registry.metrics();
      return reply.type(options.registry.contentType).send(text);
    });
    return server;
  };

  return createManagedListener(build, { host: options.host, port: options.port });
}
