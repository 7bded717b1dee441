/**
 * Conformance of create, read, list, replace and the status subresource: system metadata,
 * resourceVersion as a global increasing string, AlreadyExists, missing namespaces, label
 * selectors, dryRun, optimistic concurrency, generation, status handling and error bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { deployment, failure, startEnv } from './support.ts';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('kube test server: create, read, list, replace, status', () => {
  let env: KubeEnv;
  before(async () => {
    env = await startEnv();
  });
  after(() => env.server.stop());

  it('assigns uid, resourceVersion and creationTimestamp; generation only for kinds that track it', async () => {
    const cm = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'meta' }, data: { a: '1' } },
    });
    assert.match(cm.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(cm.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.ok(cm.metadata?.creationTimestamp instanceof Date);
    assert.equal(cm.metadata?.generation, undefined, 'ConfigMaps have no generation on a real server');
    const d = await env.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('meta') });
    assert.equal(d.metadata?.generation, 1);
    assert.ok(
      Number(d.metadata?.resourceVersion) > Number(cm.metadata?.resourceVersion),
      'resourceVersion is a global counter',
    );
  });

  it('defaults a Deployment and gives it an empty status that spec writes do not touch', async () => {
    const d = await env.apps.createNamespacedDeployment({
      namespace: 'default',
      body: { ...deployment('defaults'), status: { replicas: 5 } },
    });
    assert.equal(d.spec?.replicas, 1);
    assert.equal(d.spec?.revisionHistoryLimit, 10);
    assert.equal(d.spec?.progressDeadlineSeconds, 600);
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(d.spec?.template.spec?.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.deepEqual({ ...d.status }, {}, 'status from the create body is dropped');
  });

  it('answers 409 AlreadyExists with the real message and details', async () => {
    await env.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } });
    const failed = await failure(
      env.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup' } } }),
    );
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, 'AlreadyExists');
    assert.equal(failed.status.message, 'configmaps "dup" already exists');
    assert.deepEqual(failed.status.details, { name: 'dup', kind: 'configmaps' });
  });

  it('answers 404 for the namespace when creating in a missing namespace', async () => {
    const failed = await failure(
      env.core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'x' } } }),
    );
    assert.equal(failed.code, 404);
    assert.equal(failed.status.reason, 'NotFound');
    assert.equal(failed.status.message, 'namespaces "nope" not found');
    assert.deepEqual(failed.status.details, { name: 'nope', kind: 'namespaces' });
  });

  it('answers 404 for the object when reading it, even in a missing namespace', async () => {
    const failed = await failure(env.apps.readNamespacedDeployment({ name: 'web', namespace: 'missing' }));
    assert.equal(failed.code, 404);
    assert.equal(failed.status.kind, 'Status');
    assert.equal(failed.status.status, 'Failure');
    assert.equal(failed.status.message, 'deployments.apps "web" not found');
    assert.deepEqual(failed.status.details, { name: 'web', group: 'apps', kind: 'deployments' });
  });

  it('lists with label selectors as <Kind>List with a resourceVersion', async () => {
    await env.core.createNamespace({ body: { metadata: { name: 'sel' } } });
    for (const [name, labels] of [
      ['one', { app: 'a', tier: 'web' }],
      ['two', { app: 'b', tier: 'web' }],
      ['three', { app: 'a' }],
    ] as const) {
      await env.core.createNamespacedConfigMap({
        namespace: 'sel',
        body: { metadata: { name, labels: { ...labels } } },
      });
    }
    const names = async (labelSelector: string): Promise<string[]> =>
      (await env.core.listNamespacedConfigMap({ namespace: 'sel', labelSelector })).items.map(
        (i) => i.metadata?.name ?? '',
      );
    const all = await env.core.listNamespacedConfigMap({ namespace: 'sel' });
    assert.equal(all.kind, 'ConfigMapList');
    assert.match(all.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.deepEqual(await names('app=a'), ['one', 'three']);
    assert.deepEqual(await names('app=a,tier=web'), ['one']);
    assert.deepEqual(await names('app in (b),tier'), ['two']);
    assert.deepEqual(await names('!tier'), ['three']);
    assert.deepEqual(await names('app!=a'), ['two']);
    const everywhere = await env.core.listConfigMapForAllNamespaces({ labelSelector: 'app=b' });
    assert.deepEqual(
      everywhere.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`),
      ['sel/two'],
    );
  });

  it('pages a list with limit and continue', async () => {
    const first = await env.core.listNamespacedConfigMap({ namespace: 'sel', limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata?._continue);
    assert.equal(first.metadata?.remainingItemCount, 1);
    const second = await env.core.listNamespacedConfigMap({
      namespace: 'sel',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    assert.equal(second.items.length, 1);
    assert.equal(second.metadata?._continue, undefined);
  });

  it('validates and answers a dryRun=All create without storing anything', async () => {
    const answer = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dry' } },
      dryRun: 'All',
    });
    assert.equal(answer.metadata?.name, 'dry');
    assert.equal(
      (await failure(env.core.readNamespacedConfigMap({ name: 'dry', namespace: 'default' }))).code,
      404,
    );
    const invalid = await failure(
      env.core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'Not_Valid' } },
        dryRun: 'All',
      }),
    );
    assert.equal(invalid.code, 422);
    assert.equal(invalid.status.reason, 'Invalid');
    assert.match(
      invalid.status.message,
      /^ConfigMap "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/,
    );
  });

  it('generates a name from generateName', async () => {
    const cm = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'gen-' } },
    });
    assert.match(cm.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);
  });

  it('refuses a PUT with a stale resourceVersion with 409 Conflict', async () => {
    const cm = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cas' }, data: { v: '1' } },
    });
    const updated = await env.core.replaceNamespacedConfigMap({
      name: 'cas',
      namespace: 'default',
      body: { ...cm, data: { v: '2' } },
    });
    assert.notEqual(updated.metadata?.resourceVersion, cm.metadata?.resourceVersion);
    const failed = await failure(
      env.core.replaceNamespacedConfigMap({
        name: 'cas',
        namespace: 'default',
        body: { ...cm, data: { v: '3' } },
      }),
    );
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, 'Conflict');
    assert.equal(
      failed.status.message,
      'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('keeps the resourceVersion for a PUT that changes nothing', async () => {
    const cm = await env.core.readNamespacedConfigMap({ name: 'cas', namespace: 'default' });
    const again = await env.core.replaceNamespacedConfigMap({ name: 'cas', namespace: 'default', body: cm });
    assert.equal(again.metadata?.resourceVersion, cm.metadata?.resourceVersion);
  });

  it('refuses a PUT whose body names another object', async () => {
    const cm = await env.core.readNamespacedConfigMap({ name: 'cas', namespace: 'default' });
    const failed = await failure(
      env.core.replaceNamespacedConfigMap({
        name: 'cas',
        namespace: 'default',
        body: { ...cm, metadata: { ...cm.metadata, name: 'other' } },
      }),
    );
    assert.equal(failed.code, 400);
    assert.equal(
      failed.status.message,
      'the name of the object (other) does not match the name on the URL (cas)',
    );
  });

  it('bumps generation on spec changes only, and ignores status on the main resource', async () => {
    const d = await env.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('gen') });
    const relabelled = await env.apps.replaceNamespacedDeployment({
      name: 'gen',
      namespace: 'default',
      body: { ...d, metadata: { ...d.metadata, labels: { extra: 'yes' } } },
    });
    assert.equal(relabelled.metadata?.generation, 1, 'a label change does not bump generation');
    const scaled = await env.apps.replaceNamespacedDeployment({
      name: 'gen',
      namespace: 'default',
      body: {
        ...relabelled,
        spec: { ...relabelled.spec, replicas: 3 } as k8s.V1DeploymentSpec,
        status: { replicas: 9 },
      },
    });
    assert.equal(scaled.metadata?.generation, 2);
    assert.equal(scaled.spec?.replicas, 3);
    assert.deepEqual({ ...scaled.status }, {}, 'status in a main-resource PUT is ignored');
  });

  it('writes only status through /status (PUT and merge patch)', async () => {
    const d = await env.apps.readNamespacedDeployment({ name: 'gen', namespace: 'default' });
    const written = await env.apps.replaceNamespacedDeploymentStatus({
      name: 'gen',
      namespace: 'default',
      body: {
        ...d,
        spec: { ...d.spec, replicas: 7 } as k8s.V1DeploymentSpec,
        status: { replicas: 3, readyReplicas: 2 },
      },
    });
    assert.equal(written.status?.readyReplicas, 2);
    assert.equal(written.spec?.replicas, 3, 'spec in a status write is ignored');
    assert.equal(written.metadata?.generation, d.metadata?.generation);
    assert.notEqual(written.metadata?.resourceVersion, d.metadata?.resourceVersion);
    const patched = await env.apps.patchNamespacedDeploymentStatus(
      {
        name: 'gen',
        namespace: 'default',
        body: { status: { availableReplicas: 2 }, metadata: { labels: { ignored: 'yes' } } },
      },
      mergePatch,
    );
    assert.equal(patched.status?.availableReplicas, 2);
    assert.equal(patched.status?.readyReplicas, 2);
    assert.equal(patched.metadata?.labels?.ignored, undefined, 'metadata in a status write is ignored');
    const read = await env.apps.readNamespacedDeploymentStatus({ name: 'gen', namespace: 'default' });
    assert.equal(read.status?.availableReplicas, 2);
  });

  it('starts namespaces Active with the kubernetes finalizer and name label', async () => {
    const ns = await env.core.readNamespace({ name: 'sel' });
    assert.equal(ns.status?.phase, 'Active');
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
    assert.equal(ns.metadata?.labels?.['kubernetes.io/metadata.name'], 'sel');
  });

  it('folds Secret stringData into base64 data', async () => {
    const secret = await env.core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } },
    });
    assert.equal(secret.data?.password, Buffer.from('hunter2').toString('base64'));
    assert.equal(secret.stringData, undefined);
    assert.equal(secret.type, 'Opaque');
  });
});
