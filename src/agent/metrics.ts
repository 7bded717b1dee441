/**
 * Every Prometheus metric of `maestro agent`, registered on a fresh prom-client `Registry` per agent
 * (never the global one), so several agents in one test process do not collide.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's metrics. */
export interface AgentMetrics {
  readonly registry: Registry;
  /** Spec events received, by action and what the store did (`added`, `updated`, `deleting`, `ignored`, `invalid`). */
  readonly specEventsReceived: Counter<'action' | 'outcome'>;
  /** Status events published, by type (`update_request`, `resync_response`, `deleted`) and result (`ok`, `error`). */
  readonly statusEventsPublished: Counter<'type' | 'result'>;
  /** Spec resync requests sent. */
  readonly specResyncRequests: Counter;
  /** Status resync requests answered. */
  readonly statusResyncRequests: Counter;
  /** Reconciles, by kind (`apply`, `status`, `delete`) and result (`ok`, `error`). */
  readonly reconciles: Counter<'kind' | 'result'>;
  /** Works in the local store. */
  readonly works: Gauge;
  /** 1 while the transport is subscribed, else 0. */
  readonly connected: Gauge;
  /** AppliedManifestWorks evicted because no work claims them any more. */
  readonly evictions: Counter;
}

/** Options for {@link createAgentMetrics}. */
export interface AgentMetricsOptions {
  /** Also collect Node process metrics (default true; tests may turn it off). */
  processMetrics?: boolean;
}

/** Creates the agent's registry and metrics. */
export function createAgentMetrics(options: AgentMetricsOptions = {}): AgentMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    specEventsReceived: new Counter({
      name: 'maestro_agent_spec_events_received_total',
      help: 'Spec events received from the source, by action and store outcome.',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    statusEventsPublished: new Counter({
      name: 'maestro_agent_status_events_published_total',
      help: 'Status events published to the source, by kind (update_request, resync_response, deleted) and result.',
      labelNames: ['type', 'result'],
      registers,
    }),
    specResyncRequests: new Counter({
      name: 'maestro_agent_spec_resync_requests_total',
      help: 'Spec resync requests sent after a (re)subscription.',
      registers,
    }),
    statusResyncRequests: new Counter({
      name: 'maestro_agent_status_resync_requests_total',
      help: 'Status resync requests answered.',
      registers,
    }),
    reconciles: new Counter({
      name: 'maestro_agent_reconciles_total',
      help: 'Work reconciles, by kind and result.',
      labelNames: ['kind', 'result'],
      registers,
    }),
    works: new Gauge({
      name: 'maestro_agent_works',
      help: 'ManifestWorks in the agent store.',
      registers,
    }),
    connected: new Gauge({
      name: 'maestro_agent_broker_connected',
      help: '1 while the agent is subscribed to its broker, else 0.',
      registers,
    }),
    evictions: new Counter({
      name: 'maestro_agent_appliedmanifestwork_evictions_total',
      help: 'AppliedManifestWorks deleted after the eviction grace period.',
      registers,
    }),
  };
}
