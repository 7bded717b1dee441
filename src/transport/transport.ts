/**
 * The broker-neutral transport every message broker implements (integrated gRPC, MQTT 5, Pub/Sub,
 * AWS IoT Core, in-memory). A transport is bound to one role and identity when it is created:
 *
 * - a *source* transport (the Maestro server towards agents, or a source client towards the server)
 *   publishes spec events and status resync requests, and receives status events and spec resync
 *   requests addressed to its source id;
 * - an *agent* transport (one managed cluster) publishes status events and spec resync requests, and
 *   receives spec events and status resync requests for its cluster.
 *
 * Routing (topics, subscriptions, gRPC streams) is derived from the event's type and extensions
 * (`clustername`, `originalsource`) by each implementation, as protocol.md §9–§11 describe.
 */
import type { CloudEvent } from 'cloudevents';

/**
 * The role and identity a transport is bound to. Implementations take it at creation; the MQTT,
 * Pub/Sub and gRPC client factories accept exactly this union.
 */
export type TransportIdentity = { role: 'source'; sourceId: string } | { role: 'agent'; clusterName: string };

/** How messages and logs name a transport's owner: `source 'maestro'`, `agent 'cluster1'`. */
export function identityLabel(identity: TransportIdentity): string {
  return identity.role === 'source' ? `source '${identity.sourceId}'` : `agent '${identity.clusterName}'`;
}

/** Connection state of a transport. */
export type TransportState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/**
 * A state change. `connected` is emitted after every successful (re)subscription: that is the
 * signal upstream peers use to resync (agents send a spec resync, sources a status resync).
 */
export interface TransportStatus {
  state: TransportState;
  /** Why the transport left `connected`, when it did because of a failure. */
  error?: Error;
}

/**
 * Receives one event. The transport acknowledges the message only after the promise settles. A
 * rejection is logged (and, where the broker answers the publisher, returned to it); it never stops
 * the subscription.
 */
export type EventHandler = (event: CloudEvent<unknown>) => Promise<void>;

/** A transport for one role and identity; see the module comment. */
export interface Transport {
  /** Human-readable name for logs and metrics (`grpc`, `mqtt`, `pubsub`, `awsiot`, `memory`). */
  readonly name: string;
  /** The current state. */
  readonly state: TransportState;
  /**
   * Connects and subscribes; resolves once the first subscription is established (retrying with
   * backoff until then; `stop()` rejects a pending start). Events are delivered to `handler` one at a
   * time in arrival order; the gRPC broker, which has many publishing agents, keeps that per cluster
   * and runs different clusters' events concurrently. After a connection loss the transport
   * reconnects with backoff by itself and emits `reconnecting`, then `connected` again. Calling it
   * twice rejects with `FAILED_PRECONDITION`.
   */
  start(handler: EventHandler): Promise<void>;
  /**
   * Publishes one event. Rejects with a `MaestroError`: `UNAVAILABLE` while disconnected or after
   * `stop()`, `RESOURCE_EXHAUSTED` when the encoded message exceeds the broker's limit (never a silent
   * drop), `INVALID_ARGUMENT` when the event cannot be routed from this role. Transports whose broker
   * answers synchronously (gRPC `Publish`) reject with the receiving handler's error code and message.
   */
  publish(event: CloudEvent<unknown>): Promise<void>;
  /** Registers a status listener; returns a function that removes it. */
  onStatus(listener: (status: TransportStatus) => void): () => void;
  /**
   * Closes the connection; idempotent, and final (the transport cannot be started again). No handler
   * call starts after it resolves; a handler already running is not awaited.
   */
  stop(): Promise<void>;
}
