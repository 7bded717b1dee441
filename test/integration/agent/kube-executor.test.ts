import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSilentLogger } from '../../../src/common/logger.ts';
import {
  EXECUTOR_RETRY_MS,
  appliedManifestWorkName,
  createWorkApplier,
  getAppliedManifestWork,
} from '../../../src/agent/kube/index.ts';
import {
  CONFIGMAPS,
  applyAndRefresh,
  configMap,
  getObject,
  makeWork,
  manifestCondition,
  useKubeFixture,
} from './kube-fixture.ts';

const fx = useKubeFixture();

const executor = {
  subject: { type: 'ServiceAccount', serviceAccount: { namespace: 'default', name: 'deployer' } },
};
const SA = 'system:serviceaccount:default:deployer';

test("an executor allowed every verb applies; a denied one gets Applied=False with upstream's message", async () => {
  fx.server.setAccessRules([
    {
      users: [SA],
      verbs: ['create', 'update', 'patch', 'get', 'delete'],
      resources: ['configmaps'],
      names: ['exec-ok'],
    },
  ]);
  try {
    const allowed = await applyAndRefresh(
      fx.applier,
      makeWork([configMap('exec-ok', { a: '1' })], { executor }),
    );
    assert.equal(manifestCondition(allowed, 0, 'Applied')?.status, 'True');

    const deniedWork = makeWork([configMap('exec-denied', { a: '1' })], { executor });
    const denied = await applyAndRefresh(fx.applier, deniedWork);
    assert.equal(
      (await fx.applier.apply(deniedWork)).requeueAfterMs,
      EXECUTOR_RETRY_MS,
      'a denial is retried after 1m0s',
    );
    const applied = manifestCondition(denied, 0, 'Applied');
    assert.equal(applied?.status, 'False');
    assert.equal(
      applied?.message,
      'Failed to apply manifest: not allowed to apply the resource  configmaps, default exec-denied, will try again in 1m0s',
    );
    assert.equal(
      await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'exec-denied' }),
      undefined,
    );
  } finally {
    fx.server.setAccessRules(undefined);
  }
});

test('an executor subject other than a ServiceAccount is rejected', async () => {
  const done = await applyAndRefresh(
    fx.applier,
    makeWork([configMap('exec-user', { a: '1' })], { executor: { subject: { type: 'User' } } }),
  );
  assert.equal(
    manifestCondition(done, 0, 'Applied')?.message,
    'Failed to apply manifest: only support ServiceAccount type for the executor',
  );
});

test('a restarted agent (fresh applier) re-applies without re-creating objects or the AMW', async () => {
  const work = makeWork([configMap('restart-cm', { a: '1' })]);
  const before = await applyAndRefresh(fx.applier, work);
  const ref = { gvr: CONFIGMAPS, namespace: 'default', name: 'restart-cm' };
  const uid = (await getObject(fx.client, ref))?.metadata?.uid;
  const amwName = appliedManifestWorkName(fx.hash, work.metadata.name ?? '');
  const amwUid = (await getAppliedManifestWork(fx.client, amwName))?.metadata.uid;

  const restarted = createWorkApplier({ client: fx.client, hubHash: fx.hash, logger: createSilentLogger() });
  // After a restart the store starts empty: the work arrives again without status.
  const after = await applyAndRefresh(restarted, { ...work, status: undefined });
  assert.equal((await getObject(fx.client, ref))?.metadata?.uid, uid);
  assert.equal((await getAppliedManifestWork(fx.client, amwName))?.metadata.uid, amwUid);
  assert.deepEqual(
    after.status?.resourceStatus?.manifests?.[0].resourceMeta,
    before.status?.resourceStatus?.manifests?.[0].resourceMeta,
  );
  assert.equal(manifestCondition(after, 0, 'Available')?.status, 'True');
});
