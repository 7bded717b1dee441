import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus series the Maestro server exports, defined in one place on a fresh per-process
 * registry (never prom-client's global one, so tests can run several servers in one process).
 * Names, types, labels and buckets follow upstream (server.md §7) where upstream has the series.
 * Labels are bounded: upstream's per-resource `id` labels are dropped (one series per resource would
 * grow without limit), everything else keeps upstream's label names.
 */
export interface ServerMetrics {
  /** The registry `/metrics` serves. */
  readonly registry: Registry;

  /** REST requests by method, route template (ids never appear) and status code. */
  readonly restRequestCount: Counter<'method' | 'path' | 'code'>;
  /** REST request duration in seconds. */
  readonly restRequestDuration: Histogram<'method' | 'path' | 'code'>;
  /**
   * Presented resource bundles the REST lists and gets took from the cache (`hit`) or read and
   * presented anew (`miss`: never presented, evicted, or changed since).
   */
  readonly restBundleCacheLookups: Counter<'result'>;

  /** gRPC source-server calls started, by `type` (Publish/Subscribe) and CloudEvent `source`. */
  readonly grpcCalled: Counter<'type' | 'source'>;
  /** gRPC source-server calls finished, with the gRPC status code name. */
  readonly grpcProcessed: Counter<'type' | 'source' | 'code'>;
  /** Duration of unary gRPC calls (Publish) in seconds. */
  readonly grpcProcessedDuration: Histogram<'type' | 'source'>;
  /** Messages received from gRPC source clients. */
  readonly grpcMessagesReceived: Counter<'type' | 'source'>;
  /** Messages sent to gRPC source clients. */
  readonly grpcMessagesSent: Counter<'type' | 'source'>;
  /** Source clients currently subscribed to this replica, per source. */
  readonly grpcRegisteredSourceClients: Gauge<'source'>;
  /** Agents holding a broker stream on this replica. */
  readonly connectedAgents: Gauge;

  /** Accepted resource spec changes by action (`create`, `update`, `delete`). */
  readonly resourceProcessed: Counter<'action'>;
  /** Seconds from a resource's creation to its first accepted status. */
  readonly resourceFirstStatusLatency: Histogram<'source'>;
  /** Seconds from a status event being written to it being relayed by this replica. */
  readonly resourceStatusEventProcessingLatency: Histogram<'source' | 'server_instance_id'>;

  /** Spec (outbox) events handled by the dispatcher, by event type and `success|error|skipped`. */
  readonly specEventReconciles: Counter<'event_type' | 'status'>;
  /** Seconds spent delivering one spec event. */
  readonly specEventReconcileDuration: Histogram<'event_type'>;
  /** Periodic outbox sync/purge runs by `success|error`. */
  readonly specEventSyncOperations: Counter<'status'>;
  /** Age in seconds of the oldest undelivered spec event (0 when none). */
  readonly oldestUndeliveredEventAge: Gauge;
  /** Undelivered outbox rows. */
  readonly outboxDepth: Gauge;
  /** Resources whose spec was re-published because no status ever arrived. */
  readonly undeliveredResourcesRepublished: Counter;
  /** Delete events retired because their agent never confirmed. */
  readonly staleDeleteEventsReconciled: Counter;

  /** Status events relayed, by event type and `success|error|skipped`. */
  readonly statusEventReconciles: Counter<'event_type' | 'status'>;
  /** Seconds spent relaying one status event. */
  readonly statusEventReconcileDuration: Histogram<'event_type'>;
  /** Periodic status-event purge runs by `success|error`. */
  readonly statusEventSyncOperations: Counter<'status'>;
  /** `pg_notification_queue_usage()` (0–1). */
  readonly notificationQueueUsage: Gauge;

  /**
   * CloudEvents received from the broker in MQTT / Pub/Sub / AWS IoT mode, by the event's `source`,
   * `consumer` (cluster name), full `type`, `subresource` and `action` (upstream sdk-go names).
   */
  readonly cloudEventsReceived: Counter<'source' | 'consumer' | 'type' | 'subresource' | 'action'>;
  /** CloudEvents published to the broker in MQTT / Pub/Sub / AWS IoT mode, labelled as received ones. */
  readonly cloudEventsSent: Counter<'source' | 'consumer' | 'type' | 'subresource' | 'action'>;

