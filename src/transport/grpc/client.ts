/**
 * The gRPC client transport (protocol.md §9.1) for both roles: an agent subscribes to the broker
 * (:8091) by cluster name, a source client subscribes to the server's source API (:8090) by source id.
 *
 * A subscription counts as established only once the server's `subscription-id` header arrives; then
 * the transport emits `connected` (the resync trigger). Heartbeat events are filtered by type before
 * decoding. When the stream fails or ends, or no message arrives within `serverHealthinessTimeoutMs`,
 * the transport emits `reconnecting`, opens a fresh channel after an exponential backoff with jitter
 * and subscribes again. Events are published by unary `Publish` calls; a failed call rejects with the
 * server's status code and message as a `MaestroError`.
 */
import { Client, Metadata } from '@grpc/grpc-js';
import type { ChannelOptions, ClientReadableStream } from '@grpc/grpc-js';
import { errorMessage, MaestroError } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { HEARTBEAT_EVENT_TYPE, MANIFEST_BUNDLE_DATA_TYPE } from '../../cloudevents/event-types.ts';
import { encodePublishRequest, loadCloudEventService } from '../../cloudevents/proto.ts';
import type { PbCloudEvent, PbSubscriptionRequest } from '../../cloudevents/proto.ts';
import { fromProtoEvent, toProtoEvent } from '../../cloudevents/proto-codec.ts';
import { createBackoff } from '../backoff.ts';
import type { BackoffOptions } from '../backoff.ts';
import { createDeliveryQueue } from '../delivery-queue.ts';
import type { DeliveryQueue } from '../delivery-queue.ts';
import { routeAgentEvent, routeSourceEvent } from '../routing.ts';
import { createStartWaiter, createStatusEmitter } from '../status.ts';
import { identityLabel } from '../transport.ts';
import type { EventHandler, Transport, TransportIdentity } from '../transport.ts';
import { createChannelCredentials } from './client-credentials.ts';
import type { GrpcClientSecurityOptions } from './client-credentials.ts';
import { PUBLISH_METHOD_PATH, SUBSCRIBE_METHOD_PATH } from './service.ts';
import { fromGrpcError } from './status-mapping.ts';
import { SUBSCRIPTION_ID_HEADER } from './subscription-stream.ts';

/** Client keepalive pings (off unless configured; the servers reject pings more often than every 5 s). */
export interface GrpcKeepaliveOptions {
  timeMs: number;
  timeoutMs: number;
  permitWithoutStream: boolean;
}

/** Connection settings, as the gRPC client config file (§9.7) provides them. */
export interface GrpcConnectionOptions extends GrpcClientSecurityOptions {
  /** Server address `host:port`. */
  url: string;
  keepalive?: GrpcKeepaliveOptions;
  /** Reconnect when no message (heartbeats included) arrives for this long; off when unset. */
  serverHealthinessTimeoutMs?: number;
}

/** Options for {@link createGrpcTransport}. */
export interface GrpcClientOptions extends GrpcConnectionOptions {
  /** Reconnect delays; default 1 s doubling to 60 s, jitter 0.5. */
  reconnectBackoff?: BackoffOptions;
  /** Largest event accepted from the server; default 4 MiB. */
  maxReceiveMessageBytes?: number;
  /** Largest `Publish` request sent (bigger ones reject with `RESOURCE_EXHAUSTED`); default 4 MiB. */
  maxSendMessageBytes?: number;
  /** Deadline of each `Publish` call; default 30000 ms. */
  publishTimeoutMs?: number;
  /** Received events waiting for the handler before the stream is paused (backpressure); default 100. */
  maxPendingEvents?: number;
  /** The data type subscribed to; default the ManifestBundle data type. */
  dataType?: string;
  logger?: Logger;
}

/** How long a subscription without a `subscription-id` header waits for the server's error status. */
const MISSING_HEADER_GRACE_MS = 5000;

/** The transport name gRPC client transports report. */
export const GRPC_TRANSPORT_NAME = 'grpc';

