import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumersOfPayload, specEventsPayload } from '../../../src/server/store/outbox-queries.ts';

test('a spec events payload names each consumer once and reads back', () => {
  const payload = specEventsPayload(['c1', 'c2', 'c1', 'cluster "east"']);
  assert.deepEqual(consumersOfPayload(payload), ['c1', 'c2', 'cluster "east"']);
});

test('too many consumers for a NOTIFY payload, or no readable payload, mean any consumer', () => {
  const many = Array.from({ length: 1000 }, (_, i) => `consumer-${i}`);
  assert.equal(specEventsPayload(many), '');
  for (const payload of [undefined, '', 'not json', '{"a":1}', '[1,2]']) {
    assert.equal(consumersOfPayload(payload), undefined, String(payload));
  }
});
