/**
 * The spec side of the wire: decoding a source's `create|update|delete_request` into what the store
 * keeps (server.md §3.1–3.3, protocol.md §9.2), and building the spec event an agent receives from a
 * stored resource (protocol.md §5.1, §5.3, §5.8).
 */
import { randomUUID } from 'node:crypto';
import { MaestroError } from '../../common/errors.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { integerExtension, stringExtension, timeExtension } from '../../cloudevents/event.ts';
import { manifestBundleEventType } from '../../cloudevents/event-types.ts';
import type { EventAction } from '../../cloudevents/event-types.ts';
import { EXT } from '../../cloudevents/extensions.ts';
import { toJsonEvent } from '../../cloudevents/json-codec.ts';
import type { JsonEvent } from '../../cloudevents/json-codec.ts';
import { goSortedJson } from '../../work/go-json.ts';
import { formatIssue, validateManifestBundle } from '../../work/validation.ts';

/** The spec actions a source may publish. */
export type SpecAction = 'create' | 'update' | 'delete';

/** A decoded spec request. */
export interface SpecRequest {
  action: SpecAction;
  resourceId: string;
  consumerName: string;
  /** The `resourceversion` the source sent (0 = "latest" on update). */
  version: number;
  /** The source client's id (`source` attribute): the resource's owner. */
  source: string;
  /** The whole event in the JSON format, `metadata` as an object: what `resources.payload` stores. */
  payload: JsonEvent;
}

const ACTIONS: Readonly<Record<string, SpecAction>> = {
  create_request: 'create',
  update_request: 'update',
  delete_request: 'delete',
};

/** The {@link SpecAction} of an event action, or `undefined` for anything else. */
export function specActionOf(action: string): SpecAction | undefined {
  return ACTIONS[action];
}

function collect<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (err: unknown) {
    problems.push(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/**
 * Decodes a spec request; throws one `INVALID_ARGUMENT` listing every problem (missing or mistyped
 * extensions, and for create/update every ManifestBundle validation issue).
 */
export function decodeSpecRequest(event: MaestroEvent, action: SpecAction): SpecRequest {
  const problems: string[] = [];
  const clusterName = collect(problems, () => stringExtension(event, EXT.clusterName));
  const resourceId = collect(problems, () => stringExtension(event, EXT.resourceId));
  const version = collect(problems, () => integerExtension(event, EXT.resourceVersion));
  collect(problems, () => timeExtension(event, EXT.deletionTimestamp));
  if (clusterName === undefined || clusterName === '')
    problems.push(`missing extension '${EXT.clusterName}'`);
  if (resourceId === undefined || resourceId === '') problems.push(`missing extension '${EXT.resourceId}'`);
  if (version === undefined && !problems.some((p) => p.includes(EXT.resourceVersion))) {
    problems.push(`missing extension '${EXT.resourceVersion}'`);
  }
  if (version !== undefined && version < 0)
    problems.push(`extension '${EXT.resourceVersion}' must not be negative`);
  if (action !== 'delete') problems.push(...validateManifestBundle(event.data).map(formatIssue));
  const unique = [...new Set(problems)];
  if (unique.length > 0) {
    throw new MaestroError('INVALID_ARGUMENT', `invalid ${action} request: ${unique.join('; ')}`, {
      details: unique,
    });
  }
  return {
    action,
    resourceId: resourceId as string,
    consumerName: clusterName as string,
    version: version as number,
    source: event.source,
    payload: toJsonEvent(event, { metadataAsObject: true }),
  };
}

/** What {@link buildAgentSpecEvent} needs from a stored resource. */
export interface StoredSpec {
  id: string;
  consumerName: string;
  version: number;
  payload: JsonEvent;
  createdAt: Date;
  deletedAt: Date | null;
}

/** Options for {@link buildAgentSpecEvent}. */
export interface AgentSpecEventOptions {
  /** The server's source id (`--source-id`): the event `source` agents answer to. */
  sourceId: string;
  /** The event action; deleting resources always get a deletion shape. */
  action: Extract<EventAction, 'create_request' | 'update_request' | 'delete_request' | 'resync_response'>;
  now?: Date;
}

/** RFC 3339 at whole seconds, as Kubernetes `metav1.Time` serialises. */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function metadataObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...value };
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // not JSON: replaced below
    }
  }
  return {};
}

/**
 * The spec event an agent receives for a stored resource (JSON format, `metadata` as JSON text):
 * the stored request with `source`, `type`, `resourceid`, `resourceversion`, `clustername` set by the
 * server, `metadata.name` reset to the resource id (the agent's work name) and the row timestamps; a
 * deleting resource gets a fresh id/time and `deletiontimestamp` (upstream codec `Encode`).
 */
export function buildAgentSpecEvent(spec: StoredSpec, options: AgentSpecEventOptions): JsonEvent {
  const metadata = metadataObject(spec.payload[EXT.metadata]);
  metadata.name = spec.id;
  metadata.creationTimestamp = kubeTime(spec.createdAt);
  const event: JsonEvent = {
    ...spec.payload,
    source: options.sourceId,
    type: manifestBundleEventType('spec', options.action),
    [EXT.clusterName]: spec.consumerName,
    [EXT.resourceId]: spec.id,
    [EXT.resourceVersion]: spec.version,
    [EXT.originalSource]:
      typeof spec.payload[EXT.originalSource] === 'string' ? spec.payload[EXT.originalSource] : '',
  };
  if (spec.deletedAt !== null) {
    metadata.deletionTimestamp = kubeTime(spec.deletedAt);
    event.id = randomUUID();
    event.time = (options.now ?? new Date()).toISOString();
    event[EXT.deletionTimestamp] = spec.deletedAt.toISOString();
  } else {
    delete event[EXT.deletionTimestamp];
  }
  event[EXT.metadata] = goSortedJson(metadata);
  return event;
}

/**
 * The delete an agent receives during spec resync for a resource the server no longer has
 * (protocol.md §5.8). Unlike upstream's gRPC broker it carries `resourceversion` (the agent's own
 * version) and the real source id: Go agents fail to decode a delete without `resourceversion`.
 */
export function buildResyncDeleteEvent(options: {
  sourceId: string;
  consumerName: string;
  resourceId: string;
  version: number;
  now?: Date;
}): JsonEvent {
  const now = options.now ?? new Date();
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: options.sourceId,
    type: manifestBundleEventType('spec', 'resync_response'),
    time: now.toISOString(),
    [EXT.clusterName]: options.consumerName,
    [EXT.originalSource]: '',
    [EXT.resourceId]: options.resourceId,
    [EXT.resourceVersion]: options.version,
    [EXT.deletionTimestamp]: now.toISOString(),
  };
}
