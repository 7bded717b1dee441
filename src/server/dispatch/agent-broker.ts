/**
 * What the server needs from the agent-facing broker to deliver spec events: publishing to a
 * consumer's agent and knowing which consumers have an agent stream on THIS replica (the integrated
 * gRPC broker). Brokers where any replica can publish (MQTT, Pub/Sub) report every consumer.
 */
import type { MaestroEvent } from '../../cloudevents/event.ts';

/** The agent-facing side of a broker, as the dispatcher uses it. */
export interface AgentBroker {
  /** Sends a spec event to the agent(s) of the event's `clustername`. */
  publish(event: MaestroEvent): Promise<void>;
  /** Consumers with at least one agent subscribed here; `undefined` means "every consumer" (MQTT/Pub/Sub). */
  connectedClusters(): Iterable<string> | undefined;
  /** Called when an agent subscribes to or leaves this replica; returns an unsubscribe function. */
  onAgentSubscriptionChange(listener: (clusterName: string, connected: boolean) => void): () => void;
}
