/**
 * The upstream Pub/Sub layout (protocol.md §11.1): four topics per project and, per consumer and per
 * source, two subscriptions, the events one filtered by `ce-clustername` (consumers) or
 * `ce-originalsource` (sources). The names follow upstream's patterns so Go and TS peers share them.
 */

/** The four upstream topic ids. */
export const PUBSUB_TOPIC_IDS = ['sourceevents', 'sourcebroadcast', 'agentevents', 'agentbroadcast'] as const;

/** One of {@link PUBSUB_TOPIC_IDS}. */
export type PubSubTopicId = (typeof PUBSUB_TOPIC_IDS)[number];

/** `projects/<project>/topics/<topic>`. */
export function pubSubTopicName(projectID: string, topic: PubSubTopicId): string {
  return `projects/${projectID}/topics/${topic}`;
}

/** `projects/<project>/subscriptions/<topic>-<owner>` (owner: a consumer or source name). */
export function pubSubSubscriptionName(projectID: string, topic: PubSubTopicId, owner: string): string {
  return `projects/${projectID}/subscriptions/${topic}-${owner}`;
}

/** A subscription to create: its name, its topic and its filter (empty for broadcasts). */
export interface PubSubSubscriptionSpec {
  name: string;
  topic: string;
  filter: string;
}

/** The two subscriptions of consumer `cluster`: its spec events (filtered) and source broadcasts. */
export function consumerSubscriptions(projectID: string, cluster: string): PubSubSubscriptionSpec[] {
  return [
    {
      name: pubSubSubscriptionName(projectID, 'sourceevents', cluster),
      topic: pubSubTopicName(projectID, 'sourceevents'),
      filter: `attributes."ce-clustername"="${cluster}"`,
    },
    {
      name: pubSubSubscriptionName(projectID, 'sourcebroadcast', cluster),
      topic: pubSubTopicName(projectID, 'sourcebroadcast'),
      filter: '',
    },
  ];
}

/** The two subscriptions of source `sourceId`: status addressed to it (filtered) and agent broadcasts. */
export function sourceSubscriptions(projectID: string, sourceId: string): PubSubSubscriptionSpec[] {
  return [
    {
      name: pubSubSubscriptionName(projectID, 'agentevents', sourceId),
      topic: pubSubTopicName(projectID, 'agentevents'),
      filter: `attributes."ce-originalsource"="${sourceId}"`,
    },
    {
      name: pubSubSubscriptionName(projectID, 'agentbroadcast', sourceId),
      topic: pubSubTopicName(projectID, 'agentbroadcast'),
      filter: '',
    },
  ];
}
