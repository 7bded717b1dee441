/**
 * The last step of every decoder (proto, MQTT, Pub/Sub, JSON): check the required attributes and the
 * extension names, bring values to the model conventions of `event.ts`, parse the data, build the event.
 */
import { MaestroError } from '../common/errors.ts';
import { createEvent, isRfc3339 } from './event.ts';
import type { EventInit, MaestroEvent } from './event.ts';
import { HEARTBEAT_EVENT_TYPE } from './event-types.ts';
import { EXTENSION_KINDS } from './extensions.ts';
import { isJsonContentType } from './wire-values.ts';

/** The CloudEvents 1.0 context attributes (everything else is an extension). */
export const STANDARD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'source',
  'specversion',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
]);

/** The spec versions accepted on input (upstream's Go SDK reads both). */
const SPEC_VERSIONS = new Set(['1.0', '0.3']);

const EXTENSION_NAME = /^[a-z0-9]+$/;

/** Names an extension must not take: the standard attributes and the model's data members. */
const RESERVED_NAMES = new Set([...STANDARD_ATTRIBUTES, 'data', 'datacontentencoding', 'schemaurl']);

/**
 * Lower-cases an extension name (as Go does) and refuses one that is not ASCII letters and digits
 * (the Go SDK refuses the whole event then) or that names a standard attribute or the data.
 */
export function normaliseExtensionName(name: string): string {
  const lower = name.toLowerCase();
  if (!EXTENSION_NAME.test(lower)) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid extension name '${name}': only ascii lower-case letters and digits are allowed`,
    );
  }
  if (RESERVED_NAMES.has(lower)) {
    throw new MaestroError('INVALID_ARGUMENT', `invalid extension name '${name}': the name is reserved`);
  }
  return lower;
}

/**
 * Brings an extension value to the model conventions: `resourceversion` a number when it is a decimal
 * string (MQTT and Pub/Sub carry every value as text), string-typed extensions as strings, dates as
 * RFC 3339 text. A value that does not parse is kept as received; the coercion helpers of `event.ts`
 * report it to whoever reads it, as upstream does.
 */
export function normaliseExtensionValue(name: string, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `extension '${name}' must be a string, number or boolean, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const kind = EXTENSION_KINDS[name];
  if (kind === 'integer' && typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : value;
  }
  // Improvement over Go, which refuses e.g. an integer-typed `sequenceid` when it reads it.
  if (kind === 'string' && typeof value !== 'string') return String(value);
  return value;
}

/**
 * Turns wire data into the model's `data`: parsed JSON when the content type is JSON (refused when it
 * does not parse) or absent and it parses; otherwise the bytes (or text) as received.
 */
export function decodePayload(
  payload: Uint8Array | string | undefined,
  contentType: string | undefined,
  eventId: string | undefined,
): unknown {
  if (payload === undefined || payload.length === 0) return undefined;
  const raw = typeof payload === 'string' ? payload : Buffer.from(payload);
  if (contentType !== undefined && !isJsonContentType(contentType)) return raw;
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err: unknown) {
    if (contentType === undefined) return raw;
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `data of cloudevent '${eventId ?? ''}' is not valid JSON (datacontenttype '${contentType}'): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The prefix of binary-mode attribute keys on every wire (`ce-id`, `ce-resourceid`, …). */
export const ATTRIBUTE_PREFIX = 'ce-';

/**
 * Copies a binary-mode wire attribute into flat decoded attributes: `ce-<standard>` (matched
 * case-insensitively, as Go does) sets that attribute, any other `ce-<name>` an extension. A key
 * without the prefix is ignored, as upstream ignores it.
 */
export function setPrefixedAttribute(flat: Record<string, unknown>, key: string, value: unknown): void {
  if (!key.toLowerCase().startsWith(ATTRIBUTE_PREFIX)) return;
  const name = key.slice(ATTRIBUTE_PREFIX.length);
  flat[STANDARD_ATTRIBUTES.has(name.toLowerCase()) ? name.toLowerCase() : name] = value;
}

function requireText(attributes: Record<string, unknown>, name: string, what: string): string {
  const value = attributes[name];
  if (value === undefined || value === null || value === '') {
    throw new MaestroError('INVALID_ARGUMENT', `${what} is missing required attribute '${name}'`);
  }
  if (typeof value !== 'string') {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `${what} attribute '${name}' must be a string, got ${typeof value}`,
    );
  }
  return value;
}

function optionalText(attributes: Record<string, unknown>, name: string, what: string): string | undefined {
  const value = attributes[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `${what} attribute '${name}' must be a string, got ${typeof value}`,
    );
  }
  return value;
}

/**
 * Builds a {@link MaestroEvent} from flat decoded attributes (standard names without prefix,
 * extensions by name) and its already decoded `data`. Refuses an event without `id`, `source`, `type`
 * or `specversion` (a heartbeat needs no `source`), an unsupported spec version, a `time` that is not
 * RFC 3339 and an invalid extension name.
 */
export function assembleEvent(attributes: Record<string, unknown>, data: unknown): MaestroEvent {
  const id = attributes.id;
  const what = typeof id === 'string' && id !== '' ? `cloudevent '${id}'` : 'cloudevent';
  const type = requireText(attributes, 'type', what);
  const init: EventInit = {
    specversion: requireText(attributes, 'specversion', what),
    id: requireText(attributes, 'id', what),
    source:
      type === HEARTBEAT_EVENT_TYPE
        ? (optionalText(attributes, 'source', what) ?? '')
        : requireText(attributes, 'source', what),
    type,
  };
  if (!SPEC_VERSIONS.has(init.specversion as string)) {
    throw new MaestroError('INVALID_ARGUMENT', `${what} has unsupported specversion '${init.specversion}'`);
  }
  for (const name of ['datacontenttype', 'dataschema', 'subject', 'time'] as const) {
    const value = optionalText(attributes, name, what);
    if (value !== undefined && value !== '') init[name] = value;
  }
  if (init.time !== undefined && !isRfc3339(init.time)) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `${what} attribute 'time' is not an RFC 3339 timestamp: '${init.time}'`,
    );
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (STANDARD_ATTRIBUTES.has(key) || value === undefined || value === null) continue;
    const name = normaliseExtensionName(key);
    init[name] = normaliseExtensionValue(name, value);
  }
  if (data !== undefined) init.data = data;
  return createEvent(init);
}