/** Creates a gRPC client transport for `identity`; nothing connects until `start()`. */
export function createGrpcTransport(identity: TransportIdentity, options: GrpcClientOptions): Transport {
  const label = identityLabel(identity);
  const credentials = createChannelCredentials(options);
  const maxSendMessageBytes = options.maxSendMessageBytes ?? 4 * 1024 * 1024;
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const maxPendingEvents = options.maxPendingEvents ?? 100;
  const logger = (options.logger ?? createSilentLogger()).child({
    component: 'grpc-client',
    url: options.url,
    ...(identity.role === 'agent' ? { cluster: identity.clusterName } : { source: identity.sourceId }),
  });
  const status = createStatusEmitter(logger);
  const backoff = createBackoff(options.reconnectBackoff);
  const { Subscribe } = loadCloudEventService();
  const request: PbSubscriptionRequest =
    identity.role === 'agent'
      ? {
          source: '',
          cluster_name: identity.clusterName,
          data_type: options.dataType ?? MANIFEST_BUNDLE_DATA_TYPE,
        }
      : {
          source: identity.sourceId,
          cluster_name: '',
          data_type: options.dataType ?? MANIFEST_BUNDLE_DATA_TYPE,
        };
  const channelOptions: ChannelOptions = {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
    // no channelz service is served, so its per-call tracking would be work for nothing
    'grpc.enable_channelz': 0,
    ...(options.keepalive === undefined
      ? {}
      : {
          'grpc.keepalive_time_ms': options.keepalive.timeMs,
          'grpc.keepalive_timeout_ms': options.keepalive.timeoutMs,
          'grpc.keepalive_permit_without_calls': options.keepalive.permitWithoutStream ? 1 : 0,
        }),
  };

  let client: Client | undefined;
  let call: ClientReadableStream<PbCloudEvent> | undefined;
  let queue: DeliveryQueue | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const startWaiter = createStartWaiter();

  function closeChannel(): void {
    if (healthTimer !== undefined) clearTimeout(healthTimer);
    healthTimer = undefined;
    const [oldCall, oldClient] = [call, client];
    call = undefined;
    client = undefined;
    oldCall?.cancel();
    oldClient?.close();
  }

  function armHealthCheck(): void {
    const timeoutMs = options.serverHealthinessTimeoutMs;
    if (timeoutMs === undefined || timeoutMs <= 0) return;
    if (healthTimer !== undefined) clearTimeout(healthTimer);
    const watched = call;
    healthTimer = setTimeout(() => {
      if (call === watched) {
        connectionLost(
          new MaestroError('UNAVAILABLE', `no heartbeat from '${options.url}' for ${timeoutMs} ms`),
        );
      }
    }, timeoutMs);
  }

  /** Opens a channel and a subscription; `connected` follows once the `subscription-id` header arrives. */
  function subscribe(): void {
    client = new Client(options.url, credentials, channelOptions);
    const stream = client.makeServerStreamRequest<PbSubscriptionRequest, PbCloudEvent>(
      SUBSCRIBE_METHOD_PATH,
      Subscribe.requestSerialize,
      Subscribe.responseDeserialize,
      request,
      new Metadata(),
    );
    call = stream;
    let missingHeader: MaestroError | undefined;
    stream.on('metadata', (metadata: Metadata) => {
      if (call !== stream) return;
      const ids = metadata.get(SUBSCRIPTION_ID_HEADER);
      if (ids.length !== 1) {
        // As upstream: give the server a moment to explain itself with an error status first.
        missingHeader = new MaestroError(
          'UNAVAILABLE',
          `server '${options.url}' sent ${ids.length} '${SUBSCRIPTION_ID_HEADER}' headers, want 1`,
        );
        const lost = missingHeader;
        setTimeout(() => {
          if (call === stream) connectionLost(lost);
        }, MISSING_HEADER_GRACE_MS).unref();
        return;
      }
      backoff.reset();
      armHealthCheck();
      logger.info({ subscriptionId: String(ids[0]) }, 'subscribed');
      status.set('connected');
      startWaiter.settle();
    });
    stream.on('data', (pb: PbCloudEvent) => {
      if (call !== stream) return;
      if (missingHeader !== undefined) {
        connectionLost(missingHeader);
        return;
      }
      armHealthCheck();
      if (pb.type === HEARTBEAT_EVENT_TYPE) return;
      let event: MaestroEvent;
      try {
        event = fromProtoEvent(pb);
      } catch (err) {
        logger.warn({ err: errorMessage(err), eventId: pb.id }, 'dropped undecodable event');
        return;
      }
      queue?.push(event);
      if ((queue?.size ?? 0) >= maxPendingEvents) stream.pause();
    });
    stream.on('error', (err: Error) => {
      if (call === stream) connectionLost(fromGrpcError(err));
    });
    stream.on('end', () => {
      if (call === stream) {
        connectionLost(new MaestroError('UNAVAILABLE', `server '${options.url}' ended the subscription`));
      }
    });
  }

  function connectionLost(error: MaestroError): void {
    if (status.state === 'closed') return;
    closeChannel();
    const delay = backoff.next();
    logger.warn({ err: error.message, retryInMs: delay }, 'subscription lost');
    if (status.state === 'connected') status.set('reconnecting', error);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (status.state !== 'closed') subscribe();
    }, delay);
  }

  return {
    name: GRPC_TRANSPORT_NAME,
    get state() {
      return status.state;
    },
    async start(handler: EventHandler) {
      status.claimStart(label);
      queue = createDeliveryQueue({ handler, logger, onDrain: () => call?.resume() });
      const started = startWaiter.wait();
      subscribe();
      return started;
    },
    async publish(event) {
      const target = client;
      if (target === undefined) throw new MaestroError('UNAVAILABLE', `grpc transport is ${status.state}`);
      if (identity.role === 'agent') routeAgentEvent(event);
      else routeSourceEvent(event);
      const encoded = encodePublishRequest({ event: toProtoEvent(event) });
      if (encoded.length > maxSendMessageBytes) {
        throw new MaestroError(
          'RESOURCE_EXHAUSTED',
          `event '${event.id}' is ${encoded.length} bytes, more than the ${maxSendMessageBytes}-byte limit`,
        );
      }
      await new Promise<void>((resolve, reject) => {
        target.makeUnaryRequest<Buffer, Buffer>(
          PUBLISH_METHOD_PATH,
          (bytes) => bytes,
          (bytes) => bytes,
          encoded,
          new Metadata(),
          { deadline: Date.now() + publishTimeoutMs },
          (err) => (err ? reject(fromGrpcError(err)) : resolve()),
        );
      });
    },
    onStatus: (listener) => status.onStatus(listener),
    async stop() {
      if (status.state === 'closed') return;
      status.set('closed');
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      queue?.close();
      closeChannel();
      startWaiter.settle(new MaestroError('UNAVAILABLE', 'grpc transport stopped before it connected'));
    },
  };
}
