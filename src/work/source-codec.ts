/**
 * Source-side ManifestBundle codec (sdk-go `work/source/codec`): how a source client (the SDK, a
 * controller) turns a ManifestWork into a spec request for Maestro, and how it turns the status events
 * Maestro relays back (with `manifestBundle` and the client's own metadata) into a ManifestWork.
 */
import { MaestroError } from '../common/errors.ts';
import {
  integerExtension,
  requireStringExtension,
  stringExtension,
  timeExtension,
  type MaestroEvent,
} from '../cloudevents/event.ts';
import { manifestBundleEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import { logTracingExtension, marshalObjectMeta, parseObjectMeta, rfc3339Seconds } from './object-meta.ts';
import {
  CONDITION_TYPES,
  SEQUENCE_ID_ANNOTATION,
  type ManifestBundleStatus,
  type ManifestWork,
  type ObjectMeta,
} from './types.ts';
import { isObject } from './validation-issue.ts';
import {
  manifestBundleFromSpec,
  newWorkEvent,
  requireManifestBundleType,
  specFromManifestBundle,
} from './work-event.ts';
import { workUid } from './work-uid.ts';

/** The spec actions a source client sends. */
export type SpecRequestAction = 'create_request' | 'update_request' | 'delete_request';

/** Options for {@link encodeSpecRequest}. */
export interface EncodeSpecRequestOptions {
  /** The source id (the client's `source`, e.g. `mw-client-example`). */
  source: string;
  action: SpecRequestAction;
  /** Time of the event and, for a delete without one, of the deletion; default now. */
  now?: Date;
}

/**
 * Gives a work the identity a Go client SDK gives it on create: `namespace` = the consumer name, `uid` =
 * {@link workUid} of source, namespace and name, `resourceVersion` "0" unless set.
 */
export function withSourceIdentity(work: ManifestWork, source: string, namespace: string): ManifestWork {
  const name = work.metadata.name;
  if (!name) throw new MaestroError('INVALID_ARGUMENT', 'manifestwork name is required');
  return {
    ...work,
    metadata: {
      ...work.metadata,
      namespace,
      uid: workUid(source, namespace, name),
      resourceVersion: work.metadata.resourceVersion || '0',
    },
  };
}

/**
 * A spec request event for `work`, as the Go client SDK builds it: `resourceid` = uid, `resourceversion`
 * = generation (else the numeric `resourceVersion`, else 0), `clustername` = namespace, `metadata` = the
 * work's ObjectMeta. A delete carries `deletiontimestamp` (and the same time in `metadata`) and no data;
 * the others carry the ManifestBundle of `work.spec`.
 */
export function encodeSpecRequest(work: ManifestWork, options: EncodeSpecRequestOptions): MaestroEvent {
  const now = options.now ?? new Date();
  const meta: ObjectMeta = { ...work.metadata };
  if (!meta.uid) throw new MaestroError('INVALID_ARGUMENT', `manifestwork '${meta.name ?? ''}' has no uid`);
  const extensions: Record<string, unknown> = {
    [EXT.clusterName]: meta.namespace ?? '',
    [EXT.resourceId]: meta.uid,
    [EXT.resourceVersion]: specVersion(meta),
    [EXT.originalSource]: '',
    [EXT.logTracing]: logTracingExtension(meta),
  };
  const type = manifestBundleEventType('spec', options.action);
  if (options.action === 'delete_request') {
    meta.deletionTimestamp ??= rfc3339Seconds(now);
    extensions[EXT.metadata] = marshalObjectMeta(meta);
    extensions[EXT.deletionTimestamp] = meta.deletionTimestamp;
    return newWorkEvent({ source: options.source, type, extensions, time: now });
  }
  extensions[EXT.metadata] = marshalObjectMeta(meta);
  return newWorkEvent({
    source: options.source,
    type,
    extensions,
    data: manifestBundleFromSpec(work.spec),
    time: now,
  });
}

/** A ManifestWork decoded from a relayed status event. */
export interface DecodedStatus {
  work: ManifestWork;
  /** The `sequenceid` of the event. */
  sequenceId: string;
  /** True when the status carries `Deleted=True`: the agent removed the manifests and Maestro the work. */
  deleted: boolean;
}

/**
 * Decodes a status event relayed by Maestro into the ManifestWork a source client sees: metadata from the
 * `metadata` extension (the client's own work meta), `uid` = `resourceid`, `name` defaulting to it,
 * `resourceVersion` = the `resourceversion` text, the sequence id as an annotation, spec from
 * `data.manifestBundle` when present, and the status with `resourceStatus.manifests` nested again.
 */
export function decodeStatusEvent(event: MaestroEvent): DecodedStatus {
  requireManifestBundleType(event, 'status');
  const resourceId = requireStringExtension(event, EXT.resourceId);
  const resourceVersion = integerExtension(event, EXT.resourceVersion);
  if (resourceVersion === undefined)
    throw new MaestroError('INVALID_ARGUMENT', `missing extension '${EXT.resourceVersion}'`);
  const sequenceId = requireStringExtension(event, EXT.sequenceId);
  const meta = parseObjectMeta(stringExtension(event, EXT.metadata));
  meta.uid = resourceId;
  meta.name ||= resourceId;
  meta.resourceVersion = String(resourceVersion);
  // The spec version this status was reported for; what a work listed over REST shows as generation.
  meta.generation ||= resourceVersion;
  meta.annotations = { ...meta.annotations, [SEQUENCE_ID_ANNOTATION]: sequenceId };
  const deletionTimestamp = timeExtension(event, EXT.deletionTimestamp);
  if (deletionTimestamp !== undefined) meta.deletionTimestamp ??= deletionTimestamp;

  const payload = statusPayload(event.data);
  const work: ManifestWork = {
    metadata: meta,
    spec: payload.manifestBundle ? specFromManifestBundle(payload.manifestBundle) : { workload: {} },
    status: {
      ...(payload.conditions && payload.conditions.length > 0 ? { conditions: payload.conditions } : {}),
      resourceStatus:
        payload.resourceStatus && payload.resourceStatus.length > 0
          ? { manifests: payload.resourceStatus }
          : {},
    },
  };
  return { work, sequenceId, deleted: isDeleted(payload) };
}

/** True when a status payload has the `Deleted=True` condition that ends the deletion handshake. */
export function isDeleted(status: Pick<ManifestBundleStatus, 'conditions'>): boolean {
  return (status.conditions ?? []).some((c) => c.type === CONDITION_TYPES.deleted && c.status === 'True');
}

function statusPayload(data: unknown): ManifestBundleStatus {
  if (!isObject(data)) throw new MaestroError('INVALID_ARGUMENT', 'status event data must be a json object');
  for (const field of ['conditions', 'resourceStatus'] as const) {
    if (data[field] !== undefined && data[field] !== null && !Array.isArray(data[field])) {
      throw new MaestroError('INVALID_ARGUMENT', `status event data '${field}' must be an array`);
    }
  }
  if (data.manifestBundle !== undefined && data.manifestBundle !== null && !isObject(data.manifestBundle)) {
    throw new MaestroError('INVALID_ARGUMENT', `status event data 'manifestBundle' must be a json object`);
  }
  return data as unknown as ManifestBundleStatus;
}

/** `generation`, or the numeric `resourceVersion` when the generation is unset, or 0. */
function specVersion(meta: ObjectMeta): number {
  if (meta.generation) return meta.generation;
  const text = meta.resourceVersion ?? '';
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `manifestwork '${meta.name ?? ''}' resource version '${text}' is not an integer`,
    );
  }
  return Number(text);
}
