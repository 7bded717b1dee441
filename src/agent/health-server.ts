/**
 * The agent's plain-HTTP health and metrics endpoint: `/livez` (the process is serving), `/readyz`
 * (the agent is subscribed to its broker), `/metrics` (Prometheus text from the agent's own registry).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.ts';
import { errorMessage } from '../common/errors.ts';

/** Options for {@link createHealthServer}. */
export interface HealthServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** Why the agent is not ready, or `undefined` when it is. */
  notReadyReason: () => string | undefined;
  logger: Logger;
}

/** See the module comment. */
export interface HealthServer {
  /** Listens; resolves with the bound port. */
  start(): Promise<number>;
  /** Closes the listener; idempotent. */
  stop(): Promise<void>;
}

/** Creates the health/metrics server (not yet listening). */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/livez' || path === '/healthz') return reply(200, 'ok\n');
    if (path === '/readyz') {
      const reason = options.notReadyReason();
      return reason === undefined ? reply(200, 'ok\n') : reply(503, `not ready: ${reason}\n`);
    }
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => reply(200, text, options.registry.contentType))
        .catch((err: unknown) => reply(500, `metrics failed: ${errorMessage(err)}\n`));
      return;
    }
    reply(404, 'not found\n');
  });
  let listening = false;

  return {
    start() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          listening = true;
          const port = (server.address() as AddressInfo).port;
          options.logger.info({ port, host: options.host }, 'health and metrics endpoint listening');
          resolve(port);
        });
      });
    },
    stop() {
      if (!listening) return Promise.resolve();
      listening = false;
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
