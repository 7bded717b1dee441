/**
 * CloudEvent type strings as upstream sdk-go names them:
 * data type `<group>.<version>.<resource>` and event type `<data type>.<spec|status>.<action>`.
 */
import { MaestroError } from '../common/errors.ts';

/** The only data type Maestro speaks. */
export const MANIFEST_BUNDLE_DATA_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles';

/** The type of the heartbeat events both gRPC servers send on every subscription stream. */
export const HEARTBEAT_EVENT_TYPE = 'io.open-cluster-management.cloudevents.heartbeat';

/** The two sub-resources an event can address. */
export type SubResource = 'spec' | 'status';

/** The actions upstream defines. Parsing accepts any action; these are the ones that mean something. */
export const EVENT_ACTIONS = [
  'create_request',
  'update_request',
  'delete_request',
  'resync_request',
  'resync_response',
  'watch_request',
] as const;

/** One of {@link EVENT_ACTIONS}. */
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** A parsed data type. */
export interface DataType {
  group: string;
  version: string;
  resource: string;
}

/** A parsed event type. */
export interface EventType {
  dataType: DataType;
  subResource: SubResource;
  /** The action; not validated, as upstream (an unknown action is rejected by whoever handles it). */
  action: string;
}

/**
 * Parsed types by their text: every event on the hot paths is parsed several times, and only a
 * handful of types exist. Bounded (an unknown type per event must not grow memory) and frozen, as
 * the results are shared.
 */
const parsedDataTypes = new Map<string, DataType>();
const parsedEventTypes = new Map<string, EventType>();
const REMEMBERED_TYPES = 64;

function remembered<T extends object>(cache: Map<string, T>, text: string, parse: (text: string) => T): T {
  let parsed = cache.get(text);
  if (parsed === undefined) {
    parsed = deepFreeze(parse(text));
    if (cache.size >= REMEMBERED_TYPES) cache.clear();
    cache.set(text, parsed);
  }
  return parsed;
}

function deepFreeze<T extends object>(value: T): T {
  for (const member of Object.values(value)) {
    if (typeof member === 'object' && member !== null) deepFreeze(member as object);
  }
  return Object.freeze(value);
}

/** Parses `<group>.<version>.<resource>` (at least three dot-separated parts; the group may contain dots). */
export function parseDataType(text: string): DataType {
  return remembered(parsedDataTypes, text, parseDataTypeText);
}

function parseDataTypeText(text: string): DataType {
  const parts = text.split('.');
  if (parts.length < 3 || parts.some((p) => p === '')) {
    throw new MaestroError('INVALID_ARGUMENT', `unsupported data type '${text}'`);
  }
  const resource = parts.at(-1) as string;
  const version = parts.at(-2) as string;
  return { group: parts.slice(0, -2).join('.'), version, resource };
}

/** Formats a {@link DataType} back to its string. */
export function formatDataType(dataType: DataType): string {
  return `${dataType.group}.${dataType.version}.${dataType.resource}`;
}

/** Parses `<group>.<version>.<resource>.<spec|status>.<action>`. */
export function parseEventType(text: string): EventType {
  return remembered(parsedEventTypes, text, parseEventTypeText);
}

function parseEventTypeText(text: string): EventType {
  const parts = text.split('.');
  if (parts.length < 5) {
    throw new MaestroError('INVALID_ARGUMENT', `unsupported event type '${text}'`);
  }
  const action = parts.at(-1) as string;
  const subResource = parts.at(-2) as string;
  if (subResource !== 'spec' && subResource !== 'status') {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `unsupported event type '${text}': sub-resource must be 'spec' or 'status', got '${subResource}'`,
    );
  }
  if (action === '')
    throw new MaestroError('INVALID_ARGUMENT', `unsupported event type '${text}': empty action`);
  return { dataType: parseDataType(parts.slice(0, -2).join('.')), subResource, action };
}

/** Formats an {@link EventType}. */
export function formatEventType(eventType: EventType): string {
  return `${formatDataType(eventType.dataType)}.${eventType.subResource}.${eventType.action}`;
}

/** The ManifestBundle event type for a sub-resource and action, e.g. `…manifestbundles.spec.create_request`. */
export function manifestBundleEventType(subResource: SubResource, action: EventAction): string {
  return `${MANIFEST_BUNDLE_DATA_TYPE}.${subResource}.${action}`;
}
