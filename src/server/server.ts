/**
 * `maestro server` wired together (DESIGN.md §5): the database (embedded or external, migrated under
 * an advisory lock), the spec and status services, the agent broker (the integrated gRPC broker by
 * default), the outbox dispatcher, the status relay, LISTEN/NOTIFY, the replica registration and the
 * gRPC source API. More listeners (REST, health, metrics) plug in as {@link ServerComponent}s built
 * from the {@link ServerContext}.
 *
 * Shutdown drains in order: stop accepting source requests, finish spec writes, flush the dispatcher
 * to connected agents, close the agent broker, finish status writes, stop background loops, close the
 * pool and the embedded database.
 */
import { errorMessage, MaestroError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Transport } from '../transport/transport.ts';
import { createGrpcBrokerTransport } from '../transport/grpc/broker-server.ts';
import { createAgentEventHandler } from './agent-events.ts';
import type { ServerConfig } from './config.ts';
import type { AgentBroker } from './dispatch/agent-broker.ts';
import { createInstanceRegistry } from './dispatch/instance-registry.ts';
import { createHttpComponents } from './http/http-components.ts';
import { createServerMetrics } from './metrics/server-metrics.ts';
import type { ServerMetrics } from './metrics/server-metrics.ts';
import { createSpecDispatcher } from './dispatch/spec-dispatcher.ts';
import type { SpecDispatcher } from './dispatch/spec-dispatcher.ts';
import { createStatusRelay } from './dispatch/status-relay.ts';
import { createSourceServer } from './grpc/source-server.ts';
import { createSourceSubscribers } from './grpc/source-subscribers.ts';
import type { SourceSubscribers } from './grpc/source-subscribers.ts';
import { createResourceService } from './services/resource-service.ts';
import type { ResourceService } from './services/resource-service.ts';
import { createStatusService } from './services/status-service.ts';
import type { StatusService } from './services/status-service.ts';
import { openDatabase } from './store/database.ts';
import type { Database } from './store/database.ts';
import { migrate } from './store/migrations.ts';
import { readTlsFiles } from './grpc/tls-files.ts';
import { createNotificationListener } from './store/notification-listener.ts';
import { consumersOfPayload, SPEC_EVENTS_CHANNEL } from './store/outbox-queries.ts';
import { STATUS_EVENTS_CHANNEL } from './store/status-event-queries.ts';

/** An address a component listens on. */
export interface Listening {
  /** What listens, e.g. `grpc-source`, `grpc-broker`, `http`. */
  listener: string;
  host: string;
  port: number;
}

/** Everything a plugged-in component may use. */
export interface ServerContext {
  config: ServerConfig;
  logger: Logger;
  database: Database;
  resources: ResourceService;
  status: StatusService;
  dispatcher: SpecDispatcher;
  subscribers: SourceSubscribers;
  /** The process's Prometheus metrics. */
  metrics: ServerMetrics;
}

/** A listener or loop that runs with the server (REST API, health checks, metrics, …). */
export interface ServerComponent {
  readonly name: string;
  /** Starts; returns the addresses it listens on (each is logged as `listening`). */
  start(): Promise<Listening[] | void>;
  /** Stops; idempotent. */
  stop(): Promise<void>;
}

/** The agent-facing broker: a source-role transport that can also tell who is connected. */
export type AgentBrokerTransport = Transport & AgentBroker;

/** Options for {@link createMaestroServer}. */
export interface MaestroServerOptions {
  config: ServerConfig;
  logger: Logger;
  /** Builds extra components once the core is up; started after the gRPC servers, stopped first. */
  components?: (context: ServerContext) => ServerComponent[];
  /** Builds the agent broker for `mqtt`/`pubsub` modes (the gRPC broker is built in). */
  createAgentBroker?: (context: Omit<ServerContext, 'dispatcher'>) => AgentBrokerTransport;
  /** Extra embedded PostgreSQL settings (tests and benchmarks turn durability off). */
  embeddedDatabaseSettings?: Readonly<Record<string, string>>;
}

/** A running (or startable) server. */
export interface MaestroServer {
  /** Starts everything; resolves with the addresses listened on. */
  start(): Promise<Listening[]>;
  /** Drains and stops everything; idempotent. */
  stop(): Promise<void>;
  /** Available after `start()`. */
  readonly context: ServerContext | undefined;
}

