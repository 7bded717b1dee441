import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { EventInit } from '../../../src/cloudevents/event.ts';

/** What the `cloudevents` package itself builds from the same attributes (unvalidated). */
function packageEvent(init: EventInit): CloudEvent<unknown> {
  const attributes = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined));
  return new CloudEvent<unknown>(attributes as never, false);
}

const cases: Record<string, EventInit> = {
  'JSON data and extensions': {
    id: 'e-1',
    source: 'maestro',
    type: 'io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request',
    datacontenttype: 'application/json',
    time: '2026-11-22T10:00:00.123456789Z',
    resourceid: 'r-1',
    resourceversion: 3,
    skipped: undefined,
    data: { manifests: [{ kind: 'ConfigMap' }] },
  },
  'binary data': {
    id: 'e-2',
    source: 's',
    type: 't.v.r.status.update_request',
    time: '2026-11-22T10:00:00Z',
    data: Buffer.from('not json'),
  },
  'bytes in a Uint8Array that is not a Buffer': {
    id: 'e-4',
    source: 's',
    type: 't.v.r.spec.create_request',
    time: '2026-11-22T10:00:00Z',
    data: new Uint8Array([1, 2, 255]),
  },
  'data as base64 only (built by the package constructor)': {
    id: 'e-5',
    source: 's',
    type: 't.v.r.spec.create_request',
    time: '2026-11-22T10:00:00Z',
    data_base64: 'aGk',
  },
  'a typed array of wider elements (built by the package constructor)': {
    id: 'e-6',
    source: 's',
    type: 't.v.r.spec.create_request',
    time: '2026-11-22T10:00:00Z',
    data: new Uint16Array([258]),
  },
  'no data, spec version 0.3, subject': {
    id: 'e-3',
    source: 's',
    type: 't.v.r.spec.delete_request',
    specversion: '0.3',
    subject: 'x',
    time: '2026-11-22T10:00:00Z',
  },
};

for (const [name, init] of Object.entries(cases)) {
  test(`createEvent builds what new CloudEvent builds: ${name}`, () => {
    const built = createEvent(init);
    const expected = packageEvent(init);
    assert.deepEqual(Object.keys(built), Object.keys(expected));
    assert.deepEqual({ ...built }, { ...expected });
    assert.equal(Object.getPrototypeOf(built), CloudEvent.prototype);
    assert.ok(Object.isFrozen(built));
  });
}

test('createEvent refuses what the package constructor refuses', () => {
  const init = { id: 'e', source: 's', type: 't', specversion: '0.3', dataschema: 'https://x' };
  assert.throws(() => packageEvent(init), /dataschema on version 0.3/);
  assert.throws(() => createEvent(init), /dataschema on version 0.3/);
});

test('createEvent stamps a time when none is given', () => {
  const event = createEvent({ id: 'e', source: 's', type: 't' });
  assert.match(event.time as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
});

test('createEvent leaves an event without id or with an empty time to the package constructor', () => {
  const noId = createEvent({ id: '', source: 's', type: 't', time: '2026-11-22T10:00:00Z' });
  assert.match(noId.id, /^[0-9a-f-]{36}$/, 'the package gives it a random id');
  const emptyTime = createEvent({ id: 'e', source: 's', type: 't', time: '' });
  assert.ok(!Number.isNaN(Date.parse(emptyTime.time as string)), 'the package stamps the current time');
});
