import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkStore } from '../../../src/agent/work-store.ts';
import type { ManifestWork } from '../../../src/work/types.ts';
import { MANIFEST_WORK_FINALIZER } from '../../../src/work/types.ts';

const UID = '55c61e54-a3f6-563d-9fec-b1fe297bdfdb';

function work(generation: number | undefined, extra: Partial<ManifestWork['metadata']> = {}): ManifestWork {
  return {
    metadata: {
      name: UID,
      namespace: 'cluster1',
      uid: UID,
      generation,
      labels: { g: String(generation) },
      ...extra,
    },
    spec: {
      workload: {
        manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${generation}` } }],
      },
    },
  };
}

const STATUS = {
  conditions: [{ type: 'Applied', status: 'True', reason: 'r', message: 'm', lastTransitionTime: 't' }],
};

test('an unknown UID is added with the cleanup finalizer and resourceVersion 1', () => {
  const store = createWorkStore();
  assert.equal(store.receive(work(1)), 'added');
  const stored = store.get(UID);
  assert.deepEqual(stored?.metadata.finalizers, [MANIFEST_WORK_FINALIZER]);
  assert.equal(stored?.metadata.resourceVersion, '1');
  assert.deepEqual(store.versions(), [{ resourceID: UID, resourceVersion: 1 }]);
});

test('a newer generation replaces spec and metadata but keeps status and finalizers', () => {
  const store = createWorkStore();
  store.receive(work(1));
  store.setStatus(UID, STATUS);
  assert.equal(store.receive(work(2)), 'updated');
  const stored = store.get(UID);
  assert.equal(stored?.metadata.generation, 2);
  assert.deepEqual(stored?.metadata.labels, { g: '2' });
  assert.equal(stored?.spec.workload.manifests?.[0]?.metadata?.name, 'cm2');
  assert.deepEqual(stored?.status, STATUS);
  assert.deepEqual(stored?.metadata.finalizers, [MANIFEST_WORK_FINALIZER]);
  assert.equal(stored?.metadata.resourceVersion, '3');
});

test('an older non-zero generation is ignored; generation 0 always applies', () => {
  const store = createWorkStore();
  store.receive(work(3));
  assert.equal(store.receive(work(2)), 'ignored');
  assert.equal(store.get(UID)?.metadata.generation, 3);
  assert.equal(store.receive(work(0)), 'updated');
  assert.equal(store.get(UID)?.spec.workload.manifests?.[0]?.metadata?.name, 'cm0');
});

test('a deletion copies only deletionTimestamp and generation onto the stored work', () => {
  const store = createWorkStore();
  store.receive(work(1));
  store.setStatus(UID, STATUS);
  const deleting: ManifestWork = {
    metadata: {
      ...work(2).metadata,
      deletionTimestamp: '2025-12-16T07:09:59Z',
      finalizers: [MANIFEST_WORK_FINALIZER],
    },
    spec: { workload: {} },
  };
  assert.equal(store.receive(deleting), 'deleting');
  const stored = store.get(UID);
  assert.equal(stored?.metadata.deletionTimestamp, '2025-12-16T07:09:59Z');
  assert.equal(stored?.metadata.generation, 2);
  assert.deepEqual(stored?.metadata.labels, { g: '1' }, 'labels of the stored work are kept');
  assert.equal(stored?.spec.workload.manifests?.length, 1, 'the spec is kept');
  assert.deepEqual(stored?.status, STATUS);
});

test('a deletion without a version keeps the stored generation; a later update is ignored', () => {
  const store = createWorkStore();
  store.receive(work(4));
  assert.equal(
    store.receive({
      metadata: { ...work(undefined).metadata, deletionTimestamp: 'x' },
      spec: { workload: {} },
    }),
    'deleting',
  );
  assert.equal(store.get(UID)?.metadata.generation, 4);
  assert.equal(store.receive(work(5)), 'ignored');
  assert.equal(store.get(UID)?.metadata.deletionTimestamp, 'x');
});

test('a deletion for an unknown work is stored as deleting', () => {
  const store = createWorkStore();
  const incoming: ManifestWork = {
    metadata: { ...work(1).metadata, deletionTimestamp: 'x', finalizers: [MANIFEST_WORK_FINALIZER] },
    spec: { workload: {} },
  };
  assert.equal(store.receive(incoming), 'deleting');
  assert.equal(store.size, 1);
});

test('the same UID under another name replaces the old entry', () => {
  const store = createWorkStore();
  store.receive(work(1));
  store.setStatus(UID, STATUS);
  assert.equal(store.receive(work(1, { name: 'renamed' })), 'replaced');
  const stored = store.get(UID);
  assert.equal(stored?.metadata.name, 'renamed');
  assert.equal(stored?.status, undefined);
  assert.equal(stored?.metadata.resourceVersion, '1');
  assert.equal(store.size, 1);
});

test('returned works are copies and remove forgets the work', () => {
  const store = createWorkStore();
  store.receive(work(1));
  const copy = store.get(UID) as ManifestWork;
  copy.metadata.name = 'mutated';
  assert.equal(store.get(UID)?.metadata.name, UID);
  assert.equal(store.setStatus('nope', STATUS), undefined);
  assert.equal(store.remove(UID), true);
  assert.equal(store.get(UID), undefined);
  assert.deepEqual(store.list(), []);
});
