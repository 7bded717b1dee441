/**
 * Creates the upstream Pub/Sub topics and subscriptions (protocol.md §11.1) that the transports expect
 * to exist, as `maestro pubsub init` and the tests do. Idempotent: what already exists is left alone.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { errorMessage, MaestroError } from '../../common/errors.ts';
import { consumerSubscriptions, PUBSUB_TOPIC_IDS, pubSubTopicName, sourceSubscriptions } from './layout.ts';

/** What to create. */
export interface PubSubProvisionOptions {
  projectID: string;
  /** Sources to create subscriptions for (Maestro's source id is `maestro`). */
  sources: readonly string[];
  /** Consumers (cluster names) to create subscriptions for. */
  consumers: readonly string[];
}

/** What happened to each resource. */
export interface PubSubProvisionResult {
  created: string[];
  existing: string[];
}

const GRPC_ALREADY_EXISTS = 6;

/** Creates the four topics and each source's and consumer's two subscriptions; see the module comment. */
export async function provisionPubSub(
  pubsub: PubSub,
  options: PubSubProvisionOptions,
): Promise<PubSubProvisionResult> {
  const result: PubSubProvisionResult = { created: [], existing: [] };
  const attempt = async (name: string, create: () => Promise<unknown>) => {
    try {
      await create();
      result.created.push(name);
    } catch (err) {
      if ((err as { code?: unknown }).code === GRPC_ALREADY_EXISTS) {
        result.existing.push(name);
        return;
      }
      throw new MaestroError(
        'UNAVAILABLE',
        `cannot create pub/sub resource '${name}': ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  };
  for (const id of PUBSUB_TOPIC_IDS) {
    const name = pubSubTopicName(options.projectID, id);
    await attempt(name, () => pubsub.createTopic(name));
  }
  const subscriptions = [
    ...options.sources.flatMap((s) => sourceSubscriptions(options.projectID, s)),
    ...options.consumers.flatMap((c) => consumerSubscriptions(options.projectID, c)),
  ];
  for (const spec of subscriptions) {
    await attempt(spec.name, () =>
      pubsub
        .topic(spec.topic)
        .createSubscription(spec.name, spec.filter === '' ? {} : { filter: spec.filter }),
    );
  }
  return result;
}
