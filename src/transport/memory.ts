/**
 * An in-memory broker for tests and single-process setups. It routes exactly as the MQTT and Pub/Sub
 * layouts do logically ({@link routeSourceEvent}, {@link routeAgentEvent}), copies every event as a
 * wire would, keeps a bounded queue per subscriber, and can simulate an outage
 * ({@link MemoryBroker.disconnect}/{@link MemoryBroker.reconnect}) so that transports go
 * `reconnecting` → `connected` like real ones. Publishing is fire-and-forget, as on MQTT: a
 * handler's failure is logged on the receiving side, not returned to the publisher.
 */
import { MaestroError } from '../common/errors.ts';
import { createSilentLogger } from '../common/logger.ts';
import type { Logger } from '../common/logger.ts';
import { createEvent } from '../cloudevents/event.ts';
import type { EventInit, MaestroEvent } from '../cloudevents/event.ts';
import { createDeliveryQueue } from './delivery-queue.ts';
import type { DeliveryQueue } from './delivery-queue.ts';
import { routeAgentEvent, routeSourceEvent } from './routing.ts';
import { createStartWaiter, createStatusEmitter } from './status.ts';
import { identityLabel } from './transport.ts';
import type { EventHandler, Transport, TransportIdentity } from './transport.ts';

/** Options for {@link createMemoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * Events a subscriber may have waiting; when a publish would exceed it, the broker drops that
   * subscriber's connection (it goes `reconnecting` → `connected` and resyncs). Default 1000.
   */
  queueCapacity?: number;
  /** Largest message (the event's JSON text, in bytes) accepted; default 4 MiB. */
  maxMessageBytes?: number;
  logger?: Logger;
}

/** The hub handing out connected transports; see the module comment. */
export interface MemoryBroker {
  /** A new (unstarted) source-role transport for `sourceId`. */
  createSourceTransport(sourceId: string): Transport;
  /** A new (unstarted) agent-role transport for `clusterName`. */
  createAgentTransport(clusterName: string): Transport;
  /** Simulates an outage: every started transport goes `reconnecting`, queued events are lost. */
  disconnect(): void;
  /** Ends the outage: every started transport goes `connected` again. */
  reconnect(): void;
  /** False during a simulated outage. */
  readonly connected: boolean;
}

/** The transport name the memory broker's transports report. */
export const MEMORY_TRANSPORT_NAME = 'memory';

interface Subscriber {
  readonly identity: TransportIdentity;
  deliver(event: MaestroEvent): void;
  brokerDown(): void;
  brokerUp(): void;
}

/** Creates an in-memory broker; see {@link MemoryBroker}. */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  const queueCapacity = options.queueCapacity ?? 1000;
  const maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const logger = (options.logger ?? createSilentLogger()).child({ component: 'memory-broker' });
  const subscribers = new Set<Subscriber>();
  let up = true;

  function route(from: TransportIdentity, event: MaestroEvent): Subscriber[] {
    if (from.role === 'source') {
      const target = routeSourceEvent(event);
      return [...subscribers].filter(
        (s) =>
          s.identity.role === 'agent' &&
          (target.to === 'all-agents' || s.identity.clusterName === target.clusterName),
      );
    }
    const target = routeAgentEvent(event);
    return [...subscribers].filter(
      (s) =>
        s.identity.role === 'source' &&
        (target.to === 'all-sources' || s.identity.sourceId === target.sourceId),
    );
  }

  function createTransport(identity: TransportIdentity): Transport {
    const label = identityLabel(identity);
    const log = logger.child(
      identity.role === 'source' ? { source: identity.sourceId } : { cluster: identity.clusterName },
    );
    const status = createStatusEmitter(log);
    let queue: DeliveryQueue | undefined;
    const startWaiter = createStartWaiter();

    function connect(): void {
      status.set('connected');
      startWaiter.settle();
    }

    const subscriber: Subscriber = {
      identity,
      deliver(event) {
        if (status.state !== 'connected' || queue === undefined) return;
        if (queue.size >= queueCapacity) {
          queue.clear();
          const error = new MaestroError(
            'RESOURCE_EXHAUSTED',
            `queue of ${label} overflowed (${queueCapacity} events); connection dropped`,
          );
          log.warn({ err: error.message }, 'subscriber dropped');
          status.set('reconnecting', error);
          setImmediate(() => {
            if (up && status.state === 'reconnecting') connect();
          });
          return;
        }
        queue.push(cloneEvent(event));
      },
      brokerDown() {
        queue?.clear();
        if (status.state === 'connected') {
          status.set('reconnecting', new MaestroError('UNAVAILABLE', 'memory broker disconnected'));
        }
      },
      brokerUp() {
        if (status.state === 'reconnecting' || status.state === 'connecting') connect();
      },
    };

    return {
      name: MEMORY_TRANSPORT_NAME,
      get state() {
        return status.state;
      },
      async start(handler: EventHandler) {
        status.claimStart(label);
        queue = createDeliveryQueue({ handler, logger: log });
        subscribers.add(subscriber);
        if (up) {
          connect();
          return Promise.resolve();
        }
        return startWaiter.wait();
      },
      async publish(event) {
        if (status.state !== 'connected') {
          throw new MaestroError('UNAVAILABLE', `transport of ${label} is ${status.state}`);
        }
        const size = Buffer.byteLength(JSON.stringify({ ...event }));
        if (size > maxMessageBytes) {
          throw new MaestroError(
            'RESOURCE_EXHAUSTED',
            `event '${event.id}' is ${size} bytes, more than the ${maxMessageBytes}-byte limit`,
          );
        }
        for (const target of route(identity, event)) target.deliver(event);
      },
      onStatus: (listener) => status.onStatus(listener),
      async stop() {
        if (status.state === 'closed') return;
        subscribers.delete(subscriber);
        queue?.close();
        status.set('closed');
        startWaiter.settle(
          new MaestroError('UNAVAILABLE', `transport of ${label} stopped before connecting`),
        );
      },
    };
  }

  return {
    createSourceTransport: (sourceId) => createTransport({ role: 'source', sourceId }),
    createAgentTransport: (clusterName) => createTransport({ role: 'agent', clusterName }),
    disconnect() {
      if (!up) return;
      up = false;
      for (const s of subscribers) s.brokerDown();
    },
    reconnect() {
      if (up) return;
      up = true;
      for (const s of subscribers) s.brokerUp();
    },
    get connected() {
      return up;
    },
  };
}

/** A deep copy, as if the event had crossed a wire (the receiver may not share the sender's objects). */
function cloneEvent(event: MaestroEvent): MaestroEvent {
  return createEvent(structuredClone({ ...event }) as unknown as EventInit);
}
