/**
 * Builds a broker transport from `--message-broker-type`/`--workload-source-driver` and the upstream
 * config file, for the server (source role) and the agent (agent role). Unknown keys in the file are
 * logged as warnings (upstream ignores them, so they are usually typos).
 */
import type { Logger } from '../common/logger.ts';
import { createAwsIotTransport } from './aws-iot/aws-iot-transport.ts';
import { loadMqttBrokerConfig, loadPubSubBrokerConfig } from './broker-config.ts';
import { AWS_IOT_MAX_MESSAGE_BYTES, MQTT_MAX_MESSAGE_BYTES } from './mqtt/message.ts';
import { createMqttTransport } from './mqtt/mqtt-transport.ts';
import { createPubSubTransport, PUBSUB_LIMITS } from './pubsub/pubsub-transport.ts';
import type { Transport, TransportIdentity } from './transport.ts';

/** The config-file driven brokers (the integrated gRPC broker is built by the server itself). */
export const CONFIGURED_BROKER_TYPES = ['mqtt', 'pubsub', 'awsiot'] as const;

/** One of {@link CONFIGURED_BROKER_TYPES}. */
export type ConfiguredBrokerType = (typeof CONFIGURED_BROKER_TYPES)[number];

/** Options for {@link createTransportFromConfig}. */
export interface TransportFromConfigOptions {
  type: ConfiguredBrokerType;
  /** The upstream YAML/JSON broker config file. */
  configFile: string;
  identity: TransportIdentity;
  /** MQTT/AWS IoT client id (a source's `--client-id`); agents derive theirs from `agentId`. */
  clientId?: string;
  /** An agent's `--cloudevents-client-id`; its MQTT client id is `<agentId>-client`. */
  agentId?: string;
  logger: Logger;
}

/** A transport plus the broker address it talks to (for logs and the agent's hub hash). */
export interface ConfiguredTransport {
  transport: Transport;
  host: string;
  /** The largest message the transport publishes, so senders can split large resyncs to fit. */
  maxMessageBytes: number;
}

/** Loads and validates the config file and creates the transport; throws `INVALID_ARGUMENT` on a bad file. */
export function createTransportFromConfig(options: TransportFromConfigOptions): ConfiguredTransport {
  const { type, configFile, identity, logger } = options;
  const warnUnknown = (keys: string[]) => {
    for (const key of keys) logger.warn({ key, configFile }, `unknown key in the ${type} broker config`);
  };
  if (type === 'pubsub') {
    const config = loadPubSubBrokerConfig(configFile);
    warnUnknown(config.unknownKeys);
    return {
      transport: createPubSubTransport(identity, { config, logger }),
      host: config.endpoint ?? `pubsub.googleapis.com/projects/${config.projectID}`,
      maxMessageBytes: PUBSUB_LIMITS.maxMessageBytes,
    };
  }
  const config = loadMqttBrokerConfig(configFile);
  warnUnknown(config.unknownKeys);
  // AWS IoT policies only admit agents as `<consumer>-client`, whatever the agent id.
  const agentId = type === 'awsiot' ? undefined : options.agentId;
  const common = { config, clientId: options.clientId, agentId, logger };
  if (type === 'awsiot') {
    return {
      transport: createAwsIotTransport(identity, common),
      host: config.brokerHost,
      maxMessageBytes: AWS_IOT_MAX_MESSAGE_BYTES,
    };
  }
  return {
    transport: createMqttTransport(identity, common),
    host: config.brokerHost,
    maxMessageBytes: MQTT_MAX_MESSAGE_BYTES,
  };
}
