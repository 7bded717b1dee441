import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch, InvalidError } from '../../../src/client/index.ts';
import type { ManifestWork } from '../../../src/client/index.ts';
import { patchManifestWork } from '../../../src/client/merge-patch.ts';

test('JSON merge patch follows RFC 7386', () => {
  // examples from RFC 7386 appendix A
  assert.deepEqual(applyMergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
  assert.deepEqual(applyMergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
  assert.deepEqual(applyMergePatch({ a: 'b' }, { a: null }), {});
  assert.deepEqual(applyMergePatch({ a: 'b', b: 'c' }, { a: null }), { b: 'c' });
  assert.deepEqual(applyMergePatch({ a: ['b'] }, { a: 'c' }), { a: 'c' });
  assert.deepEqual(applyMergePatch({ a: 'c' }, { a: ['b'] }), { a: ['b'] });
  assert.deepEqual(applyMergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } }), { a: { b: 'd' } });
  assert.deepEqual(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  assert.deepEqual(applyMergePatch(['a', 'b'], ['c', 'd']), ['c', 'd']);
  assert.deepEqual(applyMergePatch({ a: 'b' }, ['c']), ['c']);
  assert.deepEqual(applyMergePatch({ a: 'foo' }, null), null);
  assert.deepEqual(applyMergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  assert.deepEqual(applyMergePatch([1, 2], { a: 'b', c: null }), { a: 'b' });
  assert.deepEqual(applyMergePatch({}, { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  const target = { a: { b: 1 } };
  applyMergePatch(target, { a: { b: 2 } });
  assert.deepEqual(target, { a: { b: 1 } }, 'the target is not modified');
});

const current: ManifestWork = {
  metadata: {
    name: 'web',
    namespace: 'c1',
    uid: 'u1',
    generation: 4,
    resourceVersion: '4',
    labels: { app: 'web', tier: '1' },
    annotations: { note: 'x' },
  },
  spec: { workload: { manifests: [{ kind: 'ConfigMap' }] } },
  status: { conditions: [] },
};

test('a work patch changes labels, annotations and spec and keeps identity and version', () => {
  const { work, expectedVersion } = patchManifestWork(current, {
    metadata: { labels: { tier: null, env: 'dev' }, annotations: null, generation: 99 },
    spec: { deleteOption: { propagationPolicy: 'Orphan' } },
  });
  assert.equal(expectedVersion, undefined);
  assert.deepEqual(work.metadata.labels, { app: 'web', env: 'dev' });
  assert.equal(work.metadata.annotations, undefined);
  assert.equal(work.metadata.uid, 'u1');
  assert.equal(work.metadata.generation, 4, 'the version is not patchable');
  assert.equal(work.spec.deleteOption?.propagationPolicy, 'Orphan');
  assert.equal(work.spec.workload.manifests?.length, 1);
});

test('a resourceVersion in the patch is a precondition; status and identity cannot be patched', () => {
  assert.equal(patchManifestWork(current, { metadata: { resourceVersion: '3' } }).expectedVersion, 3);
  assert.throws(() => patchManifestWork(current, { status: {} }), InvalidError);
  assert.throws(() => patchManifestWork(current, { metadata: { name: 'other' } }), /name cannot be changed/);
  assert.throws(() => patchManifestWork(current, { metadata: { resourceVersion: 'abc' } }), InvalidError);
  assert.throws(() => patchManifestWork(current, [1]), InvalidError);
});
