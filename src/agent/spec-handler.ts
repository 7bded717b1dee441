/**
 * The agent's transport handler (agent.md §5.2): filters incoming events as upstream's agent client
 * does, decodes spec events into ManifestWorks, applies the store's receive rules and queues the work
 * for reconciling. Status resync requests are handed to the resync handler. Invalid spec events are
 * logged and dropped with no status sent back, as upstream.
 */
import type { MaestroEvent } from '../cloudevents/event.ts';
import { MANIFEST_BUNDLE_DATA_TYPE, formatDataType, parseEventType } from '../cloudevents/event-types.ts';
import type { EventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { EventHandler } from '../transport/transport.ts';
import type { AgentMetrics } from './metrics.ts';
import type { AgentEventCodec } from './runtime-types.ts';
import type { ReceiveOutcome, WorkStore } from './work-store.ts';

/** Options for {@link createSpecHandler}. */
export interface SpecHandlerOptions {
  consumerName: string;
  store: WorkStore;
  codec: AgentEventCodec;
  /** Called with the UID of every work whose spec or deletion state changed. */
  onWorkChanged: (uid: string, outcome: ReceiveOutcome) => void;
  /** Called for a `status.resync_request` (the handler does not wait for the answer). */
  onStatusResync: (event: MaestroEvent) => void;
  metrics: AgentMetrics;
  logger: Logger;
}

function eventTypeOf(event: MaestroEvent): EventType | undefined {
  try {
    return parseEventType(event.type);
  } catch {
    return undefined;
  }
}

/** Creates the {@link EventHandler} the agent starts its transport with. */
export function createSpecHandler(options: SpecHandlerOptions): EventHandler {
  const { consumerName, store, codec, metrics, logger } = options;

  return async (event) => {
    const eventType = eventTypeOf(event);
    if (eventType === undefined || formatDataType(eventType.dataType) !== MANIFEST_BUNDLE_DATA_TYPE) {
      logger.debug({ type: event.type, id: event.id }, 'ignoring event of another type');
      return;
    }
    if (eventType.action === 'resync_request') {
      if (eventType.subResource === 'status') options.onStatusResync(event);
      return;
    }
    if (eventType.subResource !== 'spec') return;
    const clusterName = event[EXT.clusterName];
    if (clusterName !== consumerName) {
      logger.debug({ id: event.id, clusterName }, 'ignoring spec event for another cluster');
      return;
    }

    let outcome: ReceiveOutcome | 'invalid';
    let uid: string | undefined;
    try {
      const work = codec.decodeSpec(event);
      uid = work.metadata.uid as string;
      outcome = store.receive(work);
    } catch (err: unknown) {
      outcome = 'invalid';
      logger.error(
        { id: event.id, type: event.type, resourceid: event[EXT.resourceId], err: errorMessage(err) },
        'dropping spec event that cannot be decoded',
      );
    }
    metrics.specEventsReceived.inc({ action: eventType.action, outcome });
    metrics.works.set(store.size);
    if (outcome === 'invalid' || outcome === 'ignored' || uid === undefined) {
      if (outcome === 'ignored') logger.info({ id: event.id, uid }, 'ignoring stale spec event');
      return;
    }
    logger.info(
      { uid, action: eventType.action, generation: event[EXT.resourceVersion], outcome },
      'spec event received',
    );
    options.onWorkChanged(uid, outcome);
  };
}
