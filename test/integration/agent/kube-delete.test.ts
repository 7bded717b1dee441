import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedManifestWorkName, getAppliedManifestWork } from '../../../src/agent/kube/index.ts';
import type { KubeFixture } from './kube-fixture.ts';
import {
  CONFIGMAPS,
  applyAndRefresh,
  configMap,
  getObject,
  makeWork,
  nextGeneration,
  useKubeFixture,
} from './kube-fixture.ts';

const fx = useKubeFixture();

const cmRef = (name: string) => ({ gvr: CONFIGMAPS, namespace: 'default', name });

/** Calls deleteWork until it reports the AMW gone (it returns false while objects terminate). */
async function deleteUntilGone(
  work: Parameters<KubeFixture['applier']['deleteWork']>[0],
  attempts = 20,
): Promise<void> {
  for (let i = 0; i < attempts; i++) if (await fx.applier.deleteWork(work)) return;
  throw new Error('work deletion did not finish');
}

test('Foreground (default): deleting the work removes its objects, waits for their finalizers, then the AMW', async () => {
  const work = makeWork([configMap('fg-a', { a: '1' }), configMap('fg-b', { b: '1' })]);
  await applyAndRefresh(fx.applier, work);
  await fx.client.patch(cmRef('fg-b'), 'merge', { metadata: { finalizers: ['example.io/hold'] } });

  assert.equal(await fx.applier.deleteWork(work), false, 'an object is still terminating');
  assert.equal(await getObject(fx.client, cmRef('fg-a')), undefined);
  const held = await getObject(fx.client, cmRef('fg-b'));
  assert.ok(held?.metadata?.deletionTimestamp, 'the held object is terminating');
  const amwName = appliedManifestWorkName(fx.hash, work.metadata.name ?? '');
  const amw = await getAppliedManifestWork(fx.client, amwName);
  assert.ok(amw?.metadata.deletionTimestamp, 'the AMW is being deleted');
  assert.equal(await fx.applier.deleteWork(work), false);
  const pending = await getAppliedManifestWork(fx.client, amwName);
  assert.deepEqual(
    pending?.status?.appliedResources?.map((r) => r.name),
    ['fg-b'],
    'only pending objects stay recorded',
  );

  await fx.client.patch(cmRef('fg-b'), 'merge', { metadata: { finalizers: null } });
  await deleteUntilGone(work);
  assert.equal(await getObject(fx.client, cmRef('fg-b')), undefined);
  assert.equal(await getAppliedManifestWork(fx.client, amwName), undefined);
  assert.equal(await fx.applier.deleteWork(work), true, 'deleting again is a no-op');
});

test('Orphan: objects carry no owner reference and survive the deletion of the work', async () => {
  const foreground = makeWork([configMap('orphan-a', { a: '1' })]);
  await applyAndRefresh(fx.applier, foreground);
  assert.equal((await getObject(fx.client, cmRef('orphan-a')))?.metadata?.ownerReferences?.length, 1);

  // Switching the same work to Orphan removes the existing owner reference on the next apply.
  const orphaned = nextGeneration(foreground, [configMap('orphan-a', { a: '1' })], {
    deleteOption: { propagationPolicy: 'Orphan' },
  });
  await applyAndRefresh(fx.applier, orphaned);
  assert.deepEqual((await getObject(fx.client, cmRef('orphan-a')))?.metadata?.ownerReferences ?? [], []);

  await deleteUntilGone(orphaned);
  assert.deepEqual((await getObject(fx.client, cmRef('orphan-a')))?.data, { a: '1' });
});

test('SelectivelyOrphan: only objects matching an orphaning rule survive', async () => {
  const work = makeWork([configMap('sel-keep', { a: '1' }), configMap('sel-drop', { b: '1' })], {
    deleteOption: {
      propagationPolicy: 'SelectivelyOrphan',
      selectivelyOrphans: {
        orphaningRules: [{ group: '', resource: 'configmaps', namespace: 'default', name: 'sel-keep' }],
      },
    },
  });
  await applyAndRefresh(fx.applier, work);
  await deleteUntilGone(work);
  assert.ok(await getObject(fx.client, cmRef('sel-keep')));
  assert.equal(await getObject(fx.client, cmRef('sel-drop')), undefined);
});

