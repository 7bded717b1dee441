/**
 * The AWS IoT Core transport: `aws-iot-device-sdk-v2`'s MQTT 5 client with X.509 mutual TLS, speaking
 * the same topic layout and binary CloudEvents encoding as the MQTT transport (upstream has no
 * AWS-specific code and uses IoT Core as a plain MQTT 5 broker, protocol.md §15).
 *
 * IoT Core's rules are built in: agents connect as `<consumer>-client` (the IoT policies only let that
 * client id connect), messages over 128 KiB are rejected with `RESOURCE_EXHAUSTED` instead of being
 * dropped by the broker (use {@link splitIntoBatches} for resync payloads), and a publish or
 * subscription the policy denies fails with `PERMISSION_DENIED`. The SDK reconnects by itself with
 * jittered backoff; every successful reconnection re-subscribes (clean session) and emits `connected`.
 */
import { readFileSync } from 'node:fs';
import { iot, mqtt5 } from 'aws-iot-device-sdk-v2';
import { errorMessage, MaestroError } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { fromMqttMessage } from '../../cloudevents/mqtt-codec.ts';
import type { MqttBrokerConfig } from '../broker-config.ts';
import { createDeliveryQueue } from '../delivery-queue.ts';
import type { DeliveryQueue } from '../delivery-queue.ts';
import { AWS_IOT_MAX_MESSAGE_BYTES, encodeMqttEvent } from '../mqtt/message.ts';
import { publishTopic, subscriptionTopics, validateMqttTopics } from '../mqtt/topics.ts';
import { createStartWaiter, createStatusEmitter } from '../status.ts';
import { identityLabel } from '../transport.ts';
import type { EventHandler, Transport, TransportIdentity } from '../transport.ts';

/** Options for {@link createAwsIotTransport}. */
export interface AwsIotTransportOptions {
  /** The MQTT broker config: `brokerHost` is the IoT data endpoint, certificates are required. */
  config: Omit<MqttBrokerConfig, 'unknownKeys'>;
  /** Client id; default `<agentId>-client` for an agent, the source id for a source. */
  clientId?: string;
  /** The agent id (consumer) an agent's client id derives from; default the cluster name. */
  agentId?: string;
  /** Largest PUBLISH packet sent; default IoT Core's 128 KiB. */
  maxMessageBytes?: number;
  /** Reconnect delays of the SDK; default 1 s to 60 s. */
  reconnectDelayMs?: { min: number; max: number };
  logger?: Logger;
}

/** The transport name AWS IoT transports report. */
export const AWS_IOT_TRANSPORT_NAME = 'awsiot';

/** MQTT 5 reason codes at or above this value are failures. */
const FAILURE_REASON = 0x80;
const NOT_AUTHORIZED = new Set([0x86, 0x87, 0x8c]);
const STOP_TIMEOUT_MS = 2000;

