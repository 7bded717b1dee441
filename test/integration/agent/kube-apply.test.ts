import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedManifestWorkName, getAppliedManifestWork } from '../../../src/agent/kube/index.ts';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  applyAndRefresh,
  configMap,
  deployment,
  getObject,
  makeWork,
  manifestCondition,
  nextGeneration,
  seed,
  useKubeFixture,
  workCondition,
} from './kube-fixture.ts';

const fx = useKubeFixture();

test('Update creates the objects, owned by the AppliedManifestWork, and reports Applied and Available', async () => {
  const work = makeWork([configMap('upd-cm', { a: '1' }), deployment('upd-web', 2)]);
  const done = await applyAndRefresh(fx.applier, work);

  const amwName = appliedManifestWorkName(fx.hash, work.metadata.name ?? '');
  const amw = await getAppliedManifestWork(fx.client, amwName);
  assert.ok(amw, 'the AMW exists');
  assert.deepEqual(amw.spec, { hubHash: fx.hash, agentID: fx.hash, manifestWorkName: work.metadata.name });
  assert.deepEqual(amw.metadata.finalizers, [
    'cluster.open-cluster-management.io/applied-manifest-work-cleanup',
  ]);
  assert.equal(amw.metadata.labels?.['cloudevents.open-cluster-management.io/originalsource'], 'maestro');

  const cm = await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'upd-cm' });
  assert.deepEqual(cm?.data, { a: '1' });
  assert.deepEqual(cm?.metadata?.ownerReferences, [
    {
      apiVersion: 'work.open-cluster-management.io/v1',
      kind: 'AppliedManifestWork',
      name: amwName,
      uid: amw.metadata.uid,
    },
  ]);
  const refreshedAmw = await getAppliedManifestWork(fx.client, amwName);
  assert.deepEqual(
    refreshedAmw?.status?.appliedResources?.map((r) => [r.resource, r.name, Boolean(r.uid)]),
    [
      ['configmaps', 'upd-cm', true],
      ['deployments', 'upd-web', true],
    ],
  );

  assert.deepEqual(done.status?.resourceStatus?.manifests?.[1].resourceMeta, {
    ordinal: 1,
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    name: 'upd-web',
    namespace: 'default',
  });
  const applied = manifestCondition(done, 0, 'Applied');
  assert.deepEqual(
    [applied?.status, applied?.reason, applied?.message, applied?.observedGeneration],
    ['True', 'AppliedManifestComplete', 'Apply manifest complete', 1],
  );
  assert.equal(workCondition(done, 'Applied')?.reason, 'AppliedManifestWorkComplete');
  assert.equal(workCondition(done, 'Available')?.reason, 'ResourcesAvailable');
});

test('Update corrects drift on re-apply and pushes a changed manifest', async () => {
  const work = makeWork([deployment('drift-web', 2)]);
  let current = await applyAndRefresh(fx.applier, work);
  const ref = { gvr: DEPLOYMENTS, namespace: 'default', name: 'drift-web' };
  await fx.client.patch(ref, 'merge', { spec: { replicas: 7 }, metadata: { labels: { extra: 'kept' } } });
  current = await applyAndRefresh(fx.applier, current);
  const live = await getObject(fx.client, ref);
  assert.equal((live?.spec as { replicas: number }).replicas, 2, 'drift is reverted');
  assert.equal(live?.metadata?.labels?.extra, 'kept', 'labels added on the cluster are kept');

  current = await applyAndRefresh(fx.applier, nextGeneration(current, [deployment('drift-web', 3)]));
  assert.equal(((await getObject(fx.client, ref))?.spec as { replicas: number }).replicas, 3);
  assert.equal(manifestCondition(current, 0, 'Applied')?.observedGeneration, 2);
  assert.equal(workCondition(current, 'Applied')?.observedGeneration, 2);
});

test('a manifest that cannot be applied is reported in its Applied condition; the others still apply', async () => {
  const work = makeWork([
    configMap('err-cm', { a: '1' }, 'no-such-namespace'),
    { apiVersion: 'example.io/v1', kind: 'Unknown', metadata: { name: 'x', namespace: 'default' } },
    configMap('err-ok', { b: '2' }),
  ]);
  const done = await applyAndRefresh(fx.applier, work);
  const missingNs = manifestCondition(done, 0, 'Applied');
  assert.equal(missingNs?.status, 'False');
  assert.equal(missingNs?.reason, 'AppliedManifestFailed');
  assert.match(missingNs?.message ?? '', /^Failed to apply manifest: .*no-such-namespace/);
  assert.equal(
    manifestCondition(done, 1, 'Applied')?.message,
    'Failed to apply manifest: the server doesn\'t have a resource type "Unknown"',
  );
  assert.equal(done.status?.resourceStatus?.manifests?.[1].resourceMeta.resource, '');
  assert.equal(manifestCondition(done, 2, 'Applied')?.status, 'True');
  assert.deepEqual(
    [workCondition(done, 'Applied')?.status, workCondition(done, 'Applied')?.message],
    ['False', 'Failed to apply manifest work'],
  );
  assert.equal(manifestCondition(done, 0, 'Available')?.reason, 'ResourceNotAvailable');
  assert.equal(manifestCondition(done, 1, 'Available')?.reason, 'IncompleteResourceMeta');
  assert.equal(workCondition(done, 'Available')?.message, '1 of 3 resources are not available');
});

