/**
 * The CloudEvents JSON structured format: what Maestro's database stores (`resources.payload`,
 * `resources.status`), what upstream docs show, and the payload of structured-mode messages.
 * Extensions are top-level members and `data` is embedded JSON. Times are copied as text, never
 * through `Date`, so nanoseconds survive (the `cloudevents` package's `toJSON` truncates them).
 */
import { MaestroError } from '../common/errors.ts';
import { extensionNames } from './event.ts';
import type { MaestroEvent } from './event.ts';
import { assembleEvent } from './event-assembly.ts';
import { EXT } from './extensions.ts';

/** An event in the CloudEvents JSON format, as a plain object. */
export type JsonEvent = Record<string, unknown>;

/** Options for {@link toJsonEvent}. */
export interface JsonEventOptions {
  /**
   * Write the `metadata` extension (JSON text on the wire) as a JSON object, as upstream stores it in
   * the database. Default false (the wire form: a string).
   */
  metadataAsObject?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function metadataObject(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return isPlainObject(parsed) ? parsed : value;
  } catch {
    return value;
  }
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** Writes an event in the CloudEvents JSON format (binary data goes to `data_base64`). */
export function toJsonEvent(event: MaestroEvent, options: JsonEventOptions = {}): JsonEvent {
  const json: JsonEvent = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
  };
  for (const name of ['datacontenttype', 'dataschema', 'subject', 'time'] as const) {
    if (event[name] !== undefined) json[name] = event[name];
  }
  for (const name of extensionNames(event)) {
    const value = event[name];
    json[name] =
      options.metadataAsObject === true && name === EXT.metadata ? metadataObject(value) : jsonValue(value);
  }
  if (event.data instanceof Uint8Array) json.data_base64 = Buffer.from(event.data).toString('base64');
  else if (event.data !== undefined) json.data = event.data;
  return json;
}

/**
 * Reads an event in the CloudEvents JSON format. The `metadata` extension may be a JSON object (as
 * stored in the database) or its JSON text; the event carries the text.
 */
export function fromJsonEvent(json: unknown): MaestroEvent {
  if (!isPlainObject(json)) {
    throw new MaestroError('INVALID_ARGUMENT', 'cloudevent in json format must be a json object');
  }
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === 'data' || key === 'data_base64') continue;
    attributes[key] = key === EXT.metadata && isPlainObject(value) ? JSON.stringify(value) : value;
  }
  return assembleEvent(attributes, jsonData(json));
}

function jsonData(json: Record<string, unknown>): unknown {
  const base64 = json.data_base64;
  if (base64 !== undefined && base64 !== null) {
    if (typeof base64 !== 'string') {
      throw new MaestroError('INVALID_ARGUMENT', `cloudevent 'data_base64' must be a base64 string`);
    }
    return Buffer.from(base64, 'base64');
  }
  // Embedded JSON, or the text itself for a non-JSON content type: either way the member's value.
  return json.data === null ? undefined : json.data;
}

/** Reads a structured-mode payload: the whole event as CloudEvents JSON text. */
export function fromJsonEventText(text: Uint8Array | string): MaestroEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (err: unknown) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `structured cloudevent is not valid json: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return fromJsonEvent(parsed);
}
