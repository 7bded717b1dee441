/**
 * Cheap CloudEvent bytes for the benchmark's load generators and simulated agents, which share the
 * two cores with the server they measure:
 *
 * - {@link publishRequestFactory}: a `PublishRequest` template is built and validated once
 *   (`createEvent` → protobuf) and encoded once without its per-request fields; each request encodes
 *   only those (id, time, a few string extensions) and appends them. Protobuf decoders merge repeated
 *   occurrences of a message's fields (map entries add up, a scalar's last value wins), so the server
 *   decodes exactly the event it would decode from a one-piece encoding.
 * - {@link scanDeliveredEvent}: reads the three fields a simulated agent needs from a delivered event's
 *   bytes without decoding the rest (the server's manifests and every other attribute).
 */
import { randomUUID } from 'node:crypto';
import { createEvent } from '../../src/cloudevents/event.ts';
import type { EventInit } from '../../src/cloudevents/event.ts';
import { encodeProtoEvent } from '../../src/cloudevents/proto.ts';
import type { PbAttributeValue, PbTimestamp } from '../../src/cloudevents/proto.ts';
import { toProtoEvent } from '../../src/cloudevents/proto-codec.ts';

/** A protobuf timestamp for epoch milliseconds. */
export function pbTimestamp(ms: number): PbTimestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Field 1 (`event`) of `PublishRequest`, length-delimited. */
const PUBLISH_REQUEST_EVENT_TAG = Buffer.from([0x0a]);

/**
 * Returns a function producing `PublishRequest` bytes from `template`: a fresh id and time (now) per
 * call, plus the string extensions named in `perCall` (every call must give all of them).
 */
export function publishRequestFactory(
  template: EventInit,
  perCall: readonly string[],
): (strings: Record<string, string>) => Buffer {
  const pb = toProtoEvent(createEvent(template));
  const constantAttributes = { ...pb.attributes };
  for (const name of ['time', ...perCall]) delete constantAttributes[`ce-${name}`];
  const constant = encodeProtoEvent({ ...pb, id: undefined, attributes: constantAttributes });
  return (strings) => {
    const attributes: Record<string, PbAttributeValue> = {
      'ce-time': { ce_timestamp: pbTimestamp(Date.now()) },
    };
    for (const name of perCall) attributes[`ce-${name}`] = { ce_string: strings[name] as string };
    const varying = encodeProtoEvent({ id: randomUUID(), attributes });
    const length = constant.length + varying.length;
    return Buffer.concat([PUBLISH_REQUEST_EVENT_TAG, varint(length), constant, varying]);
  };
}

/** What a simulated agent reads of a delivered event. */
export interface DeliveredEvent {
  type: string;
  resourceId: string | undefined;
  /** Epoch milliseconds of `ce-time`, or NaN. */
  timeMs: number;
}

/** A cursor over protobuf bytes: just enough wire format to walk fields and skip what is not needed. */
class Fields {
  private readonly bytes: Buffer;
  private offset: number;
  private readonly end: number;
  constructor(bytes: Buffer, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.offset = start;
    this.end = end;
  }

  /** The next field's number and wire type, or undefined at the end. */
  next(): { field: number; wireType: number } | undefined {
    if (this.offset >= this.end) return undefined;
    const key = this.varint();
    return { field: Math.floor(key / 8), wireType: key & 7 };
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.bytes[this.offset++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }

  /** A length-delimited field's [start, end). */
  span(): [number, number] {
    const length = this.varint();
    const start = this.offset;
    this.offset += length;
    return [start, start + length];
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.offset += 8;
    else if (wireType === 2) this.span();
    else if (wireType === 5) this.offset += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }

  text([start, end]: [number, number]): string {
    return this.bytes.toString('utf8', start, end);
  }

  sub([start, end]: [number, number]): Fields {
    return new Fields(this.bytes, start, end);
  }
}

/** The `ce_string` (field 3) or `ce_timestamp` (field 7) of a `CloudEventAttributeValue`. */
function attributeValue(value: Fields): string | number | undefined {
  for (let f = value.next(); f !== undefined; f = value.next()) {
    if (f.field === 3 && f.wireType === 2) return value.text(value.span());
    if (f.field === 7 && f.wireType === 2) {
      const timestamp = value.sub(value.span());
      let ms = 0;
      for (let t = timestamp.next(); t !== undefined; t = timestamp.next()) {
        if (t.field === 1) ms += timestamp.varint() * 1000;
        else if (t.field === 2) ms += timestamp.varint() / 1e6;
        else timestamp.skip(t.wireType);
      }
      return ms;
    }
    value.skip(f.wireType);
  }
  return undefined;
}

/** Reads `type`, `ce-resourceid` and `ce-time` from a protobuf `CloudEvent`. */
export function scanDeliveredEvent(bytes: Buffer): DeliveredEvent {
  const event = new Fields(bytes);
  const delivered: DeliveredEvent = { type: '', resourceId: undefined, timeMs: Number.NaN };
  for (let f = event.next(); f !== undefined; f = event.next()) {
    if (f.field === 4 && f.wireType === 2) {
      delivered.type = event.text(event.span());
    } else if (f.field === 5 && f.wireType === 2) {
      const entry = event.sub(event.span());
      let key = '';
      let value: Fields | undefined;
      for (let e = entry.next(); e !== undefined; e = entry.next()) {
        if (e.field === 1 && e.wireType === 2) key = entry.text(entry.span());
        else if (e.field === 2 && e.wireType === 2) value = entry.sub(entry.span());
        else entry.skip(e.wireType);
      }
      if (key === 'ce-resourceid' && value !== undefined)
        delivered.resourceId = attributeValue(value) as string;
      else if (key === 'ce-time' && value !== undefined) delivered.timeMs = attributeValue(value) as number;
    } else {
      event.skip(f.wireType);
    }
  }
  return delivered;
}
