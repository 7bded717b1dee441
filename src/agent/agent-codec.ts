/**
 * Binds the agent-side ManifestBundle codec of `src/work` to the runtime's {@link AgentEventCodec}
 * port: one agent identity (client id, cluster) and one snowflake generator for all its status events.
 */
import { decodeSpecEvent, encodeDeletedStatusEvent, encodeStatusEvent } from '../work/agent-codec.ts';
import { SequenceIdGenerator } from '../work/sequence-id.ts';
import { manifestWorkStatusHash } from '../work/status-hash.ts';
import { createSpecResyncRequest } from '../work/resync.ts';
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
    encodeSpecResyncRequest: (versions) =>
      createSpecResyncRequest(versions, { source, clusterName: options.clusterName }),
    statusHash: manifestWorkStatusHash,
  };
}
