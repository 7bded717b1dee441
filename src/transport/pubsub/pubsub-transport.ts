/**
 * The GCP Pub/Sub transport (protocol.md §11) for both roles, on `@google-cloud/pubsub`.
 *
 * Publishing: `resync_request` events go to the role's broadcast topic, everything else to its events
 * topic; attributes come from the CloudEvents Pub/Sub codec. Pub/Sub refuses attribute values over
 * 1024 bytes (a large `metadata` extension can exceed that, protocol.md §17.1): such an event is
 * rejected with `RESOURCE_EXHAUSTED` naming the attribute rather than failing somewhere downstream.
 *
 * Receiving: the role's two subscriptions feed one ordered handler; a message is acked after the
 * handler returns (also when it failed: redelivering cannot fix it), undecodable messages are logged,
 * acked and dropped. Messages on the events subscription are also filtered here by `ce-clustername`
 * (agents) or `ce-originalsource` (sources), because the emulator ignores subscription filters.
 * On a subscriber error the transport goes `reconnecting`, reopens after a backoff and goes
 * `connected` again (the resync trigger).
 */
import { Duration } from '@google-cloud/pubsub';
import type { Message, PubSub, Subscription, Topic } from '@google-cloud/pubsub';
import { errorMessage, MaestroError } from '../../common/errors.ts';
import type { ErrorCode } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { parseEventType } from '../../cloudevents/event-types.ts';
import { fromPubSubMessage, toPubSubMessage } from '../../cloudevents/pubsub-codec.ts';
import type { PubSubEventMessage } from '../../cloudevents/pubsub-codec.ts';
import { createBackoff } from '../backoff.ts';
import type { BackoffOptions } from '../backoff.ts';
import type { PubSubBrokerConfig } from '../broker-config.ts';
import { createDeliveryQueue } from '../delivery-queue.ts';
import type { DeliveryQueue } from '../delivery-queue.ts';
import { routeAgentEvent, routeSourceEvent } from '../routing.ts';
import { createStatusEmitter } from '../status.ts';
import { identityLabel } from '../transport.ts';
import type { EventHandler, Transport, TransportIdentity } from '../transport.ts';
import { createPubSubClient } from './client.ts';
import { pubSubSubscriptionName, pubSubTopicName } from './layout.ts';

/** Options for {@link createPubSubTransport}. */
export interface PubSubTransportOptions {
  /** The broker config (see `loadPubSubBrokerConfig`); missing topics/subscriptions get upstream's names. */
  config: Omit<PubSubBrokerConfig, 'unknownKeys'>;
  /** Largest message (data plus attributes); default Pub/Sub's 10 MB. */
  maxMessageBytes?: number;
  /** Reopen delays after a subscriber error; default 1 s doubling to 60 s. */
  reconnectBackoff?: BackoffOptions;
  logger?: Logger;
}

/** The transport name Pub/Sub transports report. */
export const PUBSUB_TRANSPORT_NAME = 'pubsub';

/** Pub/Sub's limits on a message. */
export const PUBSUB_LIMITS = {
  maxMessageBytes: 10_000_000,
  maxAttributes: 100,
  maxKeyBytes: 256,
  maxValueBytes: 1024,
};

const GRPC_CODES: Readonly<Record<number, ErrorCode>> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  16: 'UNAUTHENTICATED',
};

/** The topics and subscriptions one role uses. */
interface RoleLayout {
  eventsTopic: string;
  broadcastTopic: string;
  /** The subscription whose messages are filtered by `filterAttribute`. */
  eventsSubscription: string;
  broadcastSubscription: string;
  filterAttribute: 'ce-clustername' | 'ce-originalsource';
  filterValue: string;
}

function roleLayout(config: PubSubTransportOptions['config'], identity: TransportIdentity): RoleLayout {
  const p = config.projectID;
  const { topics, subscriptions } = config;
  if (identity.role === 'source') {
    return {
      eventsTopic: topics.sourceEvents ?? pubSubTopicName(p, 'sourceevents'),
      broadcastTopic: topics.sourceBroadcast ?? pubSubTopicName(p, 'sourcebroadcast'),
      eventsSubscription:
        subscriptions.agentEvents ?? pubSubSubscriptionName(p, 'agentevents', identity.sourceId),
      broadcastSubscription:
        subscriptions.agentBroadcast ?? pubSubSubscriptionName(p, 'agentbroadcast', identity.sourceId),
      filterAttribute: 'ce-originalsource',
      filterValue: identity.sourceId,
    };
  }
  return {
    eventsTopic: topics.agentEvents ?? pubSubTopicName(p, 'agentevents'),
    broadcastTopic: topics.agentBroadcast ?? pubSubTopicName(p, 'agentbroadcast'),
    eventsSubscription:
      subscriptions.sourceEvents ?? pubSubSubscriptionName(p, 'sourceevents', identity.clusterName),
    broadcastSubscription:
      subscriptions.sourceBroadcast ?? pubSubSubscriptionName(p, 'sourcebroadcast', identity.clusterName),
    filterAttribute: 'ce-clustername',
    filterValue: identity.clusterName,
  };
}

