import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { fromJsonEvent, toJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import { fromMqttMessage, toMqttMessage } from '../../../src/cloudevents/mqtt-codec.ts';
import { upstreamEventFixtures, upstreamFixture } from './fixtures.ts';

describe('mqtt codec golden: upstream fixtures round trip', () => {
  for (const { name, json } of upstreamEventFixtures()) {
    test(`${name}: json -> mqtt -> json loses and retypes nothing`, () => {
      const event = fromJsonEvent(json);
      const message = toMqttMessage(event);
      const back = fromMqttMessage(message.payload, message.properties);
      assert.deepEqual(toJsonEvent(back), toJsonEvent(event));
      assert.deepEqual(toJsonEvent(back), { ...json, time: json.time ?? event.time });
    });
  }
});

describe('mqtt codec golden: encoding of the agent status fixture', () => {
  const json = upstreamFixture('cloudevents.agent.json');
  const message = toMqttMessage(fromJsonEvent(json));

  test('user properties in upstream order, all canonical strings', () => {
    const keys = Object.keys(message.properties.userProperties);
    assert.deepEqual(keys.slice(0, 5), ['ce-id', 'ce-source', 'ce-specversion', 'ce-type', 'ce-time']);
    assert.deepEqual(keys.slice(5).sort(), [
      'ce-clustername',
      'ce-logtracing',
      'ce-metadata',
      'ce-originalsource',
      'ce-resourceid',
      'ce-resourceversion',
      'ce-sequenceid',
      'ce-statushash',
    ]);
    assert.equal(message.properties.userProperties['ce-resourceversion'], '1');
    assert.equal(message.properties.userProperties['ce-time'], '2025-12-16T06:00:17.921082037Z');
    assert.equal(message.properties.userProperties['ce-sequenceid'], '2000808179721572352');
    assert.equal(message.properties.contentType, 'application/json');
  });

  test('the payload is the data JSON', () => {
    assert.deepEqual(JSON.parse(message.payload.toString('utf8')), json.data);
  });
});

describe('mqtt codec: decoding', () => {
  test('structured mode (application/cloudevents+json) is accepted', () => {
    const json = upstreamFixture('cloudevents_cloudevent-delete.json');
    const event = fromMqttMessage(Buffer.from(JSON.stringify(json)), {
      contentType: 'application/cloudevents+json; charset=utf-8',
    });
    assert.deepEqual(toJsonEvent(event), { ...json, time: event.time });
    assert.equal(event.deletiontimestamp, '2024-10-15T09:54:06.582625606Z');
  });

  test('a message without ce-specversion is not a cloudevent', () => {
    assert.throws(
      () =>
        fromMqttMessage(Buffer.from('{}'), {
          contentType: 'application/json',
          userProperties: { 'ce-id': 'e1', 'ce-source': 's', 'ce-type': 't' },
        }),
      (err: unknown) =>
        isMaestroError(err, 'INVALID_ARGUMENT') && /^not a cloudevent/.test((err as Error).message),
    );
  });

  test('repeated user properties take the first value; string extensions are normalised', () => {
    const event = fromMqttMessage(Buffer.from('{"x":1}'), {
      contentType: 'application/json',
      userProperties: {
        'ce-id': 'e1',
        'ce-source': 'cluster1-work-agent',
        'ce-specversion': '1.0',
        'ce-type': 'io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request',
        'ce-resourceversion': ['7', '8'],
        'ce-custom': 'keep',
      },
    });
    assert.equal(event.resourceversion, 7);
    assert.equal(event.custom, 'keep');
    assert.deepEqual(event.data, { x: 1 });
  });
});
