/**
 * The MQTT topic layout (protocol.md §10.1), shared by the MQTT and AWS IoT transports: which topics a
 * role subscribes to and which topic each published event goes to.
 *
 * Event topics look like `[$share/<group>/]<word>/<source>/<word>/<cluster>/(sourceevents|agentevents)`,
 * where `<source>` and `<cluster>` are a name or `+`. Upstream substitutes "the first `+`" or "the last
 * `+`"; for every layout upstream accepts in practice (Maestro's `sources/maestro/consumers/+/…`) that
 * is the cluster segment, so this module substitutes by position: the cluster segment gets the cluster
 * name and, when the source segment is `+`, it gets the source id (a publisher cannot publish to a
 * wildcard; upstream would put the cluster name there).
 */
import { MaestroError } from '../../common/errors.ts';
import { stringExtension } from '../../cloudevents/event.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { parseEventType } from '../../cloudevents/event-types.ts';
import { EXT } from '../../cloudevents/extensions.ts';
import type { MqttTopicsConfig } from '../broker-config.ts';
import { routeAgentEvent, routeSourceEvent } from '../routing.ts';
import type { TransportIdentity } from '../transport.ts';

const SHARE = String.raw`(\$share/[a-z0-9-]+/)?`;
const NAME = String.raw`([a-z0-9-]+|\+)`;
const EVENTS_PATTERN = new RegExp(`^${SHARE}([a-z]+)/${NAME}/([a-z]+)/${NAME}/(sourceevents|agentevents)$`);
const SOURCE_BROADCAST_PATTERN = new RegExp(`^${SHARE}([a-z]+)/${NAME}/sourcebroadcast$`);
const AGENT_BROADCAST_PATTERN = new RegExp(`^${SHARE}([a-z]+)/${NAME}/agentbroadcast$`);

/** Names usable in a concrete topic segment. */
const SEGMENT_NAME = /^[a-z0-9-]+$/;

/**
 * Checks the configured topics against upstream's patterns (throws `INVALID_ARGUMENT` naming the key)
 * and, for a source, that the source segment of `agentEvents` is `+` or the source id.
 */
export function validateMqttTopics(topics: MqttTopicsConfig, identity: TransportIdentity): void {
  const check = (key: keyof MqttTopicsConfig, pattern: RegExp, kind?: string) => {
    const topic = topics[key];
    if (topic === undefined) return;
    const match = pattern.exec(topic);
    if (match === null || (kind !== undefined && match[6] !== kind)) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `mqtt topic 'topics.${key}' ('${topic}') does not match ${pattern.source}`,
      );
    }
  };
  check('sourceEvents', EVENTS_PATTERN, 'sourceevents');
  check('agentEvents', EVENTS_PATTERN, 'agentevents');
  check('sourceBroadcast', SOURCE_BROADCAST_PATTERN);
  check('agentBroadcast', AGENT_BROADCAST_PATTERN);
  const name = identity.role === 'source' ? identity.sourceId : identity.clusterName;
  if (!SEGMENT_NAME.test(name)) {
    throw new MaestroError('INVALID_ARGUMENT', `mqtt ${identity.role} name '${name}' must match [a-z0-9-]+`);
  }
  if (identity.role === 'source') {
    const source = eventSegments(topics.agentEvents).source;
    if (source !== '+' && source !== identity.sourceId) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `mqtt topic 'topics.agentEvents' is for source '${source}', not '${identity.sourceId}'`,
      );
    }
  }
}

/** The topic filters a role subscribes to (shared-subscription prefixes kept). */
export function subscriptionTopics(topics: MqttTopicsConfig, identity: TransportIdentity): string[] {
  if (identity.role === 'source') {
    return [topics.agentEvents, ...(topics.agentBroadcast === undefined ? [] : [topics.agentBroadcast])];
  }
  return [
    withNames(topics.sourceEvents, { cluster: identity.clusterName }),
    ...(topics.sourceBroadcast === undefined ? [] : [topics.sourceBroadcast]),
  ];
}

/** The topic `event` is published to from `identity`; throws `INVALID_ARGUMENT` when it cannot be routed. */
export function publishTopic(
  topics: MqttTopicsConfig,
  identity: TransportIdentity,
  event: MaestroEvent,
): string {
  if (identity.role === 'source') {
    const route = routeSourceEvent(event);
    if (route.to === 'all-agents') {
      if (topics.sourceBroadcast === undefined) {
        throw new MaestroError(
          'INVALID_ARGUMENT',
          `status resync request '${event.id}' has no 'clustername' and no 'topics.sourceBroadcast' is configured`,
        );
      }
      return replaceFirstWildcard(topics.sourceBroadcast, identity.sourceId);
    }
    return stripSharePrefix(
      withNames(topics.sourceEvents, { cluster: route.clusterName, source: identity.sourceId }),
    );
  }
  const route = routeAgentEvent(event);
  const { action } = parseEventType(event.type);
  if (action === 'resync_request' && route.to === 'all-sources' && topics.agentBroadcast !== undefined) {
    return replaceFirstWildcard(topics.agentBroadcast, identity.clusterName);
  }
  const originalSource = stringExtension(event, EXT.originalSource) ?? '';
  const topic = stripSharePrefix(
    withNames(topics.agentEvents, { cluster: identity.clusterName, source: originalSource }),
  );
  if (topic.includes('+')) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `event '${event.id}' has no 'originalsource' to fill the source of 'topics.agentEvents' ('${topics.agentEvents}')`,
    );
  }
  return topic;
}

/** The topic without a `$share/<group>/` prefix (what a message arrives on). */
export function stripSharePrefix(topic: string): string {
  return topic.replace(/^\$share\/[a-z0-9-]+\//, '');
}

function eventSegments(topic: string): { share: string; parts: string[]; source: string; cluster: string } {
  const share = /^\$share\/[a-z0-9-]+\//.exec(topic)?.[0] ?? '';
  const parts = topic.slice(share.length).split('/');
  return { share, parts, source: parts[1] as string, cluster: parts[3] as string };
}

/** Fills the cluster segment and, when it is `+` and a name is given, the source segment. */
function withNames(topic: string, names: { cluster: string; source?: string }): string {
  const { share, parts } = eventSegments(topic);
  if (parts[3] === '+') parts[3] = names.cluster;
  if (parts[1] === '+' && names.source !== undefined && names.source !== '') parts[1] = names.source;
  return `${share}${parts.join('/')}`;
}

function replaceFirstWildcard(topic: string, name: string): string {
  return stripSharePrefix(topic).replace('+', name);
}
