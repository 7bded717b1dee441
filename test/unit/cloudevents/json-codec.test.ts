import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { fromJsonEvent, fromJsonEventText, toJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import { upstreamEventFixtures, upstreamFixture } from './fixtures.ts';

const SPEC_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request';

function invalid(message: RegExp) {
  return (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT') && message.test((err as Error).message);
}

describe('json codec golden: upstream fixtures', () => {
  for (const { name, json } of upstreamEventFixtures()) {
    test(`${name}: json -> event -> json is identical (time added only when absent)`, () => {
      const event = fromJsonEvent(json);
      assert.deepEqual(toJsonEvent(event), { ...json, time: json.time ?? event.time });
      if (json.resourceversion !== undefined) assert.equal(typeof event.resourceversion, 'number');
      if (json.sequenceid !== undefined) assert.equal(typeof event.sequenceid, 'string');
    });

    test(`${name}: metadata as a database object and back`, () => {
      const event = fromJsonEvent(json);
      const stored = toJsonEvent(event, { metadataAsObject: true });
      if (typeof json.metadata === 'string') {
        assert.deepEqual(stored.metadata, JSON.parse(json.metadata));
      }
      assert.deepEqual(toJsonEvent(fromJsonEvent(stored)), toJsonEvent(event));
      assert.equal(fromJsonEvent(stored).metadata, json.metadata);
    });
  }
});

describe('json codec', () => {
  test('time keeps nanoseconds', () => {
    const event = fromJsonEvent({ ...upstreamFixture('cloudevents.agent.json') });
    assert.equal(event.time, '2025-12-16T06:00:17.921082037Z');
  });

  test('binary data travels as data_base64', () => {
    const event = createEvent({
      id: 'e1',
      source: 's',
      type: SPEC_TYPE,
      datacontenttype: 'application/octet-stream',
      data: Buffer.from([1, 2, 3]),
    });
    const json = toJsonEvent(event);
    assert.equal(json.data_base64, 'AQID');
    assert.equal(json.data, undefined);
    assert.deepEqual(fromJsonEvent(json).data, Buffer.from([1, 2, 3]));
  });

  test('missing required attributes are refused naming them', () => {
    for (const field of ['id', 'source', 'type', 'specversion']) {
      const json: Record<string, unknown> = { specversion: '1.0', id: 'e1', source: 's', type: SPEC_TYPE };
      delete json[field];
      assert.throws(() => fromJsonEvent(json), invalid(new RegExp(`missing required attribute '${field}'`)));
    }
  });

  test('invalid extension names and non-RFC3339 times are refused', () => {
    const base = { specversion: '1.0', id: 'e1', source: 's', type: SPEC_TYPE };
    assert.throws(() => fromJsonEvent({ ...base, 'bad-name': 'x' }), invalid(/extension name 'bad-name'/));
    assert.throws(() => fromJsonEvent({ ...base, time: 'yesterday' }), invalid(/'time'/));
    assert.throws(() => fromJsonEvent({ ...base, specversion: '2.0' }), invalid(/specversion '2.0'/));
  });

  test('structured text that is not JSON is refused', () => {
    assert.throws(() => fromJsonEventText('{oops'), invalid(/not valid json/));
  });
});
