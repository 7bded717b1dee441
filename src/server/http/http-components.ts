/**
 * The server's three HTTP listeners — REST (`--http-server-bindport`), health
 * (`--health-check-server-bindport`) and metrics (`--metrics-server-bindport`) — as components the
 * server starts after its core and stops before it, plus the scrape-time gauge readers.
 */
import type { Logger } from '../../common/logger.ts';
import type { ServerConfig } from '../config.ts';
import { createHealthServer } from '../health/health-server.ts';
import { createMetricsServer } from '../metrics/metrics-server.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Database } from '../store/database.ts';
import {
  readNotificationQueueUsage,
  readOldestUndeliveredAgeSeconds,
  readOutboxDepth,
} from '../store/metrics-queries.ts';
import type { ListenerAddress } from './listener.ts';
import { createRestServer } from './rest-server.ts';
import type { ResourceDeleter } from './routes/resource-bundle-routes.ts';

/** What the HTTP listeners need from the running server. */
export interface HttpComponentsContext {
  config: Pick<ServerConfig, 'hostname' | 'ports' | 'instanceId'>;
  logger: Logger;
  database: Pick<Database, 'pool'>;
  resources: ResourceDeleter;
  metrics: ServerMetrics;
}

/** A listener as the server runs it: started after the core, stopped before it. */
export interface HttpComponent {
  readonly name: string;
  start(): Promise<{ listener: string; host: string; port: number }[]>;
  stop(): Promise<void>;
}

function component(
  name: string,
  server: { start(): Promise<ListenerAddress>; stop(): Promise<void> },
): HttpComponent {
  return {
    name,
    start: async () => {
      const { host, port } = await server.start();
      return [{ listener: name, host, port }];
    },
    stop: () => server.stop(),
  };
}

/** Builds the REST, health and metrics listeners and points the database-backed gauges at the pool. */
export function createHttpComponents(context: HttpComponentsContext): HttpComponent[] {
  const { config, logger, metrics } = context;
  const pool = context.database.pool;
  const host = config.hostname;
  metrics.setGaugeSources({
    outboxDepth: () => readOutboxDepth(pool),
    oldestUndeliveredEventAgeSeconds: () => readOldestUndeliveredAgeSeconds(pool),
    notificationQueueUsage: () => readNotificationQueueUsage(pool),
  });
  return [
    component(
      'metrics',
      createMetricsServer({ registry: metrics.registry, host, port: config.ports.metrics, logger }),
    ),
    component(
      'health',
      createHealthServer({
        pool,
        instanceId: config.instanceId,
        host,
        port: config.ports.healthCheck,
        logger,
      }),
    ),
    component(
      'http',
      createRestServer({
        pool,
        resources: context.resources,
        host,
        port: config.ports.http,
        logger,
        metrics,
      }),
    ),
  ];
}
