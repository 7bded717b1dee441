import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFIGMAPS,
  applyAndRefresh,
  configMap,
  getObject,
  makeWork,
  manifestCondition,
  nextGeneration,
  useKubeFixture,
  workCondition,
} from './kube-fixture.ts';

const fx = useKubeFixture();

const ssa = (name: string, serverSideApply: object = {}) => ({
  manifestConfigs: [
    {
      resourceIdentifier: { resource: 'configmaps', name, namespace: 'default' },
      updateStrategy: { type: 'ServerSideApply' as const, serverSideApply },
    },
  ],
});

test('ServerSideApply applies as field manager work-agent and adds the owner with a merge patch', async () => {
  const work = makeWork(
    [
      // Go marshals an unset timestamp as null; the agent must drop it before applying.
      {
        ...configMap('ssa-basic', { a: '1' }),
        metadata: { name: 'ssa-basic', namespace: 'default', creationTimestamp: null as unknown as string },
      },
    ],
    ssa('ssa-basic'),
  );
  const done = await applyAndRefresh(fx.applier, work);
  assert.equal(manifestCondition(done, 0, 'Applied')?.status, 'True');
  const live = await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'ssa-basic' });
  assert.deepEqual(live?.data, { a: '1' });
  assert.equal(live?.metadata?.ownerReferences?.[0]?.kind, 'AppliedManifestWork');
  const managers = (live?.metadata?.managedFields as { manager: string; operation: string }[]).map((m) => [
    m.manager,
    m.operation,
  ]);
  assert.ok(
    managers.some(([m, op]) => m === 'work-agent' && op === 'Apply'),
    JSON.stringify(managers),
  );
  const requests = fx.server.requests().filter((r) => r.path.endsWith('/ssa-basic') && r.method === 'PATCH');
  assert.deepEqual(
    requests.map((r) => r.contentType),
    ['application/apply-patch+yaml', 'application/merge-patch+json'],
  );

  // Re-applying a changed manifest removes the field the manager no longer applies and keeps the owner.
  const again = await applyAndRefresh(
    fx.applier,
    nextGeneration(done, [configMap('ssa-basic', { b: '2' })], ssa('ssa-basic')),
  );
  assert.equal(manifestCondition(again, 0, 'Applied')?.status, 'True');
  const updated = await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'ssa-basic' });
  assert.deepEqual(updated?.data, { b: '2' });
  assert.equal(updated?.metadata?.ownerReferences?.length, 1);
});

test('a conflict with another field manager fails Applied without force and wins with force', async () => {
  const ref = { gvr: CONFIGMAPS, namespace: 'default', name: 'ssa-conflict' };
  await fx.client.patch(ref, 'apply', configMap('ssa-conflict', { shared: 'theirs' }), {
    fieldManager: 'someone-else',
  });

  const work = makeWork(
    [configMap('ssa-conflict', { shared: 'ours' })],
    ssa('ssa-conflict', { fieldManager: 'maestro-agent' }),
  );
  const failed = await applyAndRefresh(fx.applier, work);
  const applied = manifestCondition(failed, 0, 'Applied');
  assert.equal(applied?.status, 'False');
  assert.equal(applied?.reason, 'AppliedManifestFailed');
  assert.match(applied?.message ?? '', /^Failed to apply manifest: .*conflict/i);
  assert.equal(workCondition(failed, 'Applied')?.status, 'False');
  assert.deepEqual((await getObject(fx.client, ref))?.data, { shared: 'theirs' });

  const forced = await applyAndRefresh(
    fx.applier,
    nextGeneration(
      failed,
      [configMap('ssa-conflict', { shared: 'ours' })],
      ssa('ssa-conflict', { fieldManager: 'maestro-agent', force: true }),
    ),
  );
  assert.equal(manifestCondition(forced, 0, 'Applied')?.status, 'True');
  assert.deepEqual((await getObject(fx.client, ref))?.data, { shared: 'ours' });
});

test('ignoreFields OnSpokePresent: set at creation, not reverted afterwards until the manifest changes', async () => {
  const config = ssa('ssa-ignore', {
    ignoreFields: [{ condition: 'OnSpokePresent', jsonPaths: ['.data.tuned'] }],
  });
  const ref = { gvr: CONFIGMAPS, namespace: 'default', name: 'ssa-ignore' };
  const first = await applyAndRefresh(
    fx.applier,
    makeWork([configMap('ssa-ignore', { tuned: 'initial', fixed: 'f' })], config),
  );
  assert.equal(manifestCondition(first, 0, 'Applied')?.status, 'True');
  const created = await getObject(fx.client, ref);
  assert.deepEqual(created?.data, { tuned: 'initial', fixed: 'f' });
  assert.match(
    created?.metadata?.annotations?.['open-cluster-management.io/config-spec-hash'] ?? '',
    /^[0-9a-f]{32}$/,
  );

  await fx.client.patch(ref, 'merge', { data: { tuned: 'changed-on-spoke', fixed: 'drifted' } });
  await applyAndRefresh(fx.applier, first);
  assert.deepEqual(
    (await getObject(fx.client, ref))?.data,
    { tuned: 'changed-on-spoke', fixed: 'drifted' },
    'same hash: no apply',
  );
});
