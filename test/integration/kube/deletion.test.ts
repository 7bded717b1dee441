/**
 * Conformance of DELETE: DeleteOptions preconditions, the success Status, finalizers keeping a
 * deleted object readable with a deletionTimestamp, owner-reference garbage collection in
 * Background, Foreground and Orphan modes, and namespace deletion emptying the namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { failure, isGone, startEnv, waitFor } from './support.ts';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('kube test server: deletion and garbage collection', () => {
  let env: KubeEnv;
  const cm = (name: string, namespace = 'default') => env.core.readNamespacedConfigMap({ name, namespace });
  const createCm = (name: string, metadata: Partial<k8s.V1ObjectMeta> = {}, namespace = 'default') =>
    env.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, ...metadata } } });
  const ownedBy = (owner: k8s.V1ConfigMap, blockOwnerDeletion?: boolean): k8s.V1OwnerReference => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }),
  });

  before(async () => {
    env = await startEnv();
  });
  after(() => env.server.stop());

  it('answers a success Status for an immediate delete and 404 afterwards', async () => {
    const created = await createCm('plain');
    const status = await env.core.deleteNamespacedConfigMap({ name: 'plain', namespace: 'default' });
    assert.equal(status.status, 'Success');
    assert.equal(status.details?.name, 'plain');
    assert.equal(status.details?.kind, 'configmaps');
    assert.equal(status.details?.uid, created.metadata?.uid);
    const failed = await failure(env.core.deleteNamespacedConfigMap({ name: 'plain', namespace: 'default' }));
    assert.equal(failed.code, 404);
    assert.equal(failed.status.message, 'configmaps "plain" not found');
  });

  it('refuses a delete whose uid or resourceVersion precondition does not match (409)', async () => {
    const created = await createCm('guarded');
    const failed = await failure(
      env.core.deleteNamespacedConfigMap({
        name: 'guarded',
        namespace: 'default',
        body: { preconditions: { uid: 'other-uid' }, propagationPolicy: 'Background' },
      }),
    );
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, 'Conflict');
    assert.match(
      failed.status.message,
      new RegExp(
        `^Operation cannot be fulfilled on configmaps "guarded": .*Precondition failed: UID in precondition: other-uid, UID in object meta: ${created.metadata?.uid}$`,
      ),
    );
    const staleRv = await failure(
      env.core.deleteNamespacedConfigMap({
        name: 'guarded',
        namespace: 'default',
        body: { preconditions: { resourceVersion: '1' } },
      }),
    );
    assert.equal(staleRv.code, 409);
    await env.core.deleteNamespacedConfigMap({
      name: 'guarded',
      namespace: 'default',
      body: { preconditions: { uid: created.metadata?.uid } },
    });
    assert.ok(await isGone(cm('guarded')));
  });

  it('keeps a dryRun=All delete from deleting', async () => {
    await createCm('dry-delete');
    await env.core.deleteNamespacedConfigMap({ name: 'dry-delete', namespace: 'default', dryRun: 'All' });
    assert.equal((await cm('dry-delete')).metadata?.name, 'dry-delete');
  });

  it('holds a deleted object with finalizers until they are removed', async () => {
    await createCm('held', { finalizers: ['example.com/hold'] });
    await env.core.deleteNamespacedConfigMap({ name: 'held', namespace: 'default' });
    const pending = await cm('held');
    assert.ok(pending.metadata?.deletionTimestamp instanceof Date, 'deletionTimestamp is set');
    assert.deepEqual(pending.metadata?.finalizers, ['example.com/hold']);

    const added = await failure(
      env.core.patchNamespacedConfigMap(
        {
          name: 'held',
          namespace: 'default',
          body: { metadata: { finalizers: ['example.com/hold', 'example.com/new'] } },
        },
        merge,
      ),
    );
    assert.equal(added.code, 422, 'no new finalizers on an object being deleted');

    await env.core.patchNamespacedConfigMap(
      { name: 'held', namespace: 'default', body: { metadata: { finalizers: null } } },
      merge,
    );
    assert.ok(await isGone(cm('held')), 'removing the last finalizer completes the deletion');
  });

  it('deletes dependents of a deleted owner in the background', async () => {
    const owner = await createCm('bg-owner');
    await createCm('bg-child', { ownerReferences: [ownedBy(owner)] });
    const other = await createCm('bg-other-owner');
    await createCm('bg-shared', { ownerReferences: [ownedBy(owner), ownedBy(other)] });
    await env.core.deleteNamespacedConfigMap({
      name: 'bg-owner',
      namespace: 'default',
      propagationPolicy: 'Background',
    });
    assert.ok(await isGone(cm('bg-owner')), 'the owner goes at once');
    await waitFor(() => isGone(cm('bg-child')), 'the dependent to be collected');
    const shared = await waitFor(async () => {
      const live = await cm('bg-shared');
      return live.metadata?.ownerReferences?.length === 1 ? live : undefined;
    }, 'the shared dependent to lose the dangling reference');
    assert.equal(
      shared.metadata?.ownerReferences?.[0].name,
      'bg-other-owner',
      'a dependent with a live owner survives',
    );
  });

  it('deletes in the foreground: the owner waits, with foregroundDeletion, for blocking dependents', async () => {
    const owner = await createCm('fg-owner');
    await createCm('fg-child', { ownerReferences: [ownedBy(owner, true)], finalizers: ['example.com/slow'] });
    const answer = await env.core.deleteNamespacedConfigMap({
      name: 'fg-owner',
      namespace: 'default',
      propagationPolicy: 'Foreground',
    });
    assert.equal(
      answer.kind,
      'ConfigMap',
      'a pending foreground delete answers with the object, not a Status',
    );
    const pendingOwner = await cm('fg-owner');
    assert.ok(pendingOwner.metadata?.deletionTimestamp instanceof Date);
    assert.deepEqual(pendingOwner.metadata?.finalizers, ['foregroundDeletion']);
    const child = await waitFor(async () => {
      const live = await cm('fg-child');
      return live.metadata?.deletionTimestamp === undefined ? undefined : live;
    }, 'the dependent to be deleted');
    assert.deepEqual(child.metadata?.finalizers, ['example.com/slow']);
    assert.ok(
      (await cm('fg-owner')).metadata?.deletionTimestamp,
      'the owner still waits for its blocking dependent',
    );

    await env.core.patchNamespacedConfigMap(
      { name: 'fg-child', namespace: 'default', body: { metadata: { finalizers: null } } },
      merge,
    );
    await waitFor(() => isGone(cm('fg-child')), 'the dependent to go');
    await waitFor(() => isGone(cm('fg-owner')), 'the owner to go after its dependents');
  });

  it('orphans dependents with propagationPolicy Orphan', async () => {
    const owner = await createCm('orphan-owner');
    await createCm('orphan-child', { ownerReferences: [ownedBy(owner)] });
    await env.core.deleteNamespacedConfigMap({
      name: 'orphan-owner',
      namespace: 'default',
      propagationPolicy: 'Orphan',
    });
    await waitFor(() => isGone(cm('orphan-owner')), 'the owner to go');
    const child = await cm('orphan-child');
    assert.equal(
      child.metadata?.ownerReferences,
      undefined,
      'the dependent keeps living without the reference',
    );
  });

  it('empties a deleted namespace, refuses new content meanwhile, then removes it', async () => {
    await env.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await createCm('inside', {}, 'doomed');
    await createCm('sticky', { finalizers: ['example.com/hold'] }, 'doomed');
    const terminating = await env.core.deleteNamespace({ name: 'doomed' });
    assert.equal(terminating.kind, 'Namespace', 'a namespace delete answers with the terminating namespace');
    const ns = await env.core.readNamespace({ name: 'doomed' });
    assert.equal(ns.status?.phase, 'Terminating');
    await waitFor(() => isGone(cm('inside', 'doomed')), 'the namespace contents to be deleted');

    const refused = await failure(createCm('late', {}, 'doomed'));
    assert.equal(refused.code, 403);
    assert.equal(refused.status.reason, 'Forbidden');
    assert.equal(
      refused.status.message,
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );

    assert.ok(
      (await env.core.readNamespace({ name: 'doomed' })).metadata?.deletionTimestamp,
      'the namespace waits for finalizers of its contents',
    );
    await env.core.patchNamespacedConfigMap(
      { name: 'sticky', namespace: 'doomed', body: { metadata: { finalizers: null } } },
      merge,
    );
    await waitFor(() => isGone(env.core.readNamespace({ name: 'doomed' })), 'the namespace to be removed');
  });

  it('collects a custom resource owned by a cluster-scoped owner', async () => {
    const owner = await env.kc
      .makeApiClient(k8s.RbacAuthorizationV1Api)
      .createClusterRole({ body: { metadata: { name: 'cluster-owner' } } });
    await createCm('cluster-owned', {
      ownerReferences: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          name: 'cluster-owner',
          uid: owner.metadata?.uid ?? '',
        },
      ],
    });
    await env.kc.makeApiClient(k8s.RbacAuthorizationV1Api).deleteClusterRole({ name: 'cluster-owner' });
    await waitFor(
      () => isGone(cm('cluster-owned')),
      'the namespaced dependent of a cluster-scoped owner to be collected',
    );
  });
});
