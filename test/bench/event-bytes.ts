/**
 * Cheap `PublishRequest` bytes for the benchmark's load generators: the event is built and validated
 * once as a template (`createEvent` → protobuf), and each request only swaps in its id, time and a
 * few string extensions. Building every request through the CloudEvents model cost the generators
 * more CPU than the server spent handling it, on a machine they share with the server.
 */
import { randomUUID } from 'node:crypto';
import { createEvent } from '../../src/cloudevents/event.ts';
import type { EventInit } from '../../src/cloudevents/event.ts';
import { encodePublishRequest } from '../../src/cloudevents/proto.ts';
import type { PbAttributeValue, PbCloudEvent, PbTimestamp } from '../../src/cloudevents/proto.ts';
import { toProtoEvent } from '../../src/cloudevents/proto-codec.ts';

/** A protobuf timestamp for epoch milliseconds. */
export function pbTimestamp(ms: number): PbTimestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** Epoch milliseconds of a received event's `ce-time`, or NaN. */
export function eventTimeMs(pb: PbCloudEvent): number {
  const time = pb.attributes?.['ce-time']?.ce_timestamp;
  return time === undefined ? Number.NaN : Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** A string attribute (extension) of a received event. */
export function stringAttribute(pb: PbCloudEvent, name: string): string | undefined {
  return pb.attributes?.[`ce-${name}`]?.ce_string;
}

/**
 * Returns a function producing `PublishRequest` bytes from `template`: a fresh id and time (now) per
 * call, plus the given string extensions.
 */
export function publishRequestFactory(template: EventInit): (strings: Record<string, string>) => Buffer {
  const pb = toProtoEvent(createEvent(template));
  return (strings) => {
    const attributes: Record<string, PbAttributeValue> = {
      ...pb.attributes,
      'ce-time': { ce_timestamp: pbTimestamp(Date.now()) },
    };
    for (const [name, value] of Object.entries(strings)) attributes[`ce-${name}`] = { ce_string: value };
    return encodePublishRequest({ event: { ...pb, id: randomUUID(), attributes } });
  };
}
