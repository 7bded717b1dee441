import type { Command } from 'commander';
import { errorMessage } from '../src/common/errors.ts';
import { parsePubSubBrokerConfig } from '../src/transport/broker-config.ts';
import { UsageError } from './program-context.ts';

interface PubSubInitFlags {
  project: string;
  endpoint?: string;
  disableTls?: boolean;
  credentialsFile?: string;
  source: string;
  consumers?: string;
}

const NAME_PATTERN = /^[a-z0-9-]+$/;

/**
 * Registers `maestro pubsub init`: creates the upstream topics and the subscriptions (with their
 * filters) of a source and of consumers, which Pub/Sub needs before the server and agents start.
 * Safe to run again: existing topics and subscriptions are kept.
 */
export function registerPubSubCommand(program: Command): void {
  const pubsub = program.command('pubsub').description('Google Cloud Pub/Sub helpers');
  pubsub
    .command('init')
    .description(
      'Create the sourceevents/sourcebroadcast/agentevents/agentbroadcast topics and the subscriptions ' +
        'of a source and of consumers (idempotent). Honours PUBSUB_EMULATOR_HOST.',
    )
    .requiredOption('--project <id>', 'GCP project id')
    .option('--endpoint <host:port>', 'Pub/Sub API endpoint (e.g. the emulator at localhost:8085)')
    .option('--disable-tls', 'talk plain gRPC to --endpoint (the emulator)')
    .option('--credentials-file <path>', 'service account key file')
    .option('--source <id>', 'source id whose subscriptions to create', 'maestro')
    .option('--consumers <names>', 'comma-separated consumer (cluster) names whose subscriptions to create')
    .action(async (flags: PubSubInitFlags) => {
      const consumers = (flags.consumers ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      for (const name of [flags.source, ...consumers]) {
        if (!NAME_PATTERN.test(name))
          throw new UsageError(`invalid name '${name}': use lower-case letters, digits and '-'`);
      }
      let config;
      try {
        config = parsePubSubBrokerConfig(
          {
            projectID: flags.project,
            endpoint: flags.endpoint,
            disableTLS: flags.disableTls ?? false,
            credentialsFile: flags.credentialsFile,
          },
          'pubsub init',
        );
      } catch (err: unknown) {
        throw new UsageError(errorMessage(err));
      }
      // Loaded on use: the Pub/Sub client library is slow to import.
      const [{ createPubSubClient }, { provisionPubSub }] = await Promise.all([
        import('../src/transport/pubsub/client.ts'),
        import('../src/transport/pubsub/provision.ts'),
      ]);
      const client = createPubSubClient(config);
      try {
        const result = await provisionPubSub(client, {
          projectID: config.projectID,
          sources: [flags.source],
          consumers,
        });
        for (const name of result.created) console.log(`created ${name}`);
        for (const name of result.existing) console.log(`exists  ${name}`);
      } finally {
        await client.close();
      }
    });
}
