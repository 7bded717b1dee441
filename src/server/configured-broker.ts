import type { Logger } from '../common/logger.ts';
import { createTransportFromConfig } from '../transport/factory.ts';
import type { ConfiguredBrokerType } from '../transport/factory.ts';
import { createBrokerModeAgentBroker } from './broker-mode.ts';
import type { ServerConfig } from './config.ts';
import type { AgentBrokerTransport, ServerContext } from './server.ts';

/**
 * The MQTT / Pub/Sub / AWS IoT broker of `--message-broker-type` as the server's agent broker: a
 * source-role transport (client id `--client-id`, unique per replica) wrapped for broker mode.
 */
export function createConfiguredBroker(
  config: ServerConfig,
  context: Pick<ServerContext, 'database' | 'metrics'>,
  logger: Logger,
): AgentBrokerTransport {
  const { transport, maxMessageBytes } = createTransportFromConfig({
    type: config.messageBrokerType as ConfiguredBrokerType,
    configFile: config.messageBrokerConfigFile as string,
    identity: { role: 'source', sourceId: config.sourceId },
    clientId: config.instanceId,
    logger,
  });
  return createBrokerModeAgentBroker({
    transport,
    pool: context.database.pool,
    sourceId: config.sourceId,
    maxMessageBytes,
    logger,
    metrics: context.metrics,
  });
}
