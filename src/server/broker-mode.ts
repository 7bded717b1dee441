/**
 * The server's agent broker in MQTT / Pub/Sub / AWS IoT mode (server.md §4.4–4.5, §4.10, §6): a
 * source-role transport on an external broker, adapted to what the dispatcher expects.
 *
 * - Spec events: every replica can reach every agent, so the outbox is published by exactly one
 *   replica, the holder of the {@link createPublisherLease publisher lease}; the others report no
 *   reachable consumer and leave the rows alone.
 * - Statuses: each replica subscribes with the configured agentEvents topic or subscription (MQTT
 *   `$share/<group>/…`, one Pub/Sub subscription), so the broker hands each status to one replica;
 *   its status event then reaches the source subscribers of every replica as in gRPC mode.
 * - After every (re)connection of the transport: the dispatcher is woken for every consumer (a
 *   failed publish no longer waits for its backoff) and each consumer gets status resync requests
 *   (protocol.md §8.2), since the broker kept nothing for the server while it was away.
 */
import type pg from 'pg';
import type { Counter } from 'prom-client';
import type { MaestroEvent } from '../cloudevents/event.ts';
import { parseEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Transport } from '../transport/transport.ts';
import { createPublisherLease } from './dispatch/publisher-lease.ts';
import { statusResyncRequests } from './dispatch/status-resync-requests.ts';
import type { ServerMetrics } from './metrics/server-metrics.ts';
import type { AgentBrokerTransport } from './server.ts';
import { listConsumers } from './store/consumer-store.ts';

/** Options for {@link createBrokerModeAgentBroker}. */
export interface BrokerModeOptions {
  /** The source-role transport on the external broker. */
  transport: Transport;
  pool: pg.Pool;
  /** The server's source id. */
  sourceId: string;
  /** The broker's largest message (status resync requests are split to fit). */
  maxMessageBytes: number;
  logger: Logger;
  /** Counts events in and out (`cloudevents_received_total`, `cloudevents_sent_total`). */
  metrics?: Pick<ServerMetrics, 'cloudEventsReceived' | 'cloudEventsSent'>;
  /** How often a replica tries to become the spec publisher; default 1 s. */
  leaseCheckIntervalMs?: number;
}

const NO_CONSUMERS: readonly string[] = [];

type EventCounter = Counter<'source' | 'consumer' | 'type' | 'subresource' | 'action'>;

/** Counts `event` in `counter` with upstream's labels (an unparsable type counts under its raw name). */
function countEvent(counter: EventCounter | undefined, event: MaestroEvent): void {
  if (counter === undefined) return;
  let subresource = '';
  let action = '';
  try {
    ({ subResource: subresource, action } = parseEventType(event.type));
  } catch {
    // counted with empty sub-resource and action; the handler reports the bad type
  }
  const consumer = event[EXT.clusterName];
  counter.inc({
    source: event.source,
    consumer: typeof consumer === 'string' ? consumer : '',
    type: event.type,
    subresource,
    action,
  });
}

/** Wraps `options.transport` as the server's agent broker; see the module comment. */
export function createBrokerModeAgentBroker(options: BrokerModeOptions): AgentBrokerTransport {
  const { transport, pool, sourceId } = options;
  const logger = options.logger.child({ component: 'broker-mode' });
  const listeners = new Set<(clusterName: string, connected: boolean) => void>();
  let resyncing: Promise<void> | undefined;
  let generation = 0;
  let stopped = false;

  /** Tells the dispatcher every consumer became reachable (clears backoffs, wakes it). */
  const wakeDispatcher = async (): Promise<void> => {
    const consumers = await listConsumers(pool);
    for (const consumer of consumers) for (const listener of listeners) listener(consumer.name, true);
  };

  const lease = createPublisherLease({
    pool,
    logger,
    checkIntervalMs: options.leaseCheckIntervalMs,
    onAcquired: () => {
      wakeDispatcher().catch((err: unknown) =>
        logger.warn({ err: errorMessage(err) }, 'dispatcher not woken after taking the publisher lease'),
      );
    },
  });

  /** Sends every consumer its status resync requests; abandoned when the transport reconnects again. */
  const resyncAll = async (round: number): Promise<void> => {
    const consumers = await listConsumers(pool);
    let requests = 0;
    for (const consumer of consumers) {
      if (round !== generation || stopped) return;
      const events = await statusResyncRequests({
        pool,
        sourceId,
        consumerName: consumer.name,
        maxMessageBytes: options.maxMessageBytes,
      });
      for (const event of events) {
        if (round !== generation || stopped) return;
        await transport.publish(event);
        countEvent(options.metrics?.cloudEventsSent, event);
        requests += 1;
      }
    }
    logger.info({ consumers: consumers.length, requests }, 'status resync requested');
  };

  const onConnected = (): void => {
    generation += 1;
    const round = generation;
    const previous = resyncing ?? Promise.resolve();
    resyncing = previous
      .then(async () => {
        if (lease.held) await wakeDispatcher();
        await resyncAll(round);
      })
      .catch((err: unknown) =>
        logger.warn({ err: errorMessage(err) }, 'status resync after the broker connection failed'),
      );
  };
  const removeStatusListener = transport.onStatus((status) => {
    if (status.state === 'connected') onConnected();
  });

  return {
    name: transport.name,
    get state() {
      return transport.state;
    },
    start: async (handler) => {
      await lease.start();
      await transport.start((event) => {
        countEvent(options.metrics?.cloudEventsReceived, event);
        return handler(event);
      });
    },
    publish: async (event) => {
      await transport.publish(event);
      countEvent(options.metrics?.cloudEventsSent, event);
    },
    onStatus: (listener) => transport.onStatus(listener),
    stop: async () => {
      stopped = true;
      removeStatusListener();
      await lease.stop();
      await transport.stop();
      await resyncing;
    },
    connectedClusters: () => (lease.held ? undefined : NO_CONSUMERS),
    onAgentSubscriptionChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
