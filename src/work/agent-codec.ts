/**
 * Agent-side ManifestBundle codec (sdk-go `work/agent/codec`, protocol.md §5.4 and §6): decodes the spec
 * events Maestro sends into the agent's ManifestWork, and encodes the agent's work status into status
 * events, including the final `Deleted` status of the deletion handshake.
 */
import { MaestroError } from '../common/errors.ts';
import {
  integerExtension,
  requireStringExtension,
  stringExtension,
  timeExtension,
  type MaestroEvent,
} from '../cloudevents/event.ts';
import { MANIFEST_BUNDLE_DATA_TYPE, manifestBundleEventType } from '../cloudevents/event-types.ts';
import { EXT } from '../cloudevents/extensions.ts';
import {
  applyLogTracing,
  logTracingExtension,
  marshalObjectMeta,
  parseObjectMeta,
  rfc3339Seconds,
} from './object-meta.ts';
import type { SequenceIdGenerator } from './sequence-id.ts';
import { manifestWorkStatusHash } from './status-hash.ts';
import {
  CONDITION_TYPES,
  DATA_TYPE_ANNOTATION,
  MANIFEST_WORK_FINALIZER,
  MANIFESTS_DELETED_REASON,
  ORIGINAL_SOURCE_LABEL,
  type Condition,
  type ManifestBundleStatus,
  type ManifestWork,
} from './types.ts';
import { assertValidManifestBundle } from './validation.ts';
import { newWorkEvent, requireManifestBundleType, specFromManifestBundle } from './work-event.ts';

/** Largest total size of a bundle's manifests the agent accepts (sdk-go work validator: 500 KiB). */
export const MAX_MANIFESTS_BYTES = 500 * 1024;

/**
 * Decodes a spec event (any action: create, update, delete, resync response) into the agent's
 * ManifestWork, per protocol.md §6: metadata from the `metadata` extension, `uid` = `resourceid`, `name`
 * = metadata name or `resourceid`, `namespace` = `clustername`, `resourceVersion` cleared (the agent's
 * store assigns its own), `generation` = `resourceversion`, the data-type annotation, the originalsource
 * label = event `source`, and the log-tracing annotations. With `deletiontimestamp` the work is returned
 * deleting, with the cleanup finalizer and no spec (`data` is ignored). Otherwise the bundle is validated;
 * an invalid bundle throws `INVALID_ARGUMENT` (the agent drops such events).
 */
export function decodeSpecEvent(event: MaestroEvent): ManifestWork {
  requireManifestBundleType(event, 'spec');
  const resourceId = requireStringExtension(event, EXT.resourceId);
  const clusterName = requireStringExtension(event, EXT.clusterName);
  const deletionTimestamp = timeExtension(event, EXT.deletionTimestamp);
  const resourceVersion = integerExtension(event, EXT.resourceVersion);
  // Upstream's gRPC broker sends resync deletes without `resourceversion` and the Go agent then fails to
  // decode them (protocol.md §5.8); a deletion needs no version, so it is only required otherwise.
  if (resourceVersion === undefined && deletionTimestamp === undefined) {
    throw new MaestroError('INVALID_ARGUMENT', `missing extension '${EXT.resourceVersion}'`);
  }

  const meta = parseObjectMeta(stringExtension(event, EXT.metadata));
  meta.uid = resourceId;
  meta.name ||= resourceId;
  meta.namespace = clusterName;
  delete meta.resourceVersion;
  if (resourceVersion !== undefined) meta.generation = resourceVersion;
  meta.annotations = { ...meta.annotations, [DATA_TYPE_ANNOTATION]: MANIFEST_BUNDLE_DATA_TYPE };
  meta.labels = { ...meta.labels, [ORIGINAL_SOURCE_LABEL]: event.source };
  applyLogTracing(meta, stringExtension(event, EXT.logTracing));

  if (deletionTimestamp !== undefined) {
    // Re-added on purpose: after an agent restart cleanup must still run before the work is dropped.
    meta.finalizers = [MANIFEST_WORK_FINALIZER];
    meta.deletionTimestamp = deletionTimestamp;
    return { metadata: meta, spec: { workload: {} } };
  }

  const bundle = assertValidManifestBundle(event.data);
  const size = Buffer.byteLength(JSON.stringify(bundle.manifests), 'utf8');
  if (size > MAX_MANIFESTS_BYTES) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `manifests of resource '${resourceId}' are ${size} bytes, more than the ${MAX_MANIFESTS_BYTES} allowed`,
    );
  }
  return { metadata: meta, spec: specFromManifestBundle(bundle) };
}