test('a manifest removed from the work is garbage-collected; an orphaned one is left alone', async () => {
  const work = makeWork([configMap('gc-stay', { a: '1' }), configMap('gc-gone', { b: '1' })]);
  const first = await applyAndRefresh(fx.applier, work);
  const secondGeneration = nextGeneration(first, [configMap('gc-stay', { a: '1' })]);
  const pass = await fx.applier.apply(secondGeneration);
  assert.ok(
    pass.requeueAfterMs !== undefined && pass.requeueAfterMs < 1000,
    'a pending deletion is re-checked soon, not at the periodic resync',
  );
  const second = {
    ...secondGeneration,
    status: await fx.applier.refreshStatus({ ...secondGeneration, status: pass.status }),
  };
  assert.equal(await getObject(fx.client, cmRef('gc-gone')), undefined);
  assert.ok(await getObject(fx.client, cmRef('gc-stay')));
  assert.deepEqual(
    second.status?.resourceStatus?.manifests?.map((m) => m.resourceMeta.name),
    ['gc-stay'],
  );
  const amwName = appliedManifestWorkName(fx.hash, work.metadata.name ?? '');
  const amw = await getAppliedManifestWork(fx.client, amwName);
  assert.deepEqual(
    amw?.status?.appliedResources?.map((r) => r.name),
    ['gc-gone', 'gc-stay'],
    'a deleted object stays recorded as pending until a later pass sees it gone',
  );
  assert.equal((await fx.applier.apply(second)).requeueAfterMs, undefined, 'nothing pending any more');
  const settled = await getAppliedManifestWork(fx.client, amwName);
  assert.deepEqual(
    settled?.status?.appliedResources?.map((r) => r.name),
    ['gc-stay'],
  );

  const orphanWork = makeWork([configMap('gc-orphan', { a: '1' }), configMap('gc-x', { a: '1' })], {
    deleteOption: { propagationPolicy: 'Orphan' },
  });
  const o1 = await applyAndRefresh(fx.applier, orphanWork);
  await applyAndRefresh(fx.applier, nextGeneration(o1, [configMap('gc-x', { a: '1' })]));
  assert.ok(
    await getObject(fx.client, cmRef('gc-orphan')),
    'an unowned object is not deleted when removed from the work',
  );
});

test('an object shared by two works only loses one owner when one work drops it', async () => {
  const a = makeWork([configMap('shared-cm', { a: '1' })]);
  const b = makeWork([configMap('shared-cm', { a: '1' })]);
  await applyAndRefresh(fx.applier, a);
  await applyAndRefresh(fx.applier, b);
  assert.equal((await getObject(fx.client, cmRef('shared-cm')))?.metadata?.ownerReferences?.length, 2);
  await deleteUntilGone(a);
  const live = await getObject(fx.client, cmRef('shared-cm'));
  assert.deepEqual(
    live?.metadata?.ownerReferences?.map((o) => o.name),
    [appliedManifestWorkName(fx.hash, b.metadata.name ?? '')],
  );
});

test("the registry lists this hub's AMWs and sets and clears the eviction start time", async () => {
  const work = makeWork([configMap('reg-cm', { a: '1' })]);
  await applyAndRefresh(fx.applier, work);
  const name = appliedManifestWorkName(fx.hash, work.metadata.name ?? '');
  assert.ok((await fx.applier.list()).some((amw) => amw.metadata.name === name));
  await fx.applier.setEvictionStartTime(name, '2024-01-01T00:00:00Z');
  assert.equal(
    (await getAppliedManifestWork(fx.client, name))?.status?.evictionStartTime,
    '2024-01-01T00:00:00Z',
  );
  await fx.applier.setEvictionStartTime(name, undefined);
  assert.equal((await getAppliedManifestWork(fx.client, name))?.status?.evictionStartTime, undefined);
  const amw = await getAppliedManifestWork(fx.client, name);
  assert.ok(amw);
  let gone = false;
  for (let i = 0; i < 20 && !gone; i++) gone = await fx.applier.evict(amw);
  assert.equal(gone, true);
  assert.equal(await getObject(fx.client, cmRef('reg-cm')), undefined);
});
