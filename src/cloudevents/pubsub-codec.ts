/**
 * MaestroEvent ⇄ Google Cloud Pub/Sub message in the CloudEvents Pub/Sub binding (protocol.md §11.3):
 * `data` is the event data, `Content-Type` the `datacontenttype`, every other attribute and extension a
 * `ce-<name>` attribute holding canonical text. Shapes fit `@google-cloud/pubsub` messages.
 */
import { extensionNames } from './event.ts';
import type { MaestroEvent } from './event.ts';
import { ATTRIBUTE_PREFIX, assembleEvent, decodePayload, setPrefixedAttribute } from './event-assembly.ts';
import { fromJsonEventText } from './json-codec.ts';
import { attributeText, encodeEventData, isStructuredContentType, JSON_CONTENT_TYPE } from './wire-values.ts';

/** The Pub/Sub attribute holding `datacontenttype`. */
export const PUBSUB_CONTENT_TYPE_KEY = 'Content-Type';

/** A Pub/Sub message as published and as received (`message.data`, `message.attributes`). */
export interface PubSubEventMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/**
 * Encodes an event as upstream does: empty standard attributes are skipped, extensions are always
 * written (even `""`), values as canonical text.
 */
export function toPubSubMessage(event: MaestroEvent): PubSubEventMessage {
  const attributes: Record<string, string> = {};
  if (event.datacontenttype !== undefined && event.datacontenttype !== '') {
    attributes[PUBSUB_CONTENT_TYPE_KEY] = event.datacontenttype;
  }
  for (const name of ['specversion', 'id', 'source', 'type', 'time', 'subject', 'dataschema'] as const) {
    const value = event[name];
    if (value !== undefined && value !== '') attributes[`${ATTRIBUTE_PREFIX}${name}`] = value;
  }
  for (const name of extensionNames(event)) {
    attributes[`${ATTRIBUTE_PREFIX}${name}`] = attributeText(event[name]);
  }
  return { data: encodeEventData(event) ?? Buffer.alloc(0), attributes };
}

/**
 * Decodes a Pub/Sub message: the spec version defaults to 1.0, a missing `Content-Type` means
 * `application/json`, and id, source and type are required. A `Content-Type` of
 * `application/cloudevents+json` means the data is the whole JSON event (structured mode).
 */
export function fromPubSubMessage(message: {
  data?: Uint8Array | string | null;
  attributes?: Record<string, string> | null;
}): MaestroEvent {
  const attributes = message.attributes ?? {};
  let contentType: string | undefined;
  const flat: Record<string, unknown> = { specversion: '1.0' };
  for (const [key, value] of Object.entries(attributes)) {
    if (key.toLowerCase() === PUBSUB_CONTENT_TYPE_KEY.toLowerCase()) contentType = value;
    else setPrefixedAttribute(flat, key, value);
  }
  const data = message.data ?? undefined;
  if (isStructuredContentType(contentType)) return fromJsonEventText(data ?? '');
  flat.datacontenttype = contentType ?? flat.datacontenttype ?? JSON_CONTENT_TYPE;
  const id = typeof flat.id === 'string' ? flat.id : undefined;
  return assembleEvent(
    flat,
    decodePayload(data, typeof flat.datacontenttype === 'string' ? flat.datacontenttype : undefined, id),
  );
}
