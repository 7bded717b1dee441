/**
 * The server side of one `Subscribe` stream, shared by Maestro's two gRPC servers: the agent broker
 * (`broker-server.ts`) and the source API on :8090 (`src/server/grpc/`), which should open every
 * accepted subscription with {@link openSubscriptionStream} instead of writing to the call directly.
 *
 * It does what upstream clients rely on (protocol.md §9.1–§9.3, §9.6): sends the `subscription-id`
 * header at once, sends heartbeat events every interval, and cleans up when the client cancels or the
 * connection drops. Unlike upstream (whose producers block forever on a full 100-event channel), the
 * buffer is bounded without letting one client hold up the others: `send` waits while the stream's
 * backlog is full, and when the client does not drain it within `stallTimeoutMs` the stream is ended
 * with `RESOURCE_EXHAUSTED` (the client reconnects and resyncs). A healthy client receiving a burst
 * (a large resync) only slows that one `send` down.
 */
import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { MaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { HEARTBEAT_EVENT_TYPE } from '../../cloudevents/event-types.ts';
import { encodeProtoEvent } from '../../cloudevents/proto.ts';
import type { PbSubscriptionRequest } from '../../cloudevents/proto.ts';
import { toServiceError } from './status-mapping.ts';
import type { SubscribeResponse } from './service.ts';

/** The response header upstream clients require before they consider a subscription established. */
export const SUBSCRIPTION_ID_HEADER = 'subscription-id';

/** Options for {@link openSubscriptionStream}. */
export interface SubscriptionStreamOptions {
  /** The accepted `Subscribe` call (its service must be `cloudEventGrpcService()`). */
  call: ServerWritableStream<PbSubscriptionRequest, SubscribeResponse>;
  /** Interval between heartbeat events; 0 disables them. */
  heartbeatIntervalMs: number;
  /**
   * Events the stream may hold before `send` waits for the client to read (at least the stream's
   * high-water mark of 16 events).
   */
  maxBufferedEvents: number;
  /** How long `send` waits for a full stream to drain before ending it. */
  stallTimeoutMs: number;
  logger: Logger;
}

/** One open subscription; see the module comment. */
export interface SubscriptionStream {
  /** The id sent in the `subscription-id` header. */
  readonly id: string;
  /** True once the stream has ended for any reason. */
  readonly closed: boolean;
  /**
   * Queues one event, encoded once with `encodeProtoEvent` so fan-out does not re-encode. Sends keep
   * their call order. Resolves true once the event is queued, false when the stream is closed or was
   * ended because the client stalled.
   */
  send(encodedEvent: Buffer): Promise<boolean>;
  /** Ends the stream, with an error status when `error` is given. Idempotent. */
  close(error?: MaestroError): void;
  /** Runs `listener` once when the stream ends (client cancel, connection loss or {@link close}). */
  onClose(listener: () => void): void;
}

/**
 * Accepts a `Subscribe` call: sends the `subscription-id` header, starts heartbeats and returns the
 * stream. Register the stream for routing before any `await`, so no event published after the
 * client saw the header can miss it.
 */
export function openSubscriptionStream(options: SubscriptionStreamOptions): SubscriptionStream {
  const { call, logger } = options;
  const id = randomUUID();
  const log = logger.child({ subscriptionId: id });
  const closeListeners: Array<() => void> = [];
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let sendTail: Promise<unknown> = Promise.resolve();

  function finish(): void {
    if (closed) return;
    closed = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    for (const listener of closeListeners.splice(0)) listener();
  }

  /** Resolves true when the backlog drains, false when the stream closes or stalls. */
  function drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        call.off('drain', onDrain);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const timer = setTimeout(() => done(false), options.stallTimeoutMs);
      call.on('drain', onDrain);
      closeListeners.push(() => done(false));
    });
  }

  async function writeWhenReady(encodedEvent: Buffer): Promise<boolean> {
    if (closed) return false;
    if (call.writableLength >= options.maxBufferedEvents && call.writableNeedDrain) {
      if (!(await drained())) {
        stream.close(
          new MaestroError(
            'RESOURCE_EXHAUSTED',
            `subscriber is not reading: ${call.writableLength} events buffered for ${options.stallTimeoutMs} ms; reconnect and resync`,
          ),
        );
        return false;
      }
      if (closed) return false;
    }
    call.write(encodedEvent);
    return true;
  }

  const stream: SubscriptionStream = {
    id,
    get closed() {
      return closed;
    },
    send(encodedEvent) {
      const sent = sendTail.then(() => writeWhenReady(encodedEvent));
      sendTail = sent;
      return sent;
    },
    close(error) {
      if (closed) return;
      finish();
      if (error === undefined) {
        call.end();
      } else {
        log.warn({ err: error.message }, 'ending subscription');
        call.emit('error', toServiceError(error));
      }
    },
    onClose(listener) {
      if (closed) listener();
      else closeListeners.push(listener);
    },
  };

  call.on('cancelled', finish);
  call.on('close', finish);
  call.on('finish', finish);
  call.on('error', finish);

  const header = new Metadata();
  header.set(SUBSCRIPTION_ID_HEADER, id);
  call.sendMetadata(header);

  if (options.heartbeatIntervalMs > 0) {
    heartbeat = setInterval(() => {
      // A backed-up stream skips heartbeats: they only prove liveness, and data already does.
      if (!closed && call.writableLength === 0) call.write(heartbeatEvent());
    }, options.heartbeatIntervalMs);
  }
  return stream;
}

/** A heartbeat event as upstream sends it: id, spec version and type only (protocol.md §9.6). */
function heartbeatEvent(): Buffer {
  return encodeProtoEvent({ id: randomUUID(), spec_version: '1.0', type: HEARTBEAT_EVENT_TYPE });
}
