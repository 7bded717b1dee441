/** Building blocks shared by the source-side and agent-side ManifestBundle codecs. */
import { randomUUID } from 'node:crypto';
import { MaestroError } from '../common/errors.ts';
import { createEvent, type MaestroEvent } from '../cloudevents/event.ts';
import type { ManifestBundle, ManifestWorkSpec } from './types.ts';
import {
  formatDataType,
  MANIFEST_BUNDLE_DATA_TYPE,
  parseEventType,
  type EventType,
  type SubResource,
} from '../cloudevents/event-types.ts';

/** What {@link newWorkEvent} needs; `id` and `time` are generated. */
export interface WorkEventInit {
  source: string;
  type: string;
  /** Extension attributes; `undefined` values are left out. */
  extensions: Record<string, unknown>;
  /** JSON data; when set, `datacontenttype` is `application/json`. */
  data?: unknown;
  /** The event time; default now. */
  time?: Date;
}

/** A new event with a random UUID id, as every upstream event builder makes them. */
export function newWorkEvent(init: WorkEventInit): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: init.source,
    type: init.type,
    time: (init.time ?? new Date()).toISOString(),
    ...(init.data === undefined ? {} : { datacontenttype: 'application/json', data: init.data }),
    ...init.extensions,
  });
}

/**
 * Parses the event type and checks that it is a ManifestBundle event of `subResource` (upstream codecs
 * reject any other data type).
 */
export function requireManifestBundleType(event: MaestroEvent, subResource: SubResource): EventType {
  const eventType = parseEventType(event.type);
  const dataType = formatDataType(eventType.dataType);
  if (dataType !== MANIFEST_BUNDLE_DATA_TYPE) {
    throw new MaestroError('INVALID_ARGUMENT', `unsupported cloudevents data type '${dataType}'`);
  }
  if (eventType.subResource !== subResource) {
    throw new MaestroError('INVALID_ARGUMENT', `event type '${event.type}' is not a ${subResource} event`);
  }
  return eventType;
}

/** The ManifestBundle payload of a work spec (Go field order; `executor` travels as `executer`). */
export function manifestBundleFromSpec(spec: ManifestWorkSpec): ManifestBundle {
  const bundle: ManifestBundle = { manifests: spec.workload?.manifests ?? [] };
  if (spec.deleteOption !== undefined) bundle.deleteOption = spec.deleteOption;
  if (spec.manifestConfigs !== undefined && spec.manifestConfigs.length > 0)
    bundle.manifestConfigs = spec.manifestConfigs;
  if (spec.executor !== undefined) bundle.executer = spec.executor;
  return bundle;
}

/** The work spec a ManifestBundle payload describes. */
export function specFromManifestBundle(bundle: ManifestBundle): ManifestWorkSpec {
  const spec: ManifestWorkSpec = { workload: { manifests: bundle.manifests } };
  if (bundle.deleteOption !== undefined && bundle.deleteOption !== null)
    spec.deleteOption = bundle.deleteOption;
  if (bundle.manifestConfigs !== undefined && bundle.manifestConfigs !== null)
    spec.manifestConfigs = bundle.manifestConfigs;
  if (bundle.executer !== undefined && bundle.executer !== null) spec.executor = bundle.executer;
  return spec;
}
