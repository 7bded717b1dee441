import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { HEARTBEAT_EVENT_TYPE } from '../../../src/cloudevents/event-types.ts';
import { fromJsonEvent, toJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import {
  decodeProtoEvent,
  decodePublishRequest,
  encodeProtoEvent,
  encodePublishRequest,
} from '../../../src/cloudevents/proto.ts';
import type { PbCloudEvent } from '../../../src/cloudevents/proto.ts';
import { fromProtoEvent, toProtoEvent } from '../../../src/cloudevents/proto-codec.ts';
import { upstreamEventFixtures, upstreamFixture } from './fixtures.ts';

const STATUS_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request';

function invalid(message: RegExp) {
  return (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT') && message.test((err as Error).message);
}

function minimalPb(overrides: Partial<PbCloudEvent> = {}): PbCloudEvent {
  return {
    id: 'e1',
    source: 'cluster1-work-agent',
    spec_version: '1.0',
    type: STATUS_TYPE,
    attributes: { contenttype: { ce_string: 'application/json' } },
    binary_data: Buffer.from('{"a":1}'),
    ...overrides,
  };
}

describe('proto codec golden: upstream fixtures round trip', () => {
  for (const { name, json } of upstreamEventFixtures()) {
    test(`${name}: json -> proto -> json loses and retypes nothing`, () => {
      const event = fromJsonEvent(json);
      const back = fromProtoEvent(toProtoEvent(event));
      assert.deepEqual(toJsonEvent(back), toJsonEvent(event));
      assert.deepEqual(toJsonEvent(back), { ...json, time: json.time ?? event.time });
    });

    test(`${name}: survives the real protobuf encoder`, () => {
      const event = fromJsonEvent(json);
      const bytes = encodePublishRequest({ event: toProtoEvent(event) });
      const decoded = decodePublishRequest(bytes).event;
      assert.ok(decoded);
      assert.deepEqual(toJsonEvent(fromProtoEvent(decoded)), toJsonEvent(event));
    });
  }
});

describe('proto codec golden: exact attribute kinds of the agent status fixture', () => {
  const json = upstreamFixture('cloudevents.agent.json');
  const pb = decodeProtoEvent(encodeProtoEvent(toProtoEvent(fromJsonEvent(json))));

  test('core attributes are fields, contenttype has no prefix', () => {
    assert.equal(pb.id, json.id);
    assert.equal(pb.source, json.source);
    assert.equal(pb.spec_version, '1.0');
    assert.equal(pb.type, json.type);
    assert.deepEqual(Object.keys(pb.attributes ?? {}).sort(), [
      'ce-clustername',
      'ce-logtracing',
      'ce-metadata',
      'ce-originalsource',
      'ce-resourceid',
      'ce-resourceversion',
      'ce-sequenceid',
      'ce-statushash',
      'ce-time',
      'contenttype',
    ]);
    assert.equal(pb.attributes?.contenttype?.ce_string, 'application/json');
  });

  test('value kinds match what Go writes', () => {
    const attrs = pb.attributes ?? {};
    assert.equal(attrs['ce-resourceversion']?.attr, 'ce_integer');
    assert.equal(attrs['ce-resourceversion']?.ce_integer, 1);
    assert.equal(attrs['ce-time']?.attr, 'ce_timestamp');
    assert.deepEqual(attrs['ce-time']?.ce_timestamp, { seconds: '1765864817', nanos: 921082037 });
    for (const name of [
      'sequenceid',
      'resourceid',
      'metadata',
      'clustername',
      'originalsource',
      'statushash',
    ]) {
      assert.equal(attrs[`ce-${name}`]?.attr, 'ce_string', name);
    }
    assert.equal(attrs['ce-sequenceid']?.ce_string, '2000808179721572352');
    assert.equal(attrs['ce-metadata']?.ce_string, json.metadata);
  });

  test('data is the JSON text in binary_data, text_data unset', () => {
    assert.equal(pb.data, 'binary_data');
    assert.equal(pb.text_data, undefined);
    assert.deepEqual(JSON.parse(Buffer.from(pb.binary_data ?? []).toString('utf8')), json.data);
  });

  test('deletiontimestamp is a ce_timestamp', () => {
    const del = toProtoEvent(fromJsonEvent(upstreamFixture('cloudevents_cloudevent-delete.json')));
    assert.deepEqual(del.attributes?.['ce-deletiontimestamp'], {
      ce_timestamp: { seconds: '1728986046', nanos: 582625606 },
    });
  });

  test('an empty string extension stays an empty ce_string', () => {
    const resync = upstreamFixture('cloudevents_cloudevent-status-resync.json');
    const decoded = decodeProtoEvent(encodeProtoEvent(toProtoEvent(fromJsonEvent(resync))));
    assert.deepEqual(decoded.attributes?.['ce-clustername'], { ce_string: '', attr: 'ce_string' });
    assert.equal(fromProtoEvent(decoded).clustername, '');
  });
});

describe('proto codec: heartbeat', () => {
  test('a heartbeat is written with no attributes and no data', () => {
    const pb = toProtoEvent(createEvent({ id: 'hb1', source: '', type: HEARTBEAT_EVENT_TYPE }));
    assert.deepEqual(pb, { id: 'hb1', spec_version: '1.0', type: HEARTBEAT_EVENT_TYPE });
  });

  test('a heartbeat without source or attributes decodes', () => {
    const event = fromProtoEvent(
      decodeProtoEvent(encodeProtoEvent({ id: 'hb1', spec_version: '1.0', type: HEARTBEAT_EVENT_TYPE })),
    );
    assert.equal(event.type, HEARTBEAT_EVENT_TYPE);
    assert.equal(event.id, 'hb1');
    assert.equal(event.data, undefined);
  });
});

describe('proto codec: lenient input', () => {
  test('string-encoded resourceversion becomes a number, string timestamps are accepted', () => {
    const event = fromProtoEvent(
      minimalPb({
        attributes: {
          contenttype: { ce_string: 'application/json' },
          'ce-resourceversion': { ce_string: '3' },
          'ce-deletiontimestamp': { ce_string: '2024-10-15T09:54:06.582625606Z' },
          'ce-time': { ce_string: '2024-10-15T09:54:06.5Z' },
          'ce-sequenceid': { ce_string: '2000808179721572352' },
        },
      }),
    );
    assert.equal(event.resourceversion, 3);
    assert.equal(event.deletiontimestamp, '2024-10-15T09:54:06.582625606Z');
    assert.equal(event.time, '2024-10-15T09:54:06.5Z');
    assert.equal(event.sequenceid, '2000808179721572352');
  });

  test('timestamps come back as RFC3339Nano UTC with trailing zeros trimmed', () => {
    const event = fromProtoEvent(
      minimalPb({
        attributes: {
          'ce-time': { ce_timestamp: { seconds: '1728986046', nanos: 500000000 } },
          'ce-deletiontimestamp': { ce_timestamp: { seconds: '1728986046', nanos: 0 } },
        },
      }),
    );
    assert.equal(event.time, '2024-10-15T09:54:06.5Z');
    assert.equal(event.deletiontimestamp, '2024-10-15T09:54:06Z');
  });

  test('text_data is accepted (Go ignores it)', () => {
    const { binary_data: _unused, ...rest } = minimalPb();
    const event = fromProtoEvent({ ...rest, text_data: '{"b":2}' });
    assert.deepEqual(event.data, { b: 2 });
  });

  test('ce- prefixed standard attributes are read case-insensitively; other unprefixed keys are ignored', () => {
    const event = fromProtoEvent(
      minimalPb({
        attributes: {
          'ce-DataContentType': { ce_string: 'application/json' },
          'ce-Subject': { ce_string: 'sub' },
          'ce-dataschema': { ce_uri: 'https://example.com/schema' },
          resourceid: { ce_string: 'lost' },
          'ce-ResourceID': { ce_string: 'r1' },
        },
      }),
    );
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.subject, 'sub');
    assert.equal(event.dataschema, 'https://example.com/schema');
    assert.equal(event.resourceid, 'r1');
  });

  test('structured mode: binary_data holds the whole JSON event', () => {
    const json = upstreamFixture('cloudevents.agent.json');
    const event = fromProtoEvent({
      spec_version: '1.0',
      attributes: { contenttype: { ce_string: 'application/cloudevents+json' } },
      binary_data: Buffer.from(JSON.stringify(json)),
    });
    assert.deepEqual(toJsonEvent(event), json);
  });

  test('data without a content type is parsed when it is JSON, kept as bytes otherwise', () => {
    assert.deepEqual(fromProtoEvent(minimalPb({ attributes: {} })).data, { a: 1 });
    const raw = fromProtoEvent(minimalPb({ attributes: {}, binary_data: Buffer.from([0xff, 0x00]) }));
    assert.deepEqual(raw.data, Buffer.from([0xff, 0x00]));
  });
});

describe('proto codec: refusals', () => {
  for (const field of ['id', 'source', 'type', 'spec_version'] as const) {
    test(`an event without ${field} is refused naming it`, () => {
      const name = field === 'spec_version' ? 'specversion' : field;
      assert.throws(
        () => fromProtoEvent(minimalPb({ [field]: undefined })),
        invalid(new RegExp(`'${name}'`)),
      );
    });
  }

  test('an extension name that is not ASCII letters and digits is refused', () => {
    assert.throws(
      () => fromProtoEvent(minimalPb({ attributes: { 'ce-resource_id': { ce_string: 'x' } } })),
      invalid(/extension name 'resource_id'/),
    );
  });

  test('extension names are lower-cased as Go does', () => {
    const event = fromProtoEvent(minimalPb({ attributes: { 'ce-ClusterName': { ce_string: 'c1' } } }));
    assert.equal(event.clustername, 'c1');
  });

  test('data that is not valid JSON under a JSON content type is refused', () => {
    assert.throws(
      () => fromProtoEvent(minimalPb({ binary_data: Buffer.from('{not json') })),
      invalid(/not valid JSON/i),
    );
  });

  test('a resourceversion outside int32 cannot be encoded', () => {
    const event = createEvent({ id: 'e', source: 's', type: STATUS_TYPE, resourceversion: 2 ** 31 });
    assert.throws(() => toProtoEvent(event), invalid(/resourceversion/));
  });
});
