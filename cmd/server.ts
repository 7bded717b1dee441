import type { Command } from 'commander';
import { errorMessage, isMaestroError } from '../src/common/errors.ts';
import { envNameOf, resolveServerConfig } from '../src/server/config.ts';
import { exitOnceStopped, loggerFor, UsageError, waitForShutdownSignal } from './program-context.ts';
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
    // The implementation is loaded here rather than at the top so that other subcommands (the CLI)
    // do not pay for importing the server, and gRPC mode does not load the broker client libraries.
    const { createMaestroServer } = await import('../src/server/server.ts');
    const configured =
      config.messageBrokerType === 'grpc' ? undefined : await import('../src/server/configured-broker.ts');
    const server = createMaestroServer({
      config,
      logger,
      createAgentBroker:
        configured && ((context) => configured.createConfiguredBroker(config, context, logger)),
    });
    const signal = waitForShutdownSignal(logger);
    try {
      try {
        await server.start();
      } catch (err: unknown) {
        await server.stop();
        throw isMaestroError(err) ? err : new Error(`server failed to start: ${errorMessage(err)}`);
      }
      await signal;
      await server.stop();
    } finally {
      exitOnceStopped();
    }
  });
}
