/**
 * MaestroEvent ⇄ MQTT 5 message in the CloudEvents MQTT binding (protocol.md §10.3): the payload is
 * the data, the Content Type property the `datacontenttype`, and every other attribute and extension
 * a `ce-<name>` user property holding canonical text. Shapes fit mqtt.js v5 publish packets.
 */
import { MaestroError } from '../common/errors.ts';
import { extensionNames } from './event.ts';
import type { MaestroEvent } from './event.ts';
import { ATTRIBUTE_PREFIX, assembleEvent, decodePayload, setPrefixedAttribute } from './event-assembly.ts';
import { fromJsonEventText } from './json-codec.ts';
import { attributeText, encodeEventData, isStructuredContentType } from './wire-values.ts';

/** The MQTT 5 publish properties the codec reads and writes (a subset of mqtt.js's `IPublishPacket`). */
export interface MqttEventProperties {
  contentType?: string;
  /** mqtt.js delivers a repeated user property as an array. */
  userProperties?: Record<string, string | string[]>;
}

/** An encoded event: what to pass to mqtt.js `publish(topic, payload, { properties })`. */
export interface MqttEventMessage {
  payload: Buffer;
  properties: { contentType?: string; userProperties: Record<string, string> };
}

/**
 * Encodes an event in binary mode as upstream does: user properties `ce-id`, `ce-source`,
 * `ce-specversion`, `ce-type`, `ce-time`, then `ce-subject`/`ce-dataschema` when set, then
 * `ce-<extension>` for every extension; integers in decimal, times as their RFC 3339 text.
 */
export function toMqttMessage(event: MaestroEvent): MqttEventMessage {
  const userProperties: Record<string, string> = {
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-specversion': event.specversion ?? '1.0',
    'ce-type': event.type,
  };
  for (const name of ['time', 'subject', 'dataschema'] as const) {
    const value = event[name];
    if (value !== undefined && value !== '') userProperties[`${ATTRIBUTE_PREFIX}${name}`] = value;
  }
  for (const name of extensionNames(event)) {
    userProperties[`${ATTRIBUTE_PREFIX}${name}`] = attributeText(event[name]);
  }
  const properties: MqttEventMessage['properties'] = { userProperties };
  if (event.datacontenttype !== undefined) properties.contentType = event.datacontenttype;
  return { payload: encodeEventData(event) ?? Buffer.alloc(0), properties };
}

function hasSpecVersion(userProperties: Record<string, string | string[]>): boolean {
  return Object.keys(userProperties).some((key) => key.toLowerCase() === `${ATTRIBUTE_PREFIX}specversion`);
}

/**
 * Decodes an MQTT message: structured mode when the content type is `application/cloudevents+json`
 * (the payload is the whole JSON event), binary mode when a `ce-specversion` user property is present;
 * anything else is not a CloudEvent and is refused. Extension values arrive as text and are brought to
 * the model conventions (`resourceversion` a number).
 */
export function fromMqttMessage(
  payload: Uint8Array | string,
  properties: MqttEventProperties = {},
): MaestroEvent {
  const contentType = properties.contentType;
  if (isStructuredContentType(contentType)) return fromJsonEventText(payload);
  const userProperties = properties.userProperties ?? {};
  if (!hasSpecVersion(userProperties)) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `not a cloudevent: mqtt message has no '${ATTRIBUTE_PREFIX}specversion' user property and content type '${contentType ?? ''}'`,
    );
  }
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(userProperties)) {
    setPrefixedAttribute(flat, key, Array.isArray(value) ? value[0] : value);
  }
  if (contentType !== undefined) flat.datacontenttype = contentType;
  const id = typeof flat.id === 'string' ? flat.id : undefined;
  const dataContentType = typeof flat.datacontenttype === 'string' ? flat.datacontenttype : undefined;
  return assembleEvent(flat, decodePayload(payload, dataContentType, id));
}
