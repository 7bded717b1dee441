/**
 * What the server does with events agents publish to the broker (protocol.md §9.3): a spec resync
 * request is answered on the agent's stream (§8.1), and pending outbox events the answer covers are
 * dropped; a status event goes through the status pipeline.
 */
import { MaestroError } from '../common/errors.ts';
import type { MaestroEvent } from '../cloudevents/event.ts';
import { parseEventType } from '../cloudevents/event-types.ts';
import { fromJsonEvent } from '../cloudevents/json-codec.ts';
import type { AgentBroker } from './dispatch/agent-broker.ts';
import {
  answerSpecResync,
  decodeSpecResyncRequest,
  supersedeOutboxEvents,
} from './services/resync-service.ts';
import type { ResyncOptions } from './services/resync-service.ts';
import { decodeStatusUpdate } from './services/status-service.ts';
import type { StatusService } from './services/status-service.ts';

/** Options for {@link createAgentEventHandler}. */
export interface AgentEventHandlerOptions {
  broker: Pick<AgentBroker, 'publish'>;
  status: StatusService;
  resync: ResyncOptions;
}

/** Returns the handler the agent broker transport calls for every agent event. */
export function createAgentEventHandler(
  options: AgentEventHandlerOptions,
): (event: MaestroEvent) => Promise<void> {
  return async (event) => {
    const type = parseEventType(event.type);
    if (type.subResource === 'spec') {
      if (type.action !== 'resync_request') {
        throw new MaestroError('INVALID_ARGUMENT', `agents may not publish '${event.type}'`);
      }
      const request = decodeSpecResyncRequest(event);
      for await (const batch of answerSpecResync(options.resync, request)) {
        for (const answer of batch.events) await options.broker.publish(fromJsonEvent(answer));
        await supersedeOutboxEvents(options.resync, batch);
      }
      return;
    }
    await options.status.apply(decodeStatusUpdate(event, options.resync.sourceId));
  };
}
