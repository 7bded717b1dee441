import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { encodeProtoEvent } from '../../../src/cloudevents/proto.ts';
import { toProtoEvent } from '../../../src/cloudevents/proto-codec.ts';
import { decodePublishedEvent } from '../../../src/transport/grpc/raw-publish.ts';
import { publishRequestFactory, scanDeliveredEvent } from '../../bench/event-bytes.ts';

const template = {
  id: 'template',
  source: 'bench-source',
  type: 'io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request',
  datacontenttype: 'application/json',
  clustername: 'template',
  resourceid: 'template',
  resourceversion: 0,
  data: { manifests: [{ kind: 'ConfigMap', metadata: { name: 'c' } }] },
};

test('factory requests decode, on the server, to the template with the per-call fields', () => {
  const build = publishRequestFactory(template, ['clustername', 'resourceid']);
  const before = Date.now();
  const first = decodePublishedEvent(build({ clustername: 'agent-7', resourceid: 'r-1' }));
  const second = decodePublishedEvent(build({ clustername: 'agent-8', resourceid: 'r-2' }));
  assert.equal(first.clustername, 'agent-7');
  assert.equal(first.resourceid, 'r-1');
  assert.equal(second.clustername, 'agent-8');
  assert.equal(first.source, 'bench-source');
  assert.equal(first.type, template.type);
  assert.equal(first.resourceversion, 0);
  assert.deepEqual(first.data, template.data);
  assert.notEqual(first.id, second.id);
  assert.notEqual(first.id, 'template');
  assert.ok(Date.parse(first.time as string) >= before - 1000);
});

test('scanDeliveredEvent reads type, resource id and time of a delivered event', () => {
  const event = createEvent({ ...template, resourceid: 'r-9', time: '2026-11-22T10:00:00.25Z' });
  const scanned = scanDeliveredEvent(encodeProtoEvent(toProtoEvent(event)));
  assert.deepEqual(scanned, {
    type: template.type,
    resourceId: 'r-9',
    timeMs: Date.parse('2026-11-22T10:00:00.25Z'),
  });
});
