/**
 * The gRPC source API on :8090 (protocol.md §9.2, server.md §5.1), `io.cloudevents.v1.CloudEventService`:
 *
 * - `Publish` of `spec.create_request|update_request|delete_request` → the resource service (the
 *   call returns once the change and its outbox event are committed), and of `status.resync_request`
 *   → the stored statuses whose hash differs, pushed to the subscribers of the event's source;
 * - `Subscribe` by source: `subscription-id` header, heartbeats, and every status of that source's
 *   resources relayed from any replica.
 *
 * Errors carry real gRPC codes from the MaestroError code (upstream answers `Unknown`); a message
 * over `--grpc-max-receive-message-size` is refused by grpc-js with RESOURCE_EXHAUSTED.
 */
import { Server } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { errorMessage, MaestroError, toMaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { parseEventType } from '../../cloudevents/event-types.ts';
import type { PbSubscriptionRequest } from '../../cloudevents/proto.ts';
import { createServerCredentials } from '../../transport/grpc/server-credentials.ts';
import type { GrpcServerTlsOptions } from '../../transport/grpc/server-credentials.ts';
import { grpcServerOptions } from '../../transport/grpc/server-options.ts';
import { decodePublishedEvent, rawPublishGrpcService } from '../../transport/grpc/raw-publish.ts';
import type { SubscribeResponse } from '../../transport/grpc/service.ts';
import { toServiceError } from '../../transport/grpc/status-mapping.ts';
import { openSubscriptionStream } from '../../transport/grpc/subscription-stream.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { ResourceService } from '../services/resource-service.ts';
import { answerStatusResync, decodeStatusResyncRequest } from '../services/resync-service.ts';
import type { ResyncOptions } from '../services/resync-service.ts';
import { decodeSpecRequest, specActionOf } from '../services/spec-events.ts';
import type { SourceSubscribers } from './source-subscribers.ts';

/** Options for {@link createSourceServer}. */
export interface SourceServerOptions {
  host: string;
  port: number;
  logger: Logger;
  resources: ResourceService;
  resync: ResyncOptions;
  subscribers: SourceSubscribers;
  heartbeatIntervalMs: number;
  maxReceiveMessageBytes: number;
  /** TLS 1.3 (optionally mutual); plaintext when absent. */
  tls?: GrpcServerTlsOptions;
  /** Backlog per subscriber before it is disconnected; default 1,000. */
  maxBufferedEventsPerStream?: number;
  /** Upstream's `grpc_server_*` series; none recorded when absent. */
  metrics?: SourceServerMetrics;
}

/** The metrics the source API records. */
export type SourceServerMetrics = Pick<
  ServerMetrics,
  | 'grpcCalled'
  | 'grpcProcessed'
  | 'grpcProcessedDuration'
  | 'grpcMessagesReceived'
  | 'grpcRegisteredSourceClients'
>;

/** The running source API. */
export interface SourceServer {
  /** Binds and serves; resolves with the bound port. */
  start(): Promise<number>;
  /** Ends every subscription and stops serving; idempotent. */
  stop(): Promise<void>;
}

/** Creates the source API server; nothing listens until `start()`. */
export function createSourceServer(options: SourceServerOptions): SourceServer {
  const logger = options.logger.child({ component: 'grpc-source-server' });
  const { subscribers, metrics } = options;
  let server: Server | undefined;
  let stopping = false;

  const handlePublish = async (event: MaestroEvent): Promise<void> => {
    const type = parseEventType(event.type);
    if (type.action === 'resync_request') {
      const hashes = decodeStatusResyncRequest(event);
      for await (const batch of answerStatusResync(options.resync, { source: event.source, hashes })) {
        for (const status of batch) subscribers.deliver(event.source, status);
      }
      return;
    }
    const action = specActionOf(type.action);
    if (action === undefined) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `unsupported action '${type.action}' in event type '${event.type}'`,
      );
    }
    await options.resources.apply(decodeSpecRequest(event, action));
  };

  const publish = (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void => {
    if (stopping) {
      callback(toServiceError(new MaestroError('UNAVAILABLE', 'server is stopping')));
      return;
    }
    const started = process.hrtime.bigint();
    let source = 'unknown';
    const done = (code: string): void => {
      metrics?.grpcProcessed.inc({ type: 'Publish', source, code });
      metrics?.grpcProcessedDuration.observe(
        { type: 'Publish', source },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    };
    Promise.resolve()
      .then(() => {
        const event = decodePublishedEvent(call.request);
        source = event.source;
        metrics?.grpcCalled.inc({ type: 'Publish', source });
        metrics?.grpcMessagesReceived.inc({ type: 'Publish', source });
        return handlePublish(event);
      })
      .then(
        () => {
          done('OK');
          callback(null, {});
        },
        (err: unknown) => {
          const error = toMaestroError(err);
          done(error.code);
          (error.code === 'INTERNAL' || error.code === 'UNAVAILABLE' ? logger.warn : logger.debug).call(
            logger,
            { err: errorMessage(err), code: error.code },
            'publish rejected',
          );
          callback(toServiceError(error));
        },
      );
  };

  const subscribe = (call: ServerWritableStream<PbSubscriptionRequest, SubscribeResponse>): void => {
    const source = call.request.source ?? '';
    if (source === '' || stopping) {
      const error =
        source === ''
          ? new MaestroError('INVALID_ARGUMENT', 'invalid subscription request: missing source')
          : new MaestroError('UNAVAILABLE', 'server is stopping');
      call.emit('error', toServiceError(error));
      return;
    }
    const stream = openSubscriptionStream({
      call,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      maxBufferedEvents: options.maxBufferedEventsPerStream ?? 1000,
      stallTimeoutMs: 30_000,
      logger,
    });
    subscribers.add(source, stream);
    metrics?.grpcCalled.inc({ type: 'Subscribe', source });
    metrics?.grpcRegisteredSourceClients.inc({ source });
    logger.info({ source, subscriptionId: stream.id }, 'source subscribed');
    stream.onClose(() => {
      metrics?.grpcRegisteredSourceClients.dec({ source });
      metrics?.grpcProcessed.inc({ type: 'Subscribe', source, code: 'OK' });
      logger.info({ source, subscriptionId: stream.id }, 'source subscription closed');
    });
  };

  return {
    start: async () => {
      const grpcServer = new Server(grpcServerOptions(options.maxReceiveMessageBytes));
      grpcServer.addService(rawPublishGrpcService(), { Publish: publish, Subscribe: subscribe });
      const host = options.host === '' ? '0.0.0.0' : options.host;
      const address = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
      const port = await new Promise<number>((resolve, reject) => {
        grpcServer.bindAsync(address, createServerCredentials(options.tls), (err, bound) => {
          if (err)
            reject(
              new MaestroError('UNAVAILABLE', `cannot listen on ${address}: ${err.message}`, { cause: err }),
            );
          else resolve(bound);
        });
      });
      server = grpcServer;
      return port;
    },
    stop: async () => {
      stopping = true;
      const grpcServer = server;
      server = undefined;
      subscribers.closeAll((stream) => stream.close(new MaestroError('UNAVAILABLE', 'server is stopping')));
      if (grpcServer === undefined) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, 5000);
        grpcServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
