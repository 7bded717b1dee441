/**
 * The integrated gRPC agent broker (protocol.md §9.3) as the server's SOURCE-role transport: agents
 * `Subscribe` to it by cluster name and `Publish` status events and spec resync requests to it.
 *
 * - `publish(specEvent)` writes the event to every subscription stream of its `clustername` (and data
 *   type) and rejects with `UNAVAILABLE` when no agent of that cluster is connected, so the caller
 *   (the server's outbox) keeps the event pending instead of losing it as upstream does. It resolves
 *   once the event is queued on the streams (waiting while an agent's stream is full; see
 *   `subscription-stream.ts`), not when the agent has handled it.
 * - An agent's `Publish` is decoded and handed to the transport's handler; the handler's
 *   `MaestroError` becomes the gRPC status with its message (upstream answers `FailedPrecondition "{}"`).
 *   Handler calls for one cluster run one at a time in arrival order; different clusters run
 *   concurrently, so one slow agent's status does not queue every other agent behind it.
 */
import { Server } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { errorMessage, MaestroError, toMaestroError } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { stringExtension } from '../../cloudevents/event.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { formatDataType, parseDataType, parseEventType } from '../../cloudevents/event-types.ts';
import { EXT } from '../../cloudevents/extensions.ts';
import { encodeProtoEvent } from '../../cloudevents/proto.ts';
import type { PbSubscriptionRequest } from '../../cloudevents/proto.ts';
import { toProtoEvent } from '../../cloudevents/proto-codec.ts';
import { routeAgentEvent, routeSourceEvent } from '../routing.ts';
import { createStatusEmitter } from '../status.ts';
import type { EventHandler, Transport } from '../transport.ts';
import { createServerCredentials } from './server-credentials.ts';
import type { GrpcServerTlsOptions } from './server-credentials.ts';
import { grpcServerOptions } from './server-options.ts';
import { decodePublishedEvent, rawPublishGrpcService } from './raw-publish.ts';
import type { SubscribeResponse } from './service.ts';
import { toServiceError } from './status-mapping.ts';
import { openSubscriptionStream } from './subscription-stream.ts';
import type { SubscriptionStream } from './subscription-stream.ts';

