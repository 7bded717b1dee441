/**
 * The MQTT 5 transport (protocol.md §10) on mqtt.js, for both roles: binary-mode CloudEvents with user
 * properties, QoS 1, clean start, optional username/password and (m)TLS, the upstream topic layout
 * ({@link subscriptionTopics}, {@link publishTopic}), shared subscriptions (`$share/<group>/…`).
 *
 * After a connection loss it emits `reconnecting`, reconnects with exponential backoff and jitter,
 * subscribes again (clean start: the broker kept nothing) and emits `connected` — the resync trigger.
 * Messages published while the transport was away are lost, as upstream; the resync covers them.
 * A message that is not a CloudEvent is logged and dropped; the subscription carries on.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { errorMessage, MaestroError } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { fromMqttMessage } from '../../cloudevents/mqtt-codec.ts';
import { createBackoff } from '../backoff.ts';
import type { BackoffOptions } from '../backoff.ts';
import type { MqttBrokerConfig } from '../broker-config.ts';
import { createDeliveryQueue } from '../delivery-queue.ts';
import type { DeliveryQueue } from '../delivery-queue.ts';
import { createStartWaiter, createStatusEmitter } from '../status.ts';
import { identityLabel } from '../transport.ts';
import type { EventHandler, Transport, TransportIdentity } from '../transport.ts';
import { encodeMqttEvent, MQTT_MAX_MESSAGE_BYTES } from './message.ts';
import { createMqttClient } from './mqtt-socket.ts';
import type { MqttClientOptions } from './mqtt-socket.ts';
import { publishTopic, subscriptionTopics, validateMqttTopics } from './topics.ts';

/** Options for {@link createMqttTransport}. */
export interface MqttTransportOptions {
  /** The broker config (see `loadMqttBrokerConfig`). */
  config: Omit<MqttBrokerConfig, 'unknownKeys'>;
  /**
   * The MQTT client id. Default: `<agentId>-client` for an agent (upstream's rule), the source id for
   * a source (Maestro passes its `--client-id`).
   */
  clientId?: string;
  /** The agent id an agent's client id derives from; default the cluster name. */
  agentId?: string;
  /** Largest PUBLISH packet sent; default 512 KiB (upstream's budget). */
  maxMessageBytes?: number;
  /** Reconnect delays; default 1 s doubling to 60 s, jitter 0.5. */
  reconnectBackoff?: BackoffOptions;
  logger?: Logger;
}

/** The transport name MQTT transports report. */
export const MQTT_TRANSPORT_NAME = 'mqtt';

/** MQTT 5 CONNACK/SUBACK/PUBACK reason codes that say the client is not allowed (not worth retrying). */
const REASON_CODE_ERRORS: Readonly<Record<number, ErrorCode>> = {
  0x86: 'UNAUTHENTICATED',
  0x87: 'PERMISSION_DENIED',
  0x8c: 'UNAUTHENTICATED',
  0x95: 'RESOURCE_EXHAUSTED',
  0x97: 'RESOURCE_EXHAUSTED',
};

