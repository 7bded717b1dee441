/**
 * Builds the `@google-cloud/pubsub` client from the upstream config keys: `endpoint` overrides the
 * API address, `disableTLS` switches to a plain connection (the emulator), `credentialsFile` names a
 * service-account key. Without `endpoint` the library's own `PUBSUB_EMULATOR_HOST` handling applies.
 */
import { PubSub } from '@google-cloud/pubsub';
import type { ClientConfig } from '@google-cloud/pubsub';
import type { PubSubBrokerConfig } from '../broker-config.ts';

/** The connection part of a Pub/Sub config. */
export type PubSubConnectionConfig = Pick<
  PubSubBrokerConfig,
  'projectID' | 'endpoint' | 'disableTLS' | 'credentialsFile'
>;

/** A Pub/Sub client for `config` (nothing connects until the first call). */
export function createPubSubClient(config: PubSubConnectionConfig): PubSub {
  const options: ClientConfig = { projectId: config.projectID };
  if (config.endpoint !== undefined) {
    options.apiEndpoint = config.endpoint;
    options.emulatorMode = config.disableTLS;
    // Without it the auth library asks the GCE metadata server for the universe domain on every
    // call and warns when there is none, which is always the case with the emulator.
    if (config.disableTLS) options.universeDomain = 'googleapis.com';
  }
  if (config.credentialsFile !== undefined) options.keyFilename = config.credentialsFile;
  return new PubSub(options);
}
