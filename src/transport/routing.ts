/**
 * Which peers an event goes to, derived from its type and extensions the way the MQTT and Pub/Sub
 * topic layouts route it (protocol.md §10–§11), independent of any broker:
 *
 * - from a source: spec events (create/update/delete requests, resync responses) and status resync
 *   requests go to the agents of `clustername`; a status resync request with an empty `clustername`
 *   goes to every agent;
 * - from an agent: status events and spec resync requests go to the source named by `originalsource`;
 *   an empty or absent `originalsource` means every source.
 */
import { MaestroError } from '../common/errors.ts';
import { stringExtension } from '../cloudevents/event.ts';
import type { MaestroEvent } from '../cloudevents/event.ts';
import { parseEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';

/** The agents an event from a source is for. */
export type AgentRoute = { to: 'cluster'; clusterName: string } | { to: 'all-agents' };

/** The sources an event from an agent is for. */
export type SourceRoute = { to: 'source'; sourceId: string } | { to: 'all-sources' };

/**
 * Routes an event published by a source. Throws `INVALID_ARGUMENT` for events a source does not
 * send (status updates, spec resync requests) and for spec events without `clustername`.
 */
export function routeSourceEvent(event: MaestroEvent): AgentRoute {
  const { subResource, action } = parseEventType(event.type);
  const clusterName = stringExtension(event, EXT.clusterName) ?? '';
  if (subResource === 'status') {
    if (action !== 'resync_request') {
      throw new MaestroError('INVALID_ARGUMENT', `a source cannot publish event type '${event.type}'`);
    }
    return clusterName === '' ? { to: 'all-agents' } : { to: 'cluster', clusterName };
  }
  if (action === 'resync_request') {
    throw new MaestroError('INVALID_ARGUMENT', `a source cannot publish event type '${event.type}'`);
  }
  if (clusterName === '') {
    throw new MaestroError('INVALID_ARGUMENT', `spec event '${event.id}' has no 'clustername' extension`);
  }
  return { to: 'cluster', clusterName };
}

/**
 * Routes an event published by an agent. Throws `INVALID_ARGUMENT` for events an agent does not send
 * (spec changes, status resync requests).
 */
export function routeAgentEvent(event: MaestroEvent): SourceRoute {
  const { subResource, action } = parseEventType(event.type);
  const isStatus = subResource === 'status' && action !== 'resync_request';
  const isSpecResync = subResource === 'spec' && action === 'resync_request';
  if (!isStatus && !isSpecResync) {
    throw new MaestroError('INVALID_ARGUMENT', `an agent cannot publish event type '${event.type}'`);
  }
  const sourceId = stringExtension(event, EXT.originalSource) ?? '';
  return sourceId === '' ? { to: 'all-sources' } : { to: 'source', sourceId };
}
