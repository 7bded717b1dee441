/**
 * The health server (`--health-check-server-bindport`, default 8083), upstream's two endpoints:
 * `/livez` answers from the process alone (never touches the database, so a database outage does not
 * get replicas restarted), `/healthcheck` is readiness: the database answers and this replica's
 * `server_instances` row is registered and ready.
 */
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { errorMessage, isMaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { databaseError } from '../store/database.ts';
import { createManagedListener, installRequestHooks } from '../http/listener.ts';
import type { ManagedListener } from '../http/listener.ts';

/** Options for {@link createHealthServer}. */
export interface HealthServerOptions {
  pool: pg.Pool;
  /** This replica's id in `server_instances`. */
  instanceId: string;
  host: string;
  port: number;
  logger: Logger;
  /** Longest the readiness query may take before the replica counts as not ready; default 2 s. */
  readinessTimeoutMs?: number;
}

/** The health server; `start`/`stop` are idempotent. */
export type HealthServer = ManagedListener;

/** Readiness of this replica as `/healthcheck` reports it. */
export type Readiness = 'ok' | 'not ready' | 'error';

/**
 * Reads this replica's registration. An unreachable or slow database is `not ready` (503) — a fix
 * of upstream's 500, so probes and load balancers see "unavailable"; other database errors are
 * `error` (500).
 */
export async function checkReadiness(
  pool: pg.Pool,
  instanceId: string,
  timeoutMs: number,
  logger: Logger,
): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timeout exceeded when trying to connect')), timeoutMs);
  });
  try {
    const query = pool.query<{ ready: boolean }>('SELECT ready FROM server_instances WHERE id = $1', [
      instanceId,
    ]);
    query.catch(() => undefined); // a late failure after the timeout won is already reported
    const result = await Promise.race([query, timeout]);
    return result.rows[0]?.ready === true ? 'ok' : 'not ready';
  } catch (err: unknown) {
    const error = databaseError(err, 'checking readiness');
    logger.warn({ err: errorMessage(error) }, 'readiness check failed');
    return isMaestroError(error, 'UNAVAILABLE') ? 'not ready' : 'error';
  } finally {
    clearTimeout(timer);
  }
}

const STATUS_CODE: Readonly<Record<Readiness, number>> = { ok: 200, 'not ready': 503, error: 500 };

/** Creates the health server. */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  const logger = options.logger.child({ component: 'health' });
  const timeoutMs = options.readinessTimeoutMs ?? 2_000;

  const build = (): FastifyInstance => {
    const server = fastify({ logger: false });
    installRequestHooks(server, { logger, level: 'debug' });
    server.get('/livez', async () => ({ status: 'ok' }));
    server.get('/healthcheck', async (_request, reply) => {
      const readiness = await checkReadiness(options.pool, options.instanceId, timeoutMs, logger);
      return reply.code(STATUS_CODE[readiness]).send({ status: readiness });
    });
    return server;
  };

  return createManagedListener(build, { host: options.host, port: options.port });
}