test('a namespace followed by objects in it, and a CRD followed by its custom resource, apply in one pass', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.io' },
    spec: {
      group: 'example.io',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
  const work = makeWork([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-x' } },
    configMap('in-ns', { a: '1' }, 'team-x'),
    crd,
    {
      apiVersion: 'example.io/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'team-x' },
      spec: { size: 3 },
    },
  ]);
  const done = await applyAndRefresh(fx.applier, work);
  for (let i = 0; i < 4; i++)
    assert.equal(manifestCondition(done, i, 'Applied')?.status, 'True', `manifest ${i} applied`);
  assert.equal(
    done.status?.resourceStatus?.manifests?.[0].resourceMeta.namespace,
    '',
    'cluster-scoped meta has no namespace',
  );
  assert.equal(done.status?.resourceStatus?.manifests?.[3].resourceMeta.resource, 'widgets');
  const widget = await getObject(fx.client, {
    gvr: { group: 'example.io', version: 'v1', resource: 'widgets' },
    namespace: 'team-x',
    name: 'w1',
  });
  assert.deepEqual(widget?.spec, { size: 3 });
  assert.equal(workCondition(done, 'Available')?.status, 'True');
});

test('CreateOnly creates once and never overwrites content, but still takes ownership', async () => {
  const strategy = (name: string) => ({
    manifestConfigs: [
      {
        resourceIdentifier: { resource: 'configmaps', name, namespace: 'default' },
        updateStrategy: { type: 'CreateOnly' as const },
      },
    ],
  });
  seed(fx, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'co-existing', namespace: 'default' },
    data: { live: 'x' },
  });
  const existing = makeWork([configMap('co-existing', { mine: 'y' })], strategy('co-existing'));
  await applyAndRefresh(fx.applier, existing);
  const live = await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'co-existing' });
  assert.deepEqual(live?.data, { live: 'x' });
  assert.equal(live?.metadata?.ownerReferences?.[0]?.kind, 'AppliedManifestWork');

  const fresh = makeWork([configMap('co-new', { v: '1' })], strategy('co-new'));
  const first = await applyAndRefresh(fx.applier, fresh);
  await applyAndRefresh(
    fx.applier,
    nextGeneration(first, [configMap('co-new', { v: '2' })], strategy('co-new')),
  );
  assert.deepEqual(
    (await getObject(fx.client, { gvr: CONFIGMAPS, namespace: 'default', name: 'co-new' }))?.data,
    { v: '1' },
  );
});

test('ReadOnly never writes, reports Available from the live object, and still runs feedback', async () => {
  const configs = (name: string) => ({
    manifestConfigs: [
      {
        resourceIdentifier: { group: 'apps', resource: 'deployments', name, namespace: 'default' },
        updateStrategy: { type: 'ReadOnly' as const },
        feedbackRules: [{ type: 'WellKnownStatus' as const }],
      },
    ],
  });
  const missing = await applyAndRefresh(
    fx.applier,
    makeWork([deployment('ro-missing', 1)], configs('ro-missing')),
  );
  assert.equal(manifestCondition(missing, 0, 'Applied')?.status, 'True');
  assert.equal(manifestCondition(missing, 0, 'Available')?.status, 'False');
  assert.equal(
    await getObject(fx.client, { gvr: DEPLOYMENTS, namespace: 'default', name: 'ro-missing' }),
    undefined,
  );

  seed(fx, {
    ...deployment('ro-live', 5),
    status: { replicas: 5, readyReplicas: 4, availableReplicas: 4 },
  });
  const live = await applyAndRefresh(fx.applier, makeWork([deployment('ro-live', 1)], configs('ro-live')));
  const object = await getObject(fx.client, { gvr: DEPLOYMENTS, namespace: 'default', name: 'ro-live' });
  assert.equal((object?.spec as { replicas: number }).replicas, 5, 'the object is not changed');
  assert.equal(object?.metadata?.ownerReferences, undefined, 'the object is not owned');
  assert.deepEqual(live.status?.resourceStatus?.manifests?.[0].statusFeedback?.values, [
    { name: 'ReadyReplicas', fieldValue: { type: 'Integer', integer: 4 } },
    { name: 'Replicas', fieldValue: { type: 'Integer', integer: 5 } },
    { name: 'AvailableReplicas', fieldValue: { type: 'Integer', integer: 4 } },
  ]);
  assert.equal(manifestCondition(live, 0, 'StatusFeedbackSynced')?.reason, 'StatusFeedbackSynced');
});
