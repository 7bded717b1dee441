/**
 * Binds the agent-side ManifestBundle codec of `src/work` to the runtime's {@link AgentEventCodec}
 * port: one agent identity (client id, cluster) and one snowflake generator for all its status events.
 */
import { manifestBundleEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import { decodeSpecEvent, encodeDeletedStatusEvent, encodeStatusEvent } from '../work/agent-codec.ts';
import { SequenceIdGenerator } from '../work/sequence-id.ts';
import { manifestWorkStatusHash } from '../work/status-hash.ts';
import type { ResourceVersionList } from '../work/types.ts';
import { newWorkEvent } from '../work/work-event.ts';
import type { AgentEventCodec } from './runtime-types.ts';

/** Options for {@link createAgentEventCodec}. */
export interface AgentEventCodecOptions {
  /** `--cloudevents-client-id`: the `source` of every event the agent sends. */
  clientId: string;
  /** `--consumer-name`. */
  clusterName: string;
}

/** Creates the agent's {@link AgentEventCodec}. */
export function createAgentEventCodec(options: AgentEventCodecOptions): AgentEventCodec {
  const sequenceIds = new SequenceIdGenerator();
  const source = options.clientId;
  return {
    decodeSpec: decodeSpecEvent,
    encodeStatus: (work, action) => encodeStatusEvent(work, { source, action, sequenceIds }),
    encodeDeleted: (work) => encodeDeletedStatusEvent(work, { source, sequenceIds }),
    encodeSpecResyncRequest(versions) {
      const data: ResourceVersionList = { resourceVersions: versions };
      // `originalsource` "" asks every source (sdk-go `SourceAll`), protocol.md §5.7.
      return newWorkEvent({
        source,
        type: manifestBundleEventType('spec', 'resync_request'),
        data,
        extensions: { [EXT.clusterName]: options.clusterName, [EXT.originalSource]: '' },
      });
    },
    statusHash: manifestWorkStatusHash,
  };
}