/** Creates a Pub/Sub transport for `identity`; nothing connects until `start()`. */
export function createPubSubTransport(
  identity: TransportIdentity,
  options: PubSubTransportOptions,
): Transport {
  const layout = roleLayout(options.config, identity);
  const maxMessageBytes = options.maxMessageBytes ?? PUBSUB_LIMITS.maxMessageBytes;
  const label = identityLabel(identity);
  const logger = (options.logger ?? createSilentLogger()).child({
    component: 'pubsub-transport',
    project: options.config.projectID,
    ...(identity.role === 'source' ? { source: identity.sourceId } : { cluster: identity.clusterName }),
  });
  const status = createStatusEmitter(logger);
  const backoff = createBackoff(options.reconnectBackoff);
  const receive = options.config.receive;
  let client: PubSub | undefined;
  let publishers: { events: Topic; broadcast: Topic } | undefined;
  let subscriptions: Subscription[] = [];
  let queue: DeliveryQueue | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const unacked = new WeakMap<MaestroEvent, Message>();
  const inFlight = new Set<Message>();

  function settle(message: Message, ack: boolean): void {
    inFlight.delete(message);
    if (ack) message.ack();
    else message.nack();
  }

  function onMessage(subscriptionName: string, message: Message): void {
    if (status.state === 'closed') {
      message.nack();
      return;
    }
    const attributes = message.attributes ?? {};
    if (
      subscriptionName === layout.eventsSubscription &&
      attributes[layout.filterAttribute] !== layout.filterValue
    ) {
      message.ack();
      return;
    }
    let event: MaestroEvent;
    try {
      event = fromPubSubMessage({ data: message.data, attributes });
    } catch (err) {
      logger.warn(
        { subscription: subscriptionName, messageId: message.id, err: errorMessage(err) },
        'dropped a malformed pub/sub message',
      );
      message.ack();
      return;
    }
    inFlight.add(message);
    unacked.set(event, message);
    queue?.push(event);
  }

  function onSubscriptionError(err: Error): void {
    if (status.state === 'closed') return;
    logger.warn({ err: err.message }, 'pub/sub subscriber failed');
    if (status.state === 'connected') {
      status.set(
        'reconnecting',
        new MaestroError('UNAVAILABLE', `pub/sub subscriber of ${label} failed: ${err.message}`),
      );
    }
    scheduleReopen();
  }

  function scheduleReopen(): void {
    if (retryTimer !== undefined || status.state === 'closed') return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void openSubscriptions().catch((err: unknown) => {
        logger.warn({ err: errorMessage(err) }, 'pub/sub reopen failed');
        scheduleReopen();
      });
    }, backoff.next());
  }

  /** Checks both subscriptions exist, then (re)opens their streams. */
  async function openSubscriptions(): Promise<void> {
    const pubsub = client as PubSub;
    await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
    subscriptions = [];
    const opened: Subscription[] = [];
    for (const name of [layout.eventsSubscription, layout.broadcastSubscription]) {
      const subscription = pubsub.subscription(name, {
        streamingOptions: { maxStreams: 1 },
        flowControl: {
          maxMessages: receive.maxOutstandingMessages ?? 1000,
          ...(receive.maxOutstandingBytes === undefined ? {} : { maxBytes: receive.maxOutstandingBytes }),
        },
        ...(receive.maxExtensionMs === undefined
          ? {}
          : { maxExtensionTime: Duration.from({ milliseconds: receive.maxExtensionMs }) }),
      });
      const [exists] = await subscription.exists().catch((err: unknown) => {
        throw toTransportError(err, `cannot reach pub/sub for subscription '${name}'`);
      });
      if (!exists) {
        throw new MaestroError(
          'FAILED_PRECONDITION',
          `pub/sub subscription '${name}' does not exist (create it with 'maestro pubsub init')`,
        );
      }
      opened.push(subscription);
    }
    if (status.state === 'closed') return;
    for (const subscription of opened) {
      subscription.on('message', (message: Message) => onMessage(subscription.name, message));
      subscription.on('error', onSubscriptionError);
    }
    subscriptions = opened;
    backoff.reset();
    status.set('connected');
  }

  return {
    name: PUBSUB_TRANSPORT_NAME,
    get state() {
      return status.state;
    },
    async start(handler: EventHandler) {
      status.claimStart(label);
      client = createPubSubClient(options.config);
      const batching = { maxMessages: 100, maxMilliseconds: 1 };
      publishers = {
        events: client.topic(layout.eventsTopic, { batching }),
        broadcast: client.topic(layout.broadcastTopic, { batching }),
      };
      queue = createDeliveryQueue({
        logger,
        handler: async (event) => {
          try {
            await handler(event);
          } finally {
            const message = unacked.get(event);
            if (message !== undefined) settle(message, true);
          }
        },
      });
      try {
        await openSubscriptions();
      } catch (err) {
        await this.stop();
        throw err;
      }
    },
    async publish(event) {
      if (status.state !== 'connected' || publishers === undefined) {
        throw new MaestroError('UNAVAILABLE', `transport of ${label} is ${status.state}`);
      }
      if (identity.role === 'source') routeSourceEvent(event);
      else routeAgentEvent(event);
      const broadcast = parseEventType(event.type).action === 'resync_request';
      const topic = broadcast ? publishers.broadcast : publishers.events;
      const message = toPubSubMessage(event);
      checkLimits(event, message, maxMessageBytes);
      try {
        await topic.publishMessage(message);
      } catch (err) {
        throw toTransportError(err, `pub/sub publish of event '${event.id}' to '${topic.name}' failed`);
      }
    },
    onStatus: (listener) => status.onStatus(listener),
    async stop() {
      if (status.state === 'closed') return;
      status.set('closed');
      clearTimeout(retryTimer);
      retryTimer = undefined;
      queue?.close();
      for (const message of [...inFlight]) settle(message, false);
      await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
      subscriptions = [];
      await client
        ?.close()
        .catch((err: unknown) => logger.debug({ err: errorMessage(err) }, 'pub/sub close failed'));
      client = undefined;
      publishers = undefined;
    },
  };
}

