/**
 * MaestroEvent ⇄ protobuf `CloudEvent` with upstream's attribute mapping (protocol.md §1.1), which is
 * NOT the CNCF one: `datacontenttype` goes under the bare key `contenttype`, every other attribute and
 * extension under `ce-<name>`, `resourceversion` as int32, `deletiontimestamp` and `time` as
 * timestamps, and data always as the JSON text in `binary_data`.
 */
import { extensionNames, integerExtension, timeExtension } from './event.ts';
import type { MaestroEvent } from './event.ts';
import { ATTRIBUTE_PREFIX, assembleEvent, decodePayload, setPrefixedAttribute } from './event-assembly.ts';
import { HEARTBEAT_EVENT_TYPE } from './event-types.ts';
import { EXTENSION_KINDS } from './extensions.ts';
import { fromJsonEventText } from './json-codec.ts';
import type { PbAttributeCase, PbAttributeValue, PbCloudEvent } from './proto.ts';
import { rfc3339FromTimestamp, timestampFromRfc3339 } from './timestamp.ts';
import { attributeText, encodeEventData, isStructuredContentType } from './wire-values.ts';

/** The attribute key upstream uses for `datacontenttype` (no `ce-` prefix). */
export const PROTO_CONTENT_TYPE_KEY = 'contenttype';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function extensionValue(event: MaestroEvent, name: string): PbAttributeValue {
  const value = event[name];
  switch (EXTENSION_KINDS[name]) {
    case 'integer':
      return { ce_integer: integerExtension(event, name) };
    case 'timestamp':
      return { ce_timestamp: timestampFromRfc3339(timeExtension(event, name) as string) };
    case 'string':
      return { ce_string: attributeText(value) };
  }
  if (typeof value === 'boolean') return { ce_boolean: value };
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
    return { ce_integer: value };
  }
  if (value instanceof Uint8Array) return { ce_bytes: value };
  if (value instanceof Date) return { ce_timestamp: timestampFromRfc3339(value.toISOString()) };
  return { ce_string: attributeText(value) };
}

/**
 * Encodes an event as upstream's Go SDK writes it (binary mode). A heartbeat carries no attributes
 * and no data (protocol.md §9.6).
 */
export function toProtoEvent(event: MaestroEvent): PbCloudEvent {
  const pb: PbCloudEvent = { id: event.id, spec_version: event.specversion ?? '1.0', type: event.type };
  if (event.source !== undefined && event.source !== '') pb.source = event.source;
  if (event.type === HEARTBEAT_EVENT_TYPE) return pb;
  const attributes: Record<string, PbAttributeValue> = {};
  if (event.datacontenttype !== undefined)
    attributes[PROTO_CONTENT_TYPE_KEY] = { ce_string: event.datacontenttype };
  if (event.time !== undefined) attributes['ce-time'] = { ce_timestamp: timestampFromRfc3339(event.time) };
  if (event.subject !== undefined) attributes['ce-subject'] = { ce_string: event.subject };
  if (event.dataschema !== undefined) attributes['ce-dataschema'] = { ce_uri: event.dataschema };
  for (const name of extensionNames(event)) {
    attributes[`${ATTRIBUTE_PREFIX}${name}`] = extensionValue(event, name);
  }
  pb.attributes = attributes;
  const data = encodeEventData(event);
  if (data !== undefined) pb.binary_data = data;
  return pb;
}

const ATTRIBUTE_CASES: readonly PbAttributeCase[] = [
  'ce_boolean',
  'ce_integer',
  'ce_string',
  'ce_bytes',
  'ce_uri',
  'ce_uri_ref',
  'ce_timestamp',
];

/** The value of a protobuf attribute as the model holds it (timestamps as RFC 3339 text). */
function attributeValue(value: PbAttributeValue): unknown {
  const which = value.attr ?? ATTRIBUTE_CASES.find((c) => value[c] !== undefined && value[c] !== null);
  if (which === undefined) return undefined;
  if (which === 'ce_timestamp') return rfc3339FromTimestamp(value.ce_timestamp ?? {});
  if (which === 'ce_bytes') return Buffer.from(value.ce_bytes ?? []);
  return value[which];
}

/**
 * Decodes a protobuf event. Accepts what upstream's reader accepts (structured mode when `contenttype`
 * is `application/cloudevents+json`; `ce-` prefixed standard attributes, case-insensitively; typed or
 * string-encoded values) and, unlike Go, `text_data`. Unprefixed keys other than `contenttype` are
 * ignored, as upstream does; `proto_data` is ignored too.
 */
export function fromProtoEvent(pb: PbCloudEvent): MaestroEvent {
  const attributes = pb.attributes ?? {};
  const flat: Record<string, unknown> = {
    specversion: pb.spec_version,
    id: pb.id,
    source: pb.source,
    type: pb.type,
  };
  for (const [key, value] of Object.entries(attributes)) {
    if (key.toLowerCase() === PROTO_CONTENT_TYPE_KEY) flat.datacontenttype = attributeValue(value);
    else setPrefixedAttribute(flat, key, attributeValue(value));
  }
  const contentType = typeof flat.datacontenttype === 'string' ? flat.datacontenttype : undefined;
  const payload = pb.binary_data ?? pb.text_data;
  if (isStructuredContentType(contentType)) return fromJsonEventText(payload ?? '');
  return assembleEvent(flat, decodePayload(payload, contentType, pb.id));
}