/** Creates an MQTT transport for `identity`; the config is validated now, nothing connects until `start()`. */
export function createMqttTransport(identity: TransportIdentity, options: MqttTransportOptions): Transport {
  const { config } = options;
  validateMqttTopics(config.topics, identity);
  const clientId =
    options.clientId ??
    (identity.role === 'agent' ? `${options.agentId ?? identity.clusterName}-client` : identity.sourceId);
  const maxMessageBytes = options.maxMessageBytes ?? MQTT_MAX_MESSAGE_BYTES;
  const label = identityLabel(identity);
  const logger = (options.logger ?? createSilentLogger()).child({
    component: 'mqtt-transport',
    broker: config.brokerHost,
    clientId,
  });
  const clientOptions = buildClientOptions(config, clientId);
  const topics = subscriptionTopics(config.topics, identity);
  const status = createStatusEmitter(logger);
  const backoff = createBackoff(options.reconnectBackoff);
  let client: MqttClient | undefined;
  let queue: DeliveryQueue | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const startWaiter = createStartWaiter();

  async function onConnect(): Promise<void> {
    const current = client;
    if (current === undefined) return;
    try {
      const grants = await current.subscribeAsync(topics, { qos: config.subQoS });
      const refused = grants.filter((g) => g.qos >= 0x80);
      if (refused.length > 0) {
        const error = new MaestroError(
          REASON_CODE_ERRORS[refused[0]?.qos as number] ?? 'PERMISSION_DENIED',
          `mqtt broker refused the subscription of ${label} to ${refused.map((g) => `'${g.topic}'`).join(', ')}`,
        );
        if (startWaiter.pending) {
          void shutdown(error);
          return;
        }
        throw error;
      }
    } catch (err) {
      if (status.state === 'closed' || client !== current) return;
      logger.warn({ err: errorMessage(err) }, 'mqtt subscribe failed; reconnecting');
      current.stream.destroy();
      return;
    }
    if (status.state === 'closed' || client !== current) return;
    backoff.reset();
    status.set('connected');
    logger.info({ topics }, 'mqtt subscribed');
    startWaiter.settle();
  }

  function onClose(): void {
    if (status.state === 'closed') return;
    if (status.state === 'connected') {
      status.set('reconnecting', new MaestroError('UNAVAILABLE', `mqtt connection of ${label} lost`));
    }
    if (retryTimer !== undefined) return;
    const delay = backoff.next();
    logger.debug({ delayMs: delay }, 'mqtt reconnect scheduled');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (status.state !== 'closed') client?.reconnect();
    }, delay);
  }

  function onError(err: Error & { code?: number | string }): void {
    const code = typeof err.code === 'number' ? REASON_CODE_ERRORS[err.code] : undefined;
    if (code !== undefined && startWaiter.pending) {
      void shutdown(new MaestroError(code, `mqtt broker refused ${label}: ${err.message}`, { cause: err }));
      return;
    }
    logger.warn({ err: err.message }, 'mqtt client error');
  }

  function onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    let event;
    try {
      event = fromMqttMessage(payload, packet.properties ?? {});
    } catch (err) {
      logger.warn({ topic, err: errorMessage(err) }, 'dropped a malformed mqtt message');
      return;
    }
    queue?.push(event);
  }

  async function shutdown(error?: Error): Promise<void> {
    if (status.state === 'closed') return;
    status.set('closed', error);
    clearTimeout(retryTimer);
    retryTimer = undefined;
    queue?.close();
    startWaiter.settle(
      error ?? new MaestroError('UNAVAILABLE', `transport of ${label} stopped before connecting`),
    );
    const current = client;
    client = undefined;
    await current
      ?.endAsync()
      .catch((err: unknown) => logger.debug({ err: errorMessage(err) }, 'mqtt end failed'));
  }

  return {
    name: MQTT_TRANSPORT_NAME,
    get state() {
      return status.state;
    },
    async start(handler: EventHandler) {
      status.claimStart(label);
      queue = createDeliveryQueue({ handler, logger });
      const started = startWaiter.wait();
      client = createMqttClient(clientOptions.options, clientOptions.tls);
      client.on('connect', () => void onConnect());
      client.on('close', onClose);
      client.on('error', onError);
      client.on('message', onMessage);
      return started;
    },
    async publish(event) {
      if (status.state !== 'connected' || client === undefined) {
        throw new MaestroError('UNAVAILABLE', `transport of ${label} is ${status.state}`);
      }
      const topic = publishTopic(config.topics, identity, event);
      const message = encodeMqttEvent(event, topic, maxMessageBytes);
      try {
        await client.publishAsync(topic, message.payload, {
          qos: config.pubQoS,
          properties: message.properties,
        });
      } catch (err) {
        const reason = (err as { code?: unknown }).code;
        const code =
          typeof reason === 'number' ? (REASON_CODE_ERRORS[reason] ?? 'UNAVAILABLE') : 'UNAVAILABLE';
        throw new MaestroError(
          code,
          `mqtt publish of event '${event.id}' to '${topic}' failed: ${errorMessage(err)}`,
          {
            cause: err,
          },
        );
      }
    },
    onStatus: (listener) => status.onStatus(listener),
    stop: () => shutdown(),
  };
}

/** mqtt.js options from the upstream config (MQTT 5, clean start, our own reconnect loop), and TLS's. */
function buildClientOptions(
  config: MqttTransportOptions['config'],
  clientId: string,
): { options: MqttClientOptions; tls?: ConnectionOptions } {
  const [host, portText] = splitHostPort(config.brokerHost);
  // Upstream uses TLS only when a client certificate is configured; a CA alone then silently means
  // plain TCP (and a password sent in clear). A configured CA is taken as asking for TLS here.
  const useTls = config.clientCertFile !== undefined || config.ca !== undefined;
  const options: MqttClientOptions = {
    protocolVersion: 5,
    protocol: useTls ? 'mqtts' : 'mqtt',
    host,
    port: portText === undefined ? (useTls ? 8883 : 1883) : Number(portText),
    clientId,
    clean: true,
    keepalive: config.keepAliveSeconds,
    connectTimeout: config.dialTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: false,
    username: config.username,
    password: config.password,
    // mqtt.js otherwise formats a debug line per packet (for the `debug` module): measurable per event
    log: ignoreLog,
    // a ping every keep-alive period even while publishing, instead of re-arming a timer per packet
    reschedulePings: false,
  };
  if (!useTls) return { options };
  return {
    options,
    tls: {
      ca: config.ca,
      cert:
        config.clientCertFile === undefined ? undefined : readPem(config.clientCertFile, 'clientCertFile'),
      key: config.clientKeyFile === undefined ? undefined : readPem(config.clientKeyFile, 'clientKeyFile'),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
    },
  };
}

function ignoreLog(): void {
  // mqtt.js's own debug trace is not wanted; the transport logs what matters through pino
}

function splitHostPort(hostPort: string): [string, string | undefined] {
  const withoutScheme = hostPort.replace(/^[a-z]+:\/\//, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(withoutScheme);
  if (bracketed) return [bracketed[1] as string, bracketed[2]];
  const colon = withoutScheme.lastIndexOf(':');
  if (colon < 0) return [withoutScheme, undefined];
  return [withoutScheme.slice(0, colon), withoutScheme.slice(colon + 1)];
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `mqtt config '${key}' names a file that cannot be read ('${path}')`,
      {
        cause: err,
      },
    );
  }
}