/** Enforces Pub/Sub's message limits before publishing (never a silent failure). */
function checkLimits(event: MaestroEvent, message: PubSubEventMessage, maxMessageBytes: number): void {
  const entries = Object.entries(message.attributes);
  if (entries.length > PUBSUB_LIMITS.maxAttributes) {
    throw new MaestroError(
      'RESOURCE_EXHAUSTED',
      `event '${event.id}' has ${entries.length} attributes, more than pub/sub's ${PUBSUB_LIMITS.maxAttributes}`,
    );
  }
  let size = message.data.length;
  for (const [key, value] of entries) {
    const valueBytes = Buffer.byteLength(value);
    if (valueBytes > PUBSUB_LIMITS.maxValueBytes) {
      throw new MaestroError(
        'RESOURCE_EXHAUSTED',
        `event '${event.id}' attribute '${key}' is ${valueBytes} bytes, more than pub/sub's ${PUBSUB_LIMITS.maxValueBytes}-byte limit for attribute values`,
      );
    }
    if (Buffer.byteLength(key) > PUBSUB_LIMITS.maxKeyBytes) {
      throw new MaestroError(
        'RESOURCE_EXHAUSTED',
        `event '${event.id}' attribute name '${key}' is too long for pub/sub`,
      );
    }
    size += Buffer.byteLength(key) + valueBytes;
  }
  if (size > maxMessageBytes) {
    throw new MaestroError(
      'RESOURCE_EXHAUSTED',
      `event '${event.id}' is a ${size}-byte pub/sub message, more than the ${maxMessageBytes}-byte limit`,
    );
  }
}

function toTransportError(err: unknown, context: string): MaestroError {
  const code = (err as { code?: unknown }).code;
  return new MaestroError(
    typeof code === 'number' ? (GRPC_CODES[code] ?? 'UNAVAILABLE') : 'UNAVAILABLE',
    `${context}: ${errorMessage(err)}`,
    { cause: err },
  );
}
