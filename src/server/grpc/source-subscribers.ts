/**
 * The source subscribers of the :8090 API on this replica, keyed by source id. A status is encoded
 * once and queued on every stream of its source; a stream that stops reading is ended by its own
 * bounded buffer, never blocking the others.
 */
import { fromJsonEvent } from '../../cloudevents/json-codec.ts';
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import { encodeProtoEvent } from '../../cloudevents/proto.ts';
import { toProtoEvent } from '../../cloudevents/proto-codec.ts';
import type { SubscriptionStream } from '../../transport/grpc/subscription-stream.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';

/** Subscription streams by source. */
export interface SourceSubscribers {
  /** Registers a stream until it closes. */
  add(source: string, stream: SubscriptionStream): void;
  /**
   * Queues an event (JSON format) on every stream of `source` without waiting for any of them (each
   * stream keeps its own order and ends itself if its client stalls); returns how many streams.
   */
  deliver(source: string, event: JsonEvent): number;
  /** Sources with at least one open stream. */
  sources(): string[];
  /** Number of open streams. */
  readonly size: number;
  /** Ends every stream (server shutdown). */
  closeAll(close: (stream: SubscriptionStream) => void): void;
}

/** Options for {@link createSourceSubscribers}. */
export interface SourceSubscribersOptions {
  /** Counts every event queued on a stream (`grpc_server_message_sent_total`). */
  metrics?: Pick<ServerMetrics, 'grpcMessagesSent'>;
}

/** Creates an empty {@link SourceSubscribers}. */
export function createSourceSubscribers(options: SourceSubscribersOptions = {}): SourceSubscribers {
  const bySource = new Map<string, Set<SubscriptionStream>>();
  let size = 0;
  return {
    add(source, stream) {
      let set = bySource.get(source);
      if (set === undefined) bySource.set(source, (set = new Set()));
      set.add(stream);
      size += 1;
      stream.onClose(() => {
        if (set.delete(stream)) size -= 1;
        if (set.size === 0 && bySource.get(source) === set) bySource.delete(source);
      });
    },
    deliver(source, event) {
      const set = bySource.get(source);
      if (set === undefined || set.size === 0) return 0;
      const encoded = encodeProtoEvent(toProtoEvent(fromJsonEvent(event)));
      for (const stream of set) void stream.send(encoded);
      options.metrics?.grpcMessagesSent.inc({ type: 'Subscribe', source }, set.size);
      return set.size;
    },
    sources: () => [...bySource.keys()],
    get size() {
      return size;
    },
    closeAll(close) {
      for (const set of bySource.values()) for (const stream of [...set]) close(stream);
    },
  };
}
