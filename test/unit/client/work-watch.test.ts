import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  MaestroConnection,
  ManifestWork,
  SubscriptionListener,
  WatchEvent,
} from '../../../src/client/index.ts';
import { startWorkWatch } from '../../../src/client/work-watch.ts';
import { parseLabelSelector } from '../../../src/client/label-selector.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';

function fakeConnection(): MaestroConnection & { listeners: Set<SubscriptionListener> } {
  const listeners = new Set<SubscriptionListener>();
  return {
    listeners,
    sourceId: 'src',
    rest: undefined as never,
    state: 'connected',
    logger: createSilentLogger(),
    ready: async () => undefined,
    publish: async () => undefined,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => undefined,
  };
}

function work(
  uid: string,
  version: number,
  labels: Record<string, string> = { app: 'web' },
  namespace = 'c1',
): ManifestWork {
  return {
    metadata: {
      name: `w-${uid}`,
      namespace,
      uid,
      generation: version,
      resourceVersion: String(version),
      labels,
    },
    spec: { workload: { manifests: [] } },
  };
}

function statusEvent(
  uid: string,
  version: number,
  sequenceId: string,
  options: { deleted?: boolean; labels?: Record<string, string>; namespace?: string } = {},
) {
  const conditions = [
    {
      type: options.deleted ? 'Deleted' : 'Applied',
      status: 'True',
      reason: 'r',
      message: 'm',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    },
  ];
  return createEvent({
    id: `e-${sequenceId}`,
    source: 'maestro',
    type: manifestBundleEventType('status', 'update_request'),
    datacontenttype: 'application/json',
    data: { conditions, resourceStatus: [], manifestBundle: { manifests: [] } },
    resourceid: uid,
    resourceversion: version,
    sequenceid: sequenceId,
    clustername: options.namespace ?? 'c1',
    metadata: JSON.stringify({
      name: `w-${uid}`,
      namespace: options.namespace ?? 'c1',
      uid,
      labels: options.labels ?? { app: 'web' },
    }),
  });
}

async function take(iterator: AsyncIterator<WatchEvent>, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    assert.equal(next.done, false);
    const value = next.value as WatchEvent;
    const conditions = value.object.status?.conditions?.map((c) => c.type).join('+') ?? '-';
    seen.push(
      `${value.type} ${value.object.metadata.uid} v${value.object.metadata.generation} ${conditions}`,
    );
  }
  return seen;
}

test('a watch lists, streams matching statuses, relists after a resubscription and ends on abort', async () => {
  const connection = fakeConnection();
  let listed: ManifestWork[] = [work('a', 1), work('b', 1)];
  const controller = new AbortController();
  const events = startWorkWatch({
    connection,
    namespace: 'c1',
    requirements: parseLabelSelector('app=web'),
    list: async () => listed,
    signal: controller.signal,
  });
  assert.deepEqual(await take(events, 2), ['MODIFIED a v1 -', 'MODIFIED b v1 -']);

  const [listener] = [...connection.listeners];
  listener!.onEvent(statusEvent('a', 1, '100'));
  listener!.onEvent(statusEvent('x', 1, '101', { namespace: 'other' })); // another consumer
  listener!.onEvent(statusEvent('y', 1, '102', { labels: { app: 'db' } })); // not selected
  listener!.onEvent(statusEvent('a', 1, '99')); // older than what was delivered
  assert.deepEqual(await take(events, 1), ['MODIFIED a v1 Applied']);

  // missed while disconnected: b moved to v2, a vanished
  listed = [work('b', 2)];
  listener!.onResubscribed();
  assert.deepEqual(await take(events, 2), ['MODIFIED b v2 -', 'DELETED a v1 Applied']);

  listener!.onEvent(statusEvent('b', 2, '200', { deleted: true }));
  assert.deepEqual(await take(events, 1), ['DELETED b v2 Deleted']);

  controller.abort();
  assert.deepEqual(await events.next(), { done: true, value: undefined });
  assert.equal(connection.listeners.size, 0, 'the watch unsubscribed');
});

test('a slow reader gets the latest state of each work once; break ends the watch', async () => {
  const connection = fakeConnection();
  const events = startWorkWatch({ connection, requirements: [], list: async () => [] });
  await new Promise((resolve) => setImmediate(resolve));
  const [listener] = [...connection.listeners];
  listener!.onEvent(statusEvent('a', 1, '1'));
  listener!.onEvent(statusEvent('b', 1, '2'));
  listener!.onEvent(statusEvent('a', 2, '3'));
  assert.deepEqual(await take(events, 2), ['MODIFIED a v2 Applied', 'MODIFIED b v1 Applied']);
  listener!.onEvent(statusEvent('b', 2, '4'));
  for await (const event of events) {
    assert.equal(event.object.metadata.uid, 'b');
    break;
  }
  assert.equal(connection.listeners.size, 0);
});

test('closing the connection ends the watch', async () => {
  const connection = fakeConnection();
  const events = startWorkWatch({ connection, requirements: [], list: async () => [] });
  await new Promise((resolve) => setImmediate(resolve));
  const pending = events.next();
  for (const listener of connection.listeners) listener.onClosed?.();
  assert.deepEqual(await pending, { done: true, value: undefined });
});

test('a failing initial list ends the watch with its error', async () => {
  const connection = fakeConnection();
  const events = startWorkWatch({
    connection,
    requirements: [],
    list: async () => {
      throw new Error('rest down');
    },
  });
  await assert.rejects(events.next(), /rest down/);
  assert.deepEqual(await events.next(), { done: true, value: undefined });
});
