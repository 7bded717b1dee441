/**
 * Conformance of the non-apply PATCH formats: JSON merge patch (RFC 7386, null deletes, lists
 * replaced, metadata.uid/resourceVersion in the patch acting as preconditions), strategic merge
 * patch (lists merged by key) and JSON patch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { deployment, failure, startEnv } from './support.ts';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

describe('kube test server: patch', () => {
  let env: KubeEnv;
  before(async () => {
    env = await startEnv();
  });
  after(() => env.server.stop());

  it('merge patch: adds, changes and (with null) deletes labels; replaces lists whole', async () => {
    await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: { name: 'm', labels: { keep: '1', drop: '1' }, finalizers: ['a/x', 'a/y'] },
        data: { k: 'v' },
      },
    });
    const patched = await env.core.patchNamespacedConfigMap(
      {
        name: 'm',
        namespace: 'default',
        body: { metadata: { labels: { drop: null, add: '2' }, finalizers: ['a/z'] }, data: { k: 'w' } },
      },
      merge,
    );
    assert.deepEqual(patched.metadata?.labels, { keep: '1', add: '2' });
    assert.deepEqual(patched.metadata?.finalizers, ['a/z']);
    assert.deepEqual(patched.data, { k: 'w' });
    await env.core.patchNamespacedConfigMap(
      { name: 'm', namespace: 'default', body: { metadata: { finalizers: null } } },
      merge,
    );
  });

  it('merge patch: uid and resourceVersion in the patch are preconditions (the agent owner-reference patch)', async () => {
    const ownerObject = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owner' } },
    });
    const live = await env.core.readNamespacedConfigMap({ name: 'm', namespace: 'default' });
    // The owner must exist: the garbage collector deletes objects whose owners are gone.
    const owner = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: ownerObject.metadata?.uid ?? '',
    };
    const patched = await env.core.patchNamespacedConfigMap(
      {
        name: 'm',
        namespace: 'default',
        body: {
          metadata: {
            uid: live.metadata?.uid,
            resourceVersion: live.metadata?.resourceVersion,
            ownerReferences: [owner],
          },
        },
      },
      merge,
    );
    assert.deepEqual(
      patched.metadata?.ownerReferences?.map((o) => o.uid),
      [ownerObject.metadata?.uid],
    );

    const stale = await failure(
      env.core.patchNamespacedConfigMap(
        {
          name: 'm',
          namespace: 'default',
          body: { metadata: { resourceVersion: live.metadata?.resourceVersion, labels: { x: 'y' } } },
        },
        merge,
      ),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.match(
      stale.status.message,
      /^Operation cannot be fulfilled on configmaps "m": the object has been modified/,
    );

    const wrongUid = await failure(
      env.core.patchNamespacedConfigMap(
        { name: 'm', namespace: 'default', body: { metadata: { uid: 'not-the-uid' } } },
        merge,
      ),
    );
    assert.equal(wrongUid.code, 422, 'a changed uid fails validation as an immutable field');
    assert.equal(
      wrongUid.status.message,
      'ConfigMap "m" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable',
    );
  });

  it('merge patch of a missing object is 404 (no create)', async () => {
    const failed = await failure(
      env.core.patchNamespacedConfigMap(
        { name: 'absent', namespace: 'default', body: { data: { a: 'b' } } },
        merge,
      ),
    );
    assert.equal(failed.code, 404);
    assert.equal(failed.status.message, 'configmaps "absent" not found');
  });

  it('strategic merge patch merges containers by name (client-node default patch strategy)', async () => {
    await env.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('smp') });
    const patched = (await env.objects.patch({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } },
    })) as k8s.V1Deployment;
    assert.deepEqual(
      patched.spec?.template.spec?.containers.map((c) => c.name),
      ['app', 'sidecar'],
    );
    const removed = await env.apps.patchNamespacedDeployment(
      {
        name: 'smp',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      },
      strategic,
    );
    assert.deepEqual(
      removed.spec?.template.spec?.containers.map((c) => c.name),
      ['app'],
    );
  });

  it('JSON patch applies operations and fails a failed test with 422', async () => {
    const patched = await env.core.patchNamespacedConfigMap(
      { name: 'm', namespace: 'default', body: [{ op: 'add', path: '/data/extra', value: 'yes' }] },
      jsonPatch,
    );
    assert.equal(patched.data?.extra, 'yes');
    const failed = await failure(
      env.core.patchNamespacedConfigMap(
        { name: 'm', namespace: 'default', body: [{ op: 'test', path: '/data/extra', value: 'no' }] },
        jsonPatch,
      ),
    );
    assert.equal(failed.code, 422);
  });

  it('bumps generation for a spec patch, not for a label patch', async () => {
    const labelled = await env.apps.patchNamespacedDeployment(
      { name: 'smp', namespace: 'default', body: { metadata: { labels: { l: '1' } } } },
      merge,
    );
    const before = labelled.metadata?.generation ?? 0;
    const scaled = await env.apps.patchNamespacedDeployment(
      { name: 'smp', namespace: 'default', body: { spec: { replicas: 4 } } },
      merge,
    );
    assert.equal(scaled.metadata?.generation, before + 1);
    const noop = await env.apps.patchNamespacedDeployment(
      { name: 'smp', namespace: 'default', body: { spec: { replicas: 4 } } },
      merge,
    );
    assert.equal(
      noop.metadata?.resourceVersion,
      scaled.metadata?.resourceVersion,
      'a patch that changes nothing keeps the resourceVersion',
    );
  });
});