/** Creates an AWS IoT transport for `identity`; the config is validated now, nothing connects until `start()`. */
export function createAwsIotTransport(
  identity: TransportIdentity,
  options: AwsIotTransportOptions,
): Transport {
  const { config } = options;
  validateMqttTopics(config.topics, identity);
  if (config.clientCertFile === undefined || config.clientKeyFile === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      'aws iot needs clientCertFile and clientKeyFile (x.509 mutual tls)',
    );
  }
  const clientId =
    options.clientId ??
    (identity.role === 'agent' ? `${options.agentId ?? identity.clusterName}-client` : identity.sourceId);
  const maxMessageBytes = options.maxMessageBytes ?? AWS_IOT_MAX_MESSAGE_BYTES;
  const label = identityLabel(identity);
  const logger = (options.logger ?? createSilentLogger()).child({
    component: 'awsiot-transport',
    broker: config.brokerHost,
    clientId,
  });
  const topics = subscriptionTopics(config.topics, identity);
  const status = createStatusEmitter(logger);
  let client: mqtt5.Mqtt5Client | undefined;
  let queue: DeliveryQueue | undefined;
  const startWaiter = createStartWaiter();

  async function onConnected(current: mqtt5.Mqtt5Client): Promise<void> {
    try {
      const suback = await current.subscribe({
        subscriptions: topics.map((topicFilter) => ({
          topicFilter,
          qos: config.subQoS === 0 ? mqtt5.QoS.AtMostOnce : mqtt5.QoS.AtLeastOnce,
        })),
      });
      const refused = topics.filter((_, i) => (suback.reasonCodes[i] ?? 0) >= FAILURE_REASON);
      if (refused.length > 0) {
        const error = new MaestroError(
          'PERMISSION_DENIED',
          `aws iot refused the subscription of ${label} to ${refused.map((t) => `'${t}'`).join(', ')}`,
        );
        if (startWaiter.pending) {
          await shutdown(error);
          return;
        }
        logger.error({ err: error.message }, 'aws iot subscription refused');
        return;
      }
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'aws iot subscribe failed; waiting for the next connection');
      return;
    }
    if (status.state === 'closed' || client !== current) return;
    status.set('connected');
    logger.info({ topics }, 'aws iot subscribed');
    startWaiter.settle();
  }

  function onMessage(event: mqtt5.MessageReceivedEvent): void {
    const { message } = event;
    const userProperties: Record<string, string> = {};
    for (const p of message.userProperties ?? []) userProperties[p.name] ??= p.value;
    let decoded;
    try {
      decoded = fromMqttMessage(payloadBytes(message.payload), {
        contentType: message.contentType,
        userProperties,
      });
    } catch (err) {
      logger.warn({ topic: message.topicName, err: errorMessage(err) }, 'dropped a malformed mqtt message');
      return;
    }
    queue?.push(decoded);
  }

  async function shutdown(error?: Error): Promise<void> {
    if (status.state === 'closed') return;
    status.set('closed', error);
    queue?.close();
    startWaiter.settle(
      error ?? new MaestroError('UNAVAILABLE', `transport of ${label} stopped before connecting`),
    );
    const current = client;
    client = undefined;
    if (current === undefined) return;
    // The native client must be stopped before it is closed; do not wait forever for the event.
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<void>((resolve) => {
      current.once('stopped', () => resolve());
      timer = setTimeout(resolve, STOP_TIMEOUT_MS);
    });
    current.stop();
    await stopped;
    clearTimeout(timer);
    current.close();
    current.removeAllListeners();
  }

  return {
    name: AWS_IOT_TRANSPORT_NAME,
    get state() {
      return status.state;
    },
    async start(handler: EventHandler) {
      status.claimStart(label);
      queue = createDeliveryQueue({ handler, logger });
      const started = startWaiter.wait();
      const current = new mqtt5.Mqtt5Client(buildClientConfig(config, clientId, options.reconnectDelayMs));
      client = current;
      current.on('connectionSuccess', () => void onConnected(current));
      current.on('connectionFailure', (event: mqtt5.ConnectionFailureEvent) => {
        const reason = event.connack?.reasonCode;
        if (reason !== undefined && NOT_AUTHORIZED.has(reason) && startWaiter.pending) {
          void shutdown(
            new MaestroError(
              'UNAUTHENTICATED',
              `aws iot refused the connection of ${label} (reason ${reason})`,
            ),
          );
          return;
        }
        logger.warn({ err: event.error.toString() }, 'aws iot connection attempt failed');
      });
      current.on('disconnection', (event: mqtt5.DisconnectionEvent) => {
        if (status.state !== 'connected') return;
        status.set(
          'reconnecting',
          new MaestroError('UNAVAILABLE', `aws iot connection of ${label} lost: ${event.error.toString()}`),
        );
      });
      current.on('messageReceived', onMessage);
      current.on('error', (error) => logger.error({ err: error.toString() }, 'aws iot client error'));
      current.start();
      return started;
    },
    async publish(event) {
      if (status.state !== 'connected' || client === undefined) {
        throw new MaestroError('UNAVAILABLE', `transport of ${label} is ${status.state}`);
      }
      const topic = publishTopic(config.topics, identity, event);
      const message = encodeMqttEvent(event, topic, maxMessageBytes);
      let reasonCode: number | undefined;
      try {
        const result = await client.publish({
          topicName: topic,
          qos: config.pubQoS === 0 ? mqtt5.QoS.AtMostOnce : mqtt5.QoS.AtLeastOnce,
          payload: message.payload,
          // The native client fails on an explicit undefined property.
          ...(message.properties.contentType === undefined
            ? {}
            : { contentType: message.properties.contentType }),
          userProperties: Object.entries(message.properties.userProperties).map(([name, value]) => ({
            name,
            value,
          })),
        });
        reasonCode = result?.reasonCode;
      } catch (err) {
        throw new MaestroError(
          'UNAVAILABLE',
          `aws iot publish of event '${event.id}' to '${topic}' failed: ${errorMessage(err)}`,
          {
            cause: err,
          },
        );
      }
      if (reasonCode !== undefined && reasonCode >= FAILURE_REASON) {
        throw new MaestroError(
          NOT_AUTHORIZED.has(reasonCode) ? 'PERMISSION_DENIED' : 'UNAVAILABLE',
          `aws iot refused event '${event.id}' on '${topic}' (reason ${reasonCode})`,
        );
      }
    },
    onStatus: (listener) => status.onStatus(listener),
    stop: () => shutdown(),
  };
}

/** The SDK client config: mTLS from files, the config's CA, clean session, our keepalive and client id. */
function buildClientConfig(
  config: AwsIotTransportOptions['config'],
  clientId: string,
  reconnectDelayMs: AwsIotTransportOptions['reconnectDelayMs'],
): mqtt5.Mqtt5ClientConfig {
  const [host, port] = splitHostPort(config.brokerHost);
  const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
    host,
    config.clientCertFile as string,
    config.clientKeyFile as string,
  );
  builder.withPort(port);
  if (config.ca !== undefined) builder.withCertificateAuthority(config.ca.toString());
  else if (config.caFile !== undefined) builder.withCertificateAuthority(readFileSync(config.caFile, 'utf8'));
  builder.withConnectProperties({ clientId, keepAliveIntervalSeconds: config.keepAliveSeconds });
  builder.withSessionBehavior(mqtt5.ClientSessionBehavior.Clean);
  builder.withConnackTimeoutMs(config.dialTimeoutMs);
  // Publishes fail while disconnected (the contract: UNAVAILABLE) instead of waiting in a queue, and
  // an unanswered publish fails after a while instead of hanging.
  builder.withOfflineQueueBehavior(mqtt5.ClientOperationQueueBehavior.FailAllOnDisconnect);
  builder.withAckTimeoutSeconds(30);
  builder.withMinReconnectDelayMs(reconnectDelayMs?.min ?? 1000);
  builder.withMaxReconnectDelayMs(reconnectDelayMs?.max ?? 60_000);
  return builder.build();
}

function splitHostPort(hostPort: string): [string, number] {
  const withoutScheme = hostPort.replace(/^[a-z]+:\/\//, '');
  const colon = withoutScheme.lastIndexOf(':');
  if (colon < 0) return [withoutScheme, 8883];
  return [withoutScheme.slice(0, colon), Number(withoutScheme.slice(colon + 1))];
}

function payloadBytes(payload: unknown): Buffer {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload);
  if (payload instanceof ArrayBuffer) return Buffer.from(payload);
  if (ArrayBuffer.isView(payload)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.from(JSON.stringify(payload));
}
