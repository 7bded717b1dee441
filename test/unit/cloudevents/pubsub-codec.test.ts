import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { fromJsonEvent, toJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import { fromPubSubMessage, toPubSubMessage } from '../../../src/cloudevents/pubsub-codec.ts';
import { upstreamEventFixtures, upstreamFixture } from './fixtures.ts';

const SPEC_TYPE = 'io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request';

describe('pubsub codec golden: upstream fixtures round trip', () => {
  for (const { name, json } of upstreamEventFixtures()) {
    test(`${name}: json -> pubsub -> json loses and retypes nothing`, () => {
      const event = fromJsonEvent(json);
      const back = fromPubSubMessage(toPubSubMessage(event));
      assert.deepEqual(toJsonEvent(back), toJsonEvent(event));
      assert.deepEqual(toJsonEvent(back), { ...json, time: json.time ?? event.time });
    });
  }
});

describe('pubsub codec: encoding', () => {
  test('Content-Type, ce- attributes, extensions always written even when empty', () => {
    const message = toPubSubMessage(
      fromJsonEvent(upstreamFixture('cloudevents_cloudevent-status-resync.json')),
    );
    assert.deepEqual(message.attributes, {
      'Content-Type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'ff8b8e9b-d433-4707-bedd-66d52bbfb9f1',
      'ce-source': 'grpc',
      'ce-type': 'io.open-cluster-management.works.v1alpha1.manifestbundles.status.resync_request',
      'ce-time': '2024-10-15T17:31:05Z',
      'ce-clustername': '',
      'ce-originalsource': '',
    });
    assert.deepEqual(JSON.parse(message.data.toString('utf8')), { statusHashes: [] });
  });

  test('empty standard attributes are skipped, integers written in decimal', () => {
    const event = createEvent({ id: 'e1', source: 's', type: SPEC_TYPE, subject: '', resourceversion: 12 });
    const { attributes } = toPubSubMessage(event);
    assert.equal(attributes['ce-subject'], undefined);
    assert.equal(attributes['ce-resourceversion'], '12');
  });
});

describe('pubsub codec: decoding', () => {
  test('spec version defaults to 1.0 and a missing Content-Type means application/json', () => {
    const event = fromPubSubMessage({
      data: Buffer.from('{"manifests":[]}'),
      attributes: { 'ce-id': 'e1', 'ce-source': 'maestro', 'ce-type': SPEC_TYPE, 'ce-resourceversion': '2' },
    });
    assert.equal(event.specversion, '1.0');
    assert.equal(event.datacontenttype, 'application/json');
    assert.deepEqual(event.data, { manifests: [] });
    assert.equal(event.resourceversion, 2);
  });

  for (const field of ['id', 'source', 'type']) {
    test(`a message without ce-${field} is refused naming it`, () => {
      const attributes: Record<string, string> = {
        'ce-id': 'e1',
        'ce-source': 'maestro',
        'ce-type': SPEC_TYPE,
      };
      delete attributes[`ce-${field}`];
      assert.throws(
        () => fromPubSubMessage({ data: Buffer.from('{}'), attributes }),
        (err: unknown) =>
          isMaestroError(err, 'INVALID_ARGUMENT') && (err as Error).message.includes(`'${field}'`),
      );
    });
  }
});