/** Options for {@link encodeStatusEvent}. */
export interface EncodeStatusOptions {
  /** The agent's client id (`--cloudevents-client-id`), the event `source`. */
  source: string;
  /** `update_request` for a status change, `resync_response` when answering a status resync. */
  action?: 'update_request' | 'resync_response';
  /** Issues the `sequenceid`. */
  sequenceIds: SequenceIdGenerator;
  /** Event time; default now. */
  now?: Date;
}

/**
 * Encodes the status of an agent-side work as a status event (protocol.md §5.4): `resourceid` = uid,
 * `resourceversion` = generation, `clustername` = namespace, `originalsource` = the originalsource label
 * (required: the work must have come from a source), a fresh `sequenceid`, the `statushash`, the work's
 * metadata (without its local `resourceVersion`) and `data` = `{conditions, resourceStatus}`.
 */
export function encodeStatusEvent(work: ManifestWork, options: EncodeStatusOptions): MaestroEvent {
  const meta = work.metadata;
  const originalSource = meta.labels?.[ORIGINAL_SOURCE_LABEL];
  if (originalSource === undefined) {
    throw new MaestroError(
      'FAILED_PRECONDITION',
      `manifestwork '${meta.uid ?? meta.name ?? ''}' has no '${ORIGINAL_SOURCE_LABEL}' label`,
    );
  }
  if (!meta.uid) throw new MaestroError('INVALID_ARGUMENT', `manifestwork '${meta.name ?? ''}' has no uid`);
  const eventMeta = { ...meta };
  delete eventMeta.resourceVersion;

  const manifests = work.status?.resourceStatus?.manifests;
  const data: ManifestBundleStatus = { conditions: work.status?.conditions ?? null };
  if (manifests && manifests.length > 0) data.resourceStatus = manifests;

  return newWorkEvent({
    source: options.source,
    type: manifestBundleEventType('status', options.action ?? 'update_request'),
    time: options.now,
    data,
    extensions: {
      [EXT.clusterName]: meta.namespace ?? '',
      [EXT.resourceId]: meta.uid,
      [EXT.resourceVersion]: meta.generation ?? 0,
      [EXT.originalSource]: originalSource,
      [EXT.sequenceId]: options.sequenceIds.next(),
      [EXT.statusHash]: manifestWorkStatusHash(work.status),
      [EXT.metadata]: marshalObjectMeta(eventMeta),
      [EXT.logTracing]: logTracingExtension(meta),
    },
  });
}

/**
 * The `Deleted=True` condition (reason `ManifestsDeleted`) the agent adds to the last status it sends
 * for a deleted work; Maestro then removes the resource.
 */
export function deletedCondition(clusterName: string, now: Date = new Date()): Condition {
  return {
    type: CONDITION_TYPES.deleted,
    status: 'True',
    lastTransitionTime: rfc3339Seconds(now),
    reason: MANIFESTS_DELETED_REASON,
    message: `The manifests are deleted from the cluster ${clusterName}`,
  };
}

/**
 * The final status event of the deletion handshake: the work's last status plus {@link deletedCondition}
 * (replacing an earlier `Deleted` condition, as `meta.SetStatusCondition` does).
 */
export function encodeDeletedStatusEvent(work: ManifestWork, options: EncodeStatusOptions): MaestroEvent {
  const now = options.now ?? new Date();
  const conditions = (work.status?.conditions ?? []).filter((c) => c.type !== CONDITION_TYPES.deleted);
  conditions.push(deletedCondition(work.metadata.namespace ?? '', now));
  const deletedWork: ManifestWork = { ...work, status: { ...work.status, conditions } };
  return encodeStatusEvent(deletedWork, { ...options, action: 'update_request', now });
}
