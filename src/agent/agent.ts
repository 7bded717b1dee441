/**
 * `maestro agent` assembled from its configuration: the broker transport (`--workload-source-driver`
 * and `--workload-source-config`), the Kubernetes side (`--kubeconfig`, QPS/burst), the agent codec
 * (`--cloudevents-client-id`), the runtime (store, queue, status, resync, deletion, eviction) and the
 * health/metrics endpoint. Start-up order: health endpoint, then the runtime (recover AMWs, subscribe);
 * shutdown runs in reverse.
 */
import { MaestroError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { createTransportFromConfig } from '../transport/factory.ts';
import { createGrpcTransport } from '../transport/grpc/client.ts';
import { loadGrpcClientConfig } from '../transport/grpc/config.ts';
import type { Transport } from '../transport/transport.ts';
import { createAgentEventCodec } from './agent-codec.ts';
import { createAgentRuntime } from './agent-runtime.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import type { AgentConfig } from './config.ts';
import { createHealthServer } from './health-server.ts';
import {
  createKubeClient,
  createWorkApplier,
  ensureAppliedManifestWorkCrd,
  hubHash,
  loadKubeConfig,
} from './kube/index.ts';
import { createAgentMetrics } from './metrics.ts';

/** A configured agent. */
export interface Agent {
  /** Starts the health endpoint and the runtime; resolves once subscribed to the broker. */
  start(): Promise<void>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
  /** The bound health port (after `start`). */
  readonly healthPort: number | undefined;
  readonly runtime: AgentRuntime;
}

/** The broker transport and the host string the hub hash is computed from (agent.md §4). */
function createBrokerTransport(config: AgentConfig, logger: Logger): { transport: Transport; host: string } {
  if (config.workloadSourceConfig === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `missing --workload-source-config: the ${config.workloadSourceDriver} driver needs a broker config file`,
    );
  }
  if (config.workloadSourceDriver !== 'grpc') {
    return createTransportFromConfig({
      type: config.workloadSourceDriver,
      configFile: config.workloadSourceConfig,
      identity: { role: 'agent', clusterName: config.consumerName },
      agentId: config.cloudEventsClientId,
      logger,
    });
  }
  const connection = loadGrpcClientConfig(config.workloadSourceConfig, {
    onUnknownKey: (key) => logger.warn({ key }, 'unknown key in the grpc workload source config'),
  });
  const transport = createGrpcTransport(
    { role: 'agent', clusterName: config.consumerName },
    { ...connection, logger },
  );
  return { transport, host: connection.url };
}

/**
 * Builds the agent from a validated config. Configuration problems (unreadable kubeconfig or broker
 * config) throw `INVALID_ARGUMENT` before anything connects.
 */
export async function createAgent(config: AgentConfig, logger: Logger): Promise<Agent> {
  const { transport, host } = createBrokerTransport(config, logger);
  const client = createKubeClient({
    kubeConfig: loadKubeConfig({ kubeconfig: config.kubeconfig }),
    qps: config.kubeApiQps,
    burst: config.kubeApiBurst,
    logger: logger.child({ component: 'kube-client' }),
  });
  const kube = createWorkApplier({
    client,
    hubHash: hubHash(host),
    maxJsonRawLength: config.maxJsonRawLength,
    maxFeedbackWatch: config.maxFeedbackWatch,
    logger: logger.child({ component: 'work-applier' }),
  });
  const metrics = createAgentMetrics();
  const runtime = createAgentRuntime({
    consumerName: config.consumerName,
    transport,
    codec: createAgentEventCodec({ clientId: config.cloudEventsClientId, clusterName: config.consumerName }),
    applier: kube,
    registry: kube,
    logger,
    metrics,
    statusSyncIntervalMs: config.statusSyncIntervalMs,
    evictionGracePeriodMs: config.evictionGracePeriodMs,
  });
  const health = createHealthServer({
    port: config.healthPort,
    host: config.healthBindAddress,
    registry: metrics.registry,
    notReadyReason: () => runtime.notReadyReason(),
    logger: logger.child({ component: 'health' }),
  });
  let healthPort: number | undefined;
  logger.child({ component: 'agent' }).info(
    {
      consumer: config.consumerName,
      clientId: config.cloudEventsClientId,
      broker: host,
      kubeApiServer: client.server,
    },
    'agent configured',
  );

  return {
    runtime,
    get healthPort() {
      return healthPort;
    },
    async start() {
      healthPort = await health.start();
      await ensureAppliedManifestWorkCrd(client, logger.child({ component: 'kube-client' }));
      await runtime.start();
    },
    async stop() {
      await runtime.stop();
      kube.stop();
      await health.stop();
    },
  };
}
