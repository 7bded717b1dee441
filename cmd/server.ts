import type { Command } from 'commander';
import { errorMessage, isMaestroError } from '../src/common/errors.ts';
import type { Logger } from '../src/common/logger.ts';
import { envNameOf, resolveServerConfig } from '../src/server/config.ts';
import type { ServerConfig } from '../src/server/config.ts';
import { createBrokerModeAgentBroker } from '../src/server/broker-mode.ts';
import { createMaestroServer } from '../src/server/server.ts';
import type { AgentBrokerTransport, ServerContext } from '../src/server/server.ts';
import { createTransportFromConfig } from '../src/transport/factory.ts';
import type { ConfiguredBrokerType } from '../src/transport/factory.ts';
import { loggerFor, UsageError, waitForShutdownSignal } from './program-context.ts';
import { addServerFlags } from './server-flags.ts';

/** Registers `maestro server`. */
export function registerServerCommand(program: Command): void {
  const command = program
    .command('server')
    .description(
      'Run the Maestro server: stores ManifestWorks sent by sources over gRPC (:8090) in PostgreSQL and ' +
        'delivers them to agents through the integrated gRPC broker (:8091).\n' +
        'With no flags it starts an embedded PostgreSQL in --data-dir; --db-url uses an external one.\n' +
        `Every flag can also be set by environment variable, e.g. ${envNameOf('db-url')} (flags win).`,
    );
  addServerFlags(command).action(async (flags: Record<string, string | boolean | undefined>) => {
    let config;
    try {
      config = resolveServerConfig({ flags });
    } catch (err: unknown) {
      throw new UsageError(errorMessage(err));
    }
    const logger = loggerFor(command);
    const server = createMaestroServer({
      config,
      logger,
      createAgentBroker:
        config.messageBrokerType === 'grpc'
          ? undefined
          : (context) => createConfiguredBroker(config, context, logger),
    });
    const signal = waitForShutdownSignal(logger);
    try {
      await server.start();
    } catch (err: unknown) {
      await server.stop();
      throw isMaestroError(err) ? err : new Error(`server failed to start: ${errorMessage(err)}`);
    }
    await signal;
    await server.stop();
  });
}

/**
 * The MQTT / Pub/Sub / AWS IoT broker of `--message-broker-type` as the server's agent broker: a
 * source-role transport (client id `--client-id`, unique per replica) wrapped for broker mode.
 */
function createConfiguredBroker(
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