/** Creates the server; nothing runs until `start()`. */
export function createMaestroServer(options: MaestroServerOptions): MaestroServer {
  const { config, logger } = options;
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  let context: ServerContext | undefined;
  let stopping: Promise<void> | undefined;

  const onStop = (name: string, stop: () => Promise<void>): void => {
    stops.push({ name, stop });
  };

  const start = async (): Promise<Listening[]> => {
    const listening: Listening[] = [];
    const announce = (entry: Listening): void => {
      listening.push(entry);
      logger.info(entry, 'listening');
    };
    const database = await openDatabase({
      config: config.database,
      logger,
      embeddedSettings: options.embeddedDatabaseSettings,
    });
    onStop('database', () => database.close());
    await migrate(database.pool, logger.child({ component: 'migrations' }));

    const metrics = createServerMetrics();
    const resources = createResourceService({
      pool: database.pool,
      logger,
      sourceId: config.sourceId,
      metrics,
    });
    const status = createStatusService({ pool: database.pool, logger, metrics });
    const subscribers = createSourceSubscribers({ metrics });
    const resync = { pool: database.pool, sourceId: config.sourceId };
    const base = { config, logger, database, resources, status, subscribers, metrics };

    let broker: AgentBrokerTransport;
    if (config.messageBrokerType === 'grpc') {
      broker = createGrpcBrokerTransport({
        host: config.hostname === '' ? '0.0.0.0' : config.hostname,
        port: config.ports.grpcBroker,
        heartbeatIntervalMs: config.streamHeartbeatMs,
        maxReceiveMessageBytes: config.maxReceiveMessageBytes,
        tls: readTlsFiles(config.brokerTls, '--grpc-broker-tls'),
        logger,
      });
    } else if (options.createAgentBroker !== undefined) {
      broker = options.createAgentBroker(base);
    } else {
      throw new MaestroError(
        'UNIMPLEMENTED',
        `--message-broker-type=${config.messageBrokerType} is not available yet`,
      );
    }
    metrics.setGaugeSources({ connectedAgents: () => [...(broker.connectedClusters() ?? [])].length });
    const dispatcher = createSpecDispatcher({ pool: database.pool, broker, logger, metrics });
    resources.onSpecEventsCommitted(dispatcher.wake);
    const relay = createStatusRelay({
      pool: database.pool,
      logger,
      deliver: (source, event) => subscribers.deliver(source, event),
      subscribedSources: () => subscribers.sources(),
      metrics,
      instanceId: config.instanceId,
    });
    const listener = createNotificationListener({
      database,
      logger,
      handlers: {
        [SPEC_EVENTS_CHANNEL]: (payload) => dispatcher.wake(consumersOfPayload(payload)),
        [STATUS_EVENTS_CHANNEL]: (payload) => relay.wake(payload),
      },
    });
    const registry = createInstanceRegistry({
      pool: database.pool,
      logger,
      instanceId: config.instanceId,
      heartbeatMs: config.instanceHeartbeatMs,
    });
    const source = createSourceServer({
      host: config.hostname,
      port: config.ports.grpcServer,
      logger,
      resources,
      resync,
      subscribers,
      metrics,
      heartbeatIntervalMs: config.streamHeartbeatMs,
      maxReceiveMessageBytes: config.maxReceiveMessageBytes,
      tls: readTlsFiles(config.grpcTls, '--grpc-tls'),
    });
    context = { ...base, dispatcher };

    // stop order is the reverse of this registration order
    onStop('instance registry', () => registry.stop());
    onStop('notification listener', () => listener.stop());
    onStop('status relay', () => relay.stop());
    onStop('status writes', () => status.drain());
    onStop('agent broker', () => broker.stop());
    onStop('dispatcher', async () => {
      await dispatcher.flush();
      await dispatcher.stop();
    });
    onStop('spec writes', () => resources.drain());
    onStop('grpc source server', () => source.stop());

    await broker.start(createAgentEventHandler({ broker, status, resync }));
    if (config.messageBrokerType === 'grpc') {
      announce({
        listener: 'grpc-broker',
        host: config.hostname,
        port: (broker as { port?: number }).port ?? 0,
      });
    }
    await relay.start();
    dispatcher.start();
    await listener.start();
    await registry.start();
    announce({ listener: 'grpc-source', host: config.hostname, port: await source.start() });

    for (const component of [...createHttpComponents(context), ...(options.components?.(context) ?? [])]) {
      onStop(component.name, () => component.stop());
      for (const entry of (await component.start()) ?? []) announce(entry);
    }
    return listening;
  };

  return {
    get context() {
      return context;
    },
    start: async () => {
      try {
        return await start();
      } catch (err: unknown) {
        await stopAll().catch(() => undefined);
        throw err;
      }
    },
    stop: () => stopAll(),
  };

  function stopAll(): Promise<void> {
    stopping ??= (async () => {
      for (const { name, stop } of stops.reverse()) {
        try {
          await stop();
        } catch (err: unknown) {
          logger.warn({ step: name, err: errorMessage(err) }, 'shutdown step failed');
        }
      }
      stops.length = 0;
      logger.info('server stopped');
    })();
    return stopping;
  }
}
