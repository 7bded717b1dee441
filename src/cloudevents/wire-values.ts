/**
 * Value conventions every wire codec shares: which content types mean JSON or a structured event, how
 * an event's data becomes bytes, and how an attribute value is written as text (Go's `types.Format`).
 */
import type { MaestroEvent } from './event.ts';

/** The CloudEvents JSON format media type: a payload with it is a whole event (structured mode). */
export const CLOUDEVENTS_JSON_CONTENT_TYPE = 'application/cloudevents+json';

/** The default data content type of Maestro events. */
export const JSON_CONTENT_TYPE = 'application/json';

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] as string).trim().toLowerCase();
}

/** True when data of this content type is JSON (`application/json`, `text/json`, `…+json`). */
export function isJsonContentType(contentType: string): boolean {
  const type = mediaType(contentType);
  return (
    type === 'application/json' || type === 'text/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(type)
  );
}

/** True when a payload with this content type is a whole event in the CloudEvents JSON format. */
export function isStructuredContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && mediaType(contentType) === CLOUDEVENTS_JSON_CONTENT_TYPE;
}

/**
 * The event's data as wire bytes, or `undefined` when it has none: raw bytes as they are, text of a
 * non-JSON content type as UTF-8, anything else as its JSON text (what upstream puts in `binary_data`).
 */
export function encodeEventData(event: MaestroEvent): Buffer | undefined {
  const data = event.data;
  if (data === undefined || data === null) return undefined;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const contentType = event.datacontenttype;
  if (typeof data === 'string' && contentType !== undefined && !isJsonContentType(contentType)) {
    return Buffer.from(data, 'utf8');
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/**
 * An attribute value as canonical text (MQTT user properties, Pub/Sub attributes): strings as they
 * are (times stay the RFC 3339 text received), integers in decimal, booleans `true`/`false`, bytes
 * base64, dates RFC 3339, objects as JSON.
 */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
