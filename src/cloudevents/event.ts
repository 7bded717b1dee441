/**
 * The CloudEvent model every Maestro component shares: the `cloudevents` package's `CloudEvent`, with
 * attributes and extensions as flat properties. Conventions (all codecs produce and accept these):
 *
 * - `data` is the parsed JSON value when `datacontenttype` is JSON (the upstream payloads always are),
 *   `undefined` when the event has no data;
 * - `time` and the `deletiontimestamp` extension are RFC 3339 strings kept exactly as received
 *   (nanosecond precision survives; never re-format them through `Date`);
 * - `resourceversion` is a number; `sequenceid`, `resourceid`, `statushash`, `metadata` (JSON text of an
 *   ObjectMeta) and `logtracing` are strings. Events from MQTT or Pub/Sub carry every extension as a
 *   string: read extensions through the coercion helpers below, which accept what upstream's Go
 *   readers accept (protocol.md §1.1 rule 5).
 */
import { CloudEvent } from 'cloudevents';
import { MaestroError } from '../common/errors.ts';

/** A Maestro CloudEvent. */
export type MaestroEvent = CloudEvent<unknown>;

/** Attributes and extensions of an event to build, flat as in the CloudEvents JSON format. */
export interface EventInit {
  id: string;
  source: string;
  type: string;
  specversion?: string;
  datacontenttype?: string;
  time?: string;
  subject?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/**
 * Builds an event without the package's schema validation (codecs validate what upstream validates).
 * Note: the `cloudevents` package always sets `time`; upstream CLI events carry none, so a decoded CLI
 * event gains a `time` (now, written as Go's RFC3339Nano so it survives the proto codec unchanged) —
 * nothing else is added or changed.
 */
export function createEvent(init: EventInit): MaestroEvent {
  if (!isCommonInit(init)) {
    const attributes: Record<string, unknown> = { ...init };
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined) delete attributes[key];
    }
    attributes.time ??= nowRfc3339();
    return new CloudEvent<unknown>(attributes as never, false);
  }
  // What `new CloudEvent(attributes, false)` builds for such an event, without its per-event copy,
  // deletes and regular expressions (every event on the hot paths passes here): the same own
  // properties in the same order (core members first, `undefined` when absent, then the extensions) on
  // the same prototype, frozen.
  const event = Object.create(CloudEvent.prototype) as Record<string, unknown>;
  event.id = init.id;
  event.time = init.time ?? nowRfc3339();
  event.type = init.type;
  event.source = init.source;
  event.specversion = init.specversion || '1.0';
  for (const name of OPTIONAL_CORE_MEMBERS) event[name] = init[name];
  if (init.data instanceof Uint8Array) event.data_base64 = Buffer.from(init.data).toString('base64');
  event.data = init.data;
  for (const key in init) {
    if (!CONSTRUCTED_MEMBERS.has(key) && init[key] !== undefined) event[key] = init[key];
  }
  return Object.freeze(event) as unknown as MaestroEvent;
}

/**
 * True for the events the codecs build (an id, a time or none, no `data_base64`, data that is not a
 * typed array other than bytes, no attribute the package refuses): {@link createEvent} builds those
 * itself; anything else goes through the package's constructor.
 */
function isCommonInit(init: EventInit): boolean {
  return (
    typeof init.id === 'string' &&
    init.id !== '' &&
    (init.time === undefined || (typeof init.time === 'string' && init.time !== '')) &&
    init.data_base64 === undefined &&
    init.schemaurl === undefined &&
    (init.specversion !== '0.3' || init.dataschema === undefined) &&
    (!ArrayBuffer.isView(init.data) || init.data instanceof Uint8Array)
  );
}

/** The members `CloudEvent` always defines between `specversion` and `data`, in its order. */
const OPTIONAL_CORE_MEMBERS = [
  'datacontenttype',
  'subject',
  'datacontentencoding',
  'dataschema',
  'data_base64',
  'schemaurl',
] as const;

const CONSTRUCTED_MEMBERS: ReadonlySet<string> = new Set([
  'id',
  'time',
  'type',
  'source',
  'specversion',
  ...OPTIONAL_CORE_MEMBERS,
  'data',
]);

/** The current time as Go's RFC3339Nano formats it (UTC, fraction without trailing zeros). */
function nowRfc3339(): string {
  const iso = new Date().toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** The names of the extension attributes an event carries (everything that is not a core attribute). */
export function extensionNames(event: MaestroEvent): string[] {
  return Object.keys(event).filter((key) => !CORE_ATTRIBUTES.has(key) && event[key] !== undefined);
}

const CORE_ATTRIBUTES = new Set([
  'id',
  'source',
  'type',
  'specversion',
  'datacontenttype',
  'time',
  'subject',
  'dataschema',
  'data',
  'data_base64',
  'datacontentencoding',
  'schemaurl',
]);

/** A string extension (Go's `ToString`: only strings are accepted), or `undefined` when absent. */
export function stringExtension(event: MaestroEvent, name: string): string | undefined {
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MaestroError('INVALID_ARGUMENT', `extension '${name}' must be a string, got ${typeof value}`);
  }
  return value;
}

/** A string extension that must be present. */
export function requireStringExtension(event: MaestroEvent, name: string): string {
  const value = stringExtension(event, name);
  if (value === undefined) throw new MaestroError('INVALID_ARGUMENT', `missing extension '${name}'`);
  return value;
}

/** An integer extension (Go's `ToInteger`: a number or a decimal string in the int32 range). */
export function integerExtension(event: MaestroEvent, name: string): number | undefined {
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < -2147483648 || parsed > 2147483647) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `extension '${name}' must be a 32-bit integer, got '${String(value)}'`,
    );
  }
  return parsed;
}

/** An integer extension that must be present. */
export function requireIntegerExtension(event: MaestroEvent, name: string): number {
  const value = integerExtension(event, name);
  if (value === undefined) throw new MaestroError('INVALID_ARGUMENT', `missing extension '${name}'`);
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** A timestamp extension as an RFC 3339 string (Go's `ToTime`: a timestamp or an RFC 3339 string). */
export function timeExtension(event: MaestroEvent, name: string): string | undefined {
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && RFC3339.test(value)) return value;
  throw new MaestroError(
    'INVALID_ARGUMENT',
    `extension '${name}' must be an RFC 3339 timestamp, got '${String(value)}'`,
  );
}

/** True for an RFC 3339 timestamp string (what Go's time parsing accepts for `ce-time`). */
export function isRfc3339(text: string): boolean {
  return RFC3339.test(text);
}