/** Options for {@link createGrpcBrokerTransport}; every field has a default. */
export interface GrpcBrokerOptions {
  /** Listen address; default `0.0.0.0`. */
  host?: string;
  /** Listen port; default 8091; 0 picks a free port (read it from {@link GrpcBrokerTransport.port}). */
  port?: number;
  /** Heartbeat interval on every subscription stream; default 10000 ms; 0 disables heartbeats. */
  heartbeatIntervalMs?: number;
  /** Largest `Publish` request accepted; default 4 MiB (bigger ones fail with `RESOURCE_EXHAUSTED`). */
  maxReceiveMessageBytes?: number;
  /**
   * Largest event sent to agents; default 4 MiB, the default receive limit of Go and Node gRPC
   * clients (a bigger event would break the agent's stream, so `publish` rejects it instead).
   */
  maxSendMessageBytes?: number;
  /** Backlog per subscription stream before `publish` waits for the agent to read; default 1000. */
  maxBufferedEventsPerStream?: number;
  /**
   * How long `publish` waits for a full stream to drain before disconnecting that agent (it reconnects
   * and resyncs); default 30000 ms. Only publishes to that agent's cluster wait.
   */
  streamStallTimeoutMs?: number;
  /** Serve TLS 1.3 (mutual when `clientCa` is set); plaintext without it. */
  tls?: GrpcServerTlsOptions;
  /** How long `stop()` waits for connections to close before cutting them; default 5000 ms. */
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

/** The broker transport; beyond {@link Transport} it reports which agents are connected. */
export interface GrpcBrokerTransport extends Transport {
  /** The bound port (valid after `start()`), useful when `port` was 0. */
  readonly port: number;
  /** Clusters with at least one open subscription stream, sorted. */
  connectedClusters(): string[];
  /**
   * Called with `connected: true` when a cluster's first stream opens and `false` when its last one
   * closes. Returns a function that removes the listener.
   */
  onAgentSubscriptionChange(listener: (clusterName: string, connected: boolean) => void): () => void;
}

/** The transport name the broker reports. */
export const GRPC_BROKER_TRANSPORT_NAME = 'grpc-broker';

interface AgentStream {
  clusterName: string;
  dataType: string;
  stream: SubscriptionStream;
}

/** Creates the broker transport; nothing listens until `start()`. */
export function createGrpcBrokerTransport(options: GrpcBrokerOptions = {}): GrpcBrokerTransport {
  const host = options.host ?? '0.0.0.0';
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
  const maxReceiveMessageBytes = options.maxReceiveMessageBytes ?? 4 * 1024 * 1024;
  const maxSendMessageBytes = options.maxSendMessageBytes ?? 4 * 1024 * 1024;
  const maxBufferedEvents = options.maxBufferedEventsPerStream ?? 1000;
  const stallTimeoutMs = options.streamStallTimeoutMs ?? 30_000;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  const logger = (options.logger ?? createSilentLogger()).child({ component: 'grpc-broker' });
  const status = createStatusEmitter(logger);
  // indexed by cluster so routing an event costs O(streams of its cluster), not O(all streams)
  const streamsByCluster = new Map<string, Set<AgentStream>>();
  let clusterList: string[] | undefined;
  const subscriptionListeners = new Set<(clusterName: string, connected: boolean) => void>();
  const handlerChains = new Map<string, Promise<void>>();
  let server: Server | undefined;
  let boundPort = 0;
  let handler: EventHandler | undefined;

  function notifySubscription(clusterName: string, connected: boolean): void {
    for (const listener of [...subscriptionListeners]) {
      try {
        listener(clusterName, connected);
      } catch (err) {
        logger.error({ err: errorMessage(err) }, 'agent subscription listener failed');
      }
    }
  }

  function allStreams(): AgentStream[] {
    return [...streamsByCluster.values()].flatMap((set) => [...set]);
  }

  function subscribe(call: ServerWritableStream<PbSubscriptionRequest, SubscribeResponse>): void {
    const clusterName = call.request.cluster_name ?? '';
    const dataTypeText = call.request.data_type ?? '';
    let dataType: string;
    try {
      if (clusterName === '') {
        throw new MaestroError('INVALID_ARGUMENT', 'invalid subscription request: missing cluster name');
      }
      dataType = formatDataType(parseDataType(dataTypeText));
    } catch (err) {
      call.emit('error', toServiceError(toMaestroError(err, 'INVALID_ARGUMENT')));
      return;
    }
    if (status.state !== 'connected') {
      call.emit('error', toServiceError(new MaestroError('UNAVAILABLE', 'broker is stopping')));
      return;
    }
    const stream = openSubscriptionStream({
      call,
      heartbeatIntervalMs,
      maxBufferedEvents,
      stallTimeoutMs,
      logger,
    });
    const entry: AgentStream = { clusterName, dataType, stream };
    let clusterSet = streamsByCluster.get(clusterName);
    const first = clusterSet === undefined;
    if (clusterSet === undefined) {
      streamsByCluster.set(clusterName, (clusterSet = new Set()));
      clusterList = undefined;
    }
    clusterSet.add(entry);
    logger.info({ cluster: clusterName, subscriptionId: stream.id }, 'agent subscribed');
    if (first) notifySubscription(clusterName, true);
    stream.onClose(() => {
      const set = streamsByCluster.get(clusterName);
      if (set === undefined || !set.delete(entry)) return;
      logger.info({ cluster: clusterName, subscriptionId: stream.id }, 'agent subscription closed');
      if (set.size > 0) return;
      streamsByCluster.delete(clusterName);
      clusterList = undefined;
      notifySubscription(clusterName, false);
    });
  }

  /** Runs `task` after the previous task of the same key, whatever that one's outcome. */
  function inOrder(key: string, task: () => Promise<void>): Promise<void> {
    const run = (handlerChains.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    handlerChains.set(key, tail);
    void tail.then(() => {
      if (handlerChains.get(key) === tail) handlerChains.delete(key);
    });
    return run;
  }

  function decodeAgentEvent(bytes: Buffer): MaestroEvent {
    const event = decodePublishedEvent(bytes);
    try {
      routeAgentEvent(event);
    } catch (err) {
      throw toMaestroError(err, 'INVALID_ARGUMENT');
    }
    return event;
  }

  function publishRpc(call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void {
    let event: MaestroEvent;
    try {
      event = decodeAgentEvent(call.request);
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'rejected undecodable event');
      callback(toServiceError(err));
      return;
    }
    const key = stringExtension(event, EXT.clusterName) ?? event.source;
    inOrder(key, async () => {
      if (handler === undefined || status.state !== 'connected') {
        throw new MaestroError('UNAVAILABLE', 'broker is stopping');
      }
      await handler(event);
    }).then(
      () => callback(null, {}),
      (err: unknown) => {
        logger.warn(
          { err: errorMessage(err), eventId: event.id, eventType: event.type },
          'agent event rejected',
        );
        callback(toServiceError(err));
      },
    );
  }

  async function bind(): Promise<void> {
    const grpcServer = new Server(grpcServerOptions(maxReceiveMessageBytes));
    grpcServer.addService(rawPublishGrpcService(), { Publish: publishRpc, Subscribe: subscribe });
    const address = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 8091}`;
    boundPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync(address, createServerCredentials(options.tls), (err, port) => {
        if (err)
          reject(
            new MaestroError('UNAVAILABLE', `cannot listen on ${address}: ${err.message}`, { cause: err }),
          );
        else resolve(port);
      });
    });
    server = grpcServer;
  }

  return {
    name: GRPC_BROKER_TRANSPORT_NAME,
    get state() {
      return status.state;
    },
    get port() {
      return boundPort;
    },
    async start(eventHandler) {
      if (status.state !== 'idle')
        throw new MaestroError('FAILED_PRECONDITION', 'grpc broker already started');
      handler = eventHandler;
      status.set('connecting');
      try {
        await bind();
      } catch (err) {
        status.set('closed', toMaestroError(err));
        throw err;
      }
      status.set('connected');
      logger.info({ host, port: boundPort, tls: options.tls !== undefined }, 'grpc broker listening');
    },
    async publish(event) {
      if (status.state !== 'connected') {
        throw new MaestroError('UNAVAILABLE', `grpc broker is ${status.state}`);
      }
      const route = routeSourceEvent(event);
      const dataType = formatDataType(parseEventType(event.type).dataType);
      const encoded = encodeProtoEvent(toProtoEvent(event));
      if (encoded.length > maxSendMessageBytes) {
        throw new MaestroError(
          'RESOURCE_EXHAUSTED',
          `event '${event.id}' is ${encoded.length} bytes, more than the ${maxSendMessageBytes}-byte limit`,
        );
      }
      const candidates =
        route.to === 'all-agents' ? allStreams() : [...(streamsByCluster.get(route.clusterName) ?? [])];
      const sends = candidates.filter((s) => s.dataType === dataType).map((s) => s.stream.send(encoded));
      const sent = (await Promise.all(sends)).filter(Boolean).length;
      if (route.to === 'cluster' && sent === 0) {
        throw new MaestroError('UNAVAILABLE', `no agent of cluster '${route.clusterName}' is connected`);
      }
    },
    onStatus: (listener) => status.onStatus(listener),
    connectedClusters: () => (clusterList ??= [...streamsByCluster.keys()].sort()),
    onAgentSubscriptionChange(listener) {
      subscriptionListeners.add(listener);
      return () => subscriptionListeners.delete(listener);
    },
    async stop() {
      if (status.state === 'closed') return;
      status.set('closed');
      handler = undefined;
      for (const s of allStreams()) s.stream.close(new MaestroError('UNAVAILABLE', 'broker is stopping'));
      const grpcServer = server;
      server = undefined;
      if (grpcServer === undefined) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, shutdownTimeoutMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      logger.info({ port: boundPort }, 'grpc broker stopped');
    },
  };
}
