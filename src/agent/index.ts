/** Public names of `maestro agent` (the command wires these; `kube/` and `status/` have their own index). */
export { createAgent } from './agent.ts';
export type { Agent } from './agent.ts';
export { createAgentRuntime } from './agent-runtime.ts';
export type { AgentRuntime, AgentRuntimeOptions } from './agent-runtime.ts';
export { createAgentEventCodec } from './agent-codec.ts';
export type { AgentEventCodecOptions } from './agent-codec.ts';
export {
  AGENT_DEFAULTS,
  AGENT_ENV_VARS,
  EVICTION_DISABLED_THRESHOLD_MS,
  WORKLOAD_SOURCE_DRIVERS,
  parseDurationFlag,
  resolveAgentConfig,
} from './config.ts';
export type { AgentConfig, AgentFlagValues, WorkloadSourceDriver } from './config.ts';
export { createAgentMetrics } from './metrics.ts';
export type { AgentMetrics } from './metrics.ts';
export type { AgentEventCodec, AppliedWorkRegistry, WorkApplier } from './runtime-types.ts';
export { createWorkStore } from './work-store.ts';
export type { ReceiveOutcome, StoredVersion, WorkStore } from './work-store.ts';