  /** Advisory locks taken, by lock `type` and `OK|ERROR`. */
  readonly advisoryLocks: Counter<'type' | 'status'>;
  /** Advisory locks released. */
  readonly advisoryUnlocks: Counter<'type' | 'status'>;
  /** Seconds an advisory lock was held. */
  readonly advisoryLockDuration: Histogram<'type' | 'status'>;

  /**
   * Lets gauges that are cheapest to read at scrape time (outbox depth, oldest undelivered age,
   * connected agents, notification queue usage) pull their value from the component that knows it.
   * A source that throws leaves the previous value in place.
   */
  setGaugeSources(sources: GaugeSources): void;
}

/** Scrape-time readers for {@link ServerMetrics.setGaugeSources}; each is optional. */
export interface GaugeSources {
  outboxDepth?: () => Promise<number> | number;
  oldestUndeliveredEventAgeSeconds?: () => Promise<number> | number;
  connectedAgents?: () => Promise<number> | number;
  notificationQueueUsage?: () => Promise<number> | number;
}

/** Options for {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** Include Node.js/process default metrics (default true). */
  defaultMetrics?: boolean;
}

/** Creates the server's metrics on a new registry. */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const sources: GaugeSources = {};

  const sourcedGauge = (name: string, help: string, key: keyof GaugeSources): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const read = sources[key];
        if (read === undefined) return;
        try {
          this.set(await read());
        } catch {
          // keep the last value: a scrape must not fail because the database is briefly away
        }
      },
    });

  return {
    registry,
    restRequestCount: new Counter({
      name: 'rest_api_inbound_request_count',
      help: 'Number of REST API requests by method, route and status code.',
      labelNames: ['method', 'path', 'code'],
      registers,
    }),
    restRequestDuration: new Histogram({
      name: 'rest_api_inbound_request_duration',
      help: 'REST API request duration in seconds.',
      labelNames: ['method', 'path', 'code'],
      buckets: [0.1, 1, 10, 30],
      registers,
    }),
    restBundleCacheLookups: new Counter({
      name: 'rest_api_resource_bundle_cache_lookups_total',
      help: 'Resource bundles the REST API served from its presented-bundle cache (hit) or read anew (miss).',
      labelNames: ['result'],
      registers,
    }),
    grpcCalled: new Counter({
      name: 'grpc_server_called_total',
      help: 'gRPC source-server calls started.',
      labelNames: ['type', 'source'],
      registers,
    }),
    grpcProcessed: new Counter({
      name: 'grpc_server_processed_total',
      help: 'gRPC source-server calls finished, by status code.',
      labelNames: ['type', 'source', 'code'],
      registers,
    }),
    grpcProcessedDuration: new Histogram({
      name: 'grpc_server_processed_duration_seconds',
      help: 'Duration of unary gRPC source-server calls in seconds.',
      labelNames: ['type', 'source'],
      registers,
    }),
    grpcMessagesReceived: new Counter({
      name: 'grpc_server_message_received_total',
      help: 'Messages received from gRPC source clients.',
      labelNames: ['type', 'source'],
      registers,
    }),
    grpcMessagesSent: new Counter({
      name: 'grpc_server_message_sent_total',
      help: 'Messages sent to gRPC source clients.',
      labelNames: ['type', 'source'],
      registers,
    }),
    grpcRegisteredSourceClients: new Gauge({
      name: 'grpc_server_registered_source_clients',
      help: 'Source clients subscribed to this replica.',
      labelNames: ['source'],
      registers,
    }),
    connectedAgents: sourcedGauge(
      'maestro_connected_agents',
      'Agents holding a broker stream on this replica.',
      'connectedAgents',
    ),
    resourceProcessed: new Counter({
      name: 'resource_processed_total',
      help: 'Accepted resource spec changes by action.',
      labelNames: ['action'],
      registers,
    }),
    resourceFirstStatusLatency: new Histogram({
      name: 'resource_first_status_latency_seconds',
      help: 'Seconds from resource creation to its first accepted status.',
      labelNames: ['source'],
      buckets: [5, 30, 120, 600],
      registers,
    }),
    resourceStatusEventProcessingLatency: new Histogram({
      name: 'resource_status_event_processing_latency_seconds',
      help: 'Seconds from a status event being stored to it being relayed by this replica.',
      labelNames: ['source', 'server_instance_id'],
      buckets: [0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    specEventReconciles: new Counter({
      name: 'spec_controller_event_reconcile_total',
      help: 'Spec events handled, by event type and result.',
      labelNames: ['event_type', 'status'],
      registers,
    }),
    specEventReconcileDuration: new Histogram({
      name: 'spec_controller_event_reconcile_duration_seconds',
      help: 'Seconds spent delivering one spec event.',
      labelNames: ['event_type'],
      registers,
    }),
    specEventSyncOperations: new Counter({
      name: 'spec_controller_event_sync_operation_total',
      help: 'Periodic spec event sync runs by result.',
      labelNames: ['status'],
      registers,
    }),
    oldestUndeliveredEventAge: sourcedGauge(
      'spec_controller_event_oldest_unreconciled_age_seconds',
      'Age in seconds of the oldest undelivered spec event.',
      'oldestUndeliveredEventAgeSeconds',
    ),
    outboxDepth: sourcedGauge(
      'maestro_outbox_depth',
      'Undelivered spec events in the outbox.',
      'outboxDepth',
    ),
    undeliveredResourcesRepublished: new Counter({
      name: 'spec_controller_undelivered_resources_republished_total',
      help: 'Resources re-published because no status arrived in time.',
      registers,
    }),
    staleDeleteEventsReconciled: new Counter({
      name: 'spec_controller_stale_delete_events_reconciled_total',
      help: 'Delete events retired without an agent confirmation.',
      registers,
    }),
    statusEventReconciles: new Counter({
      name: 'status_controller_event_reconcile_total',
      help: 'Status events relayed, by event type and result.',
      labelNames: ['event_type', 'status'],
      registers,
    }),
    statusEventReconcileDuration: new Histogram({
      name: 'status_controller_event_reconcile_duration_seconds',
      help: 'Seconds spent relaying one status event.',
      labelNames: ['event_type'],
      registers,
    }),
    statusEventSyncOperations: new Counter({
      name: 'status_controller_event_sync_operation_total',
      help: 'Periodic status event purge runs by result.',
      labelNames: ['status'],
      registers,
    }),
    notificationQueueUsage: sourcedGauge(
      'postgres_notification_queue_usage',
      'PostgreSQL notification queue usage (0-1).',
      'notificationQueueUsage',
    ),
    cloudEventsReceived: new Counter({
      name: 'cloudevents_received_total',
      help: 'CloudEvents received from the message broker.',
      labelNames: ['source', 'consumer', 'type', 'subresource', 'action'],
      registers,
    }),
    cloudEventsSent: new Counter({
      name: 'cloudevents_sent_total',
      help: 'CloudEvents sent to the message broker.',
      labelNames: ['source', 'consumer', 'type', 'subresource', 'action'],
      registers,
    }),
    advisoryLocks: new Counter({
      name: 'advisory_lock_count',
      help: 'Advisory locks taken, by type and result.',
      labelNames: ['type', 'status'],
      registers,
    }),
    advisoryUnlocks: new Counter({
      name: 'advisory_unlock_count',
      help: 'Advisory locks released, by type and result.',
      labelNames: ['type', 'status'],
      registers,
    }),
    advisoryLockDuration: new Histogram({
      name: 'advisory_lock_duration',
      help: 'Seconds an advisory lock was held.',
      labelNames: ['type', 'status'],
      buckets: [0.1, 0.2, 0.5, 1, 2, 10],
      registers,
    }),
    setGaugeSources(next: GaugeSources): void {
      Object.assign(sources, next);
    },
  };
}
