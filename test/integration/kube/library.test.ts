/**
 * The test server's library API and command: seeding and inspecting objects, injected failures and
 * delays, the request log, kubeconfig files, and `cli.ts` serving until it is stopped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { deployment, failure, startEnv } from './support.ts';

describe('kube test server: library API', () => {
  let env: KubeEnv;
  let dir: string;
  before(async () => {
    env = await startEnv();
    dir = await mkdtemp(join(tmpdir(), 'kube-test-server-'));
  });
  after(async () => {
    await env.server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds objects with their status, creating the namespace, and inspects the store', async () => {
    const seeded = env.server.seed({
      ...deployment('seeded', 'seeded-ns'),
      status: { readyReplicas: 1 },
    } as never);
    assert.equal(seeded.metadata.namespace, 'seeded-ns');
    const read = await env.apps.readNamespacedDeployment({ name: 'seeded', namespace: 'seeded-ns' });
    assert.equal(read.status?.readyReplicas, 1);
    assert.equal(read.metadata?.uid, seeded.metadata.uid);
    assert.equal((await env.core.readNamespace({ name: 'seeded-ns' })).status?.phase, 'Active');
    assert.equal(
      env.server.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'seeded-ns', name: 'seeded' })
        ?.kind,
      'Deployment',
    );
    assert.equal(
      env.server.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'seeded-ns', name: 'absent' }),
      undefined,
    );
    assert.deepEqual(
      env.server.list('apps/v1', 'Deployment', 'seeded-ns').map((d) => d.metadata.name),
      ['seeded'],
    );
  });

  it('fails the next N requests of a verb with an injected 500', async () => {
    env.server.injectFailure({ verb: 'get', status: 500, count: 2, resource: 'deployments' });
    for (let i = 0; i < 2; i++) {
      const failed = await failure(
        env.apps.readNamespacedDeployment({ name: 'seeded', namespace: 'seeded-ns' }),
      );
      assert.equal(failed.code, 500);
    }
    const ok = await env.apps.readNamespacedDeployment({ name: 'seeded', namespace: 'seeded-ns' });
    assert.equal(ok.metadata?.name, 'seeded');
  });

  it('answers an injected 429 with Retry-After and an injected 409 Conflict', async () => {
    env.server.injectFailure({ verb: 'list', status: 429 });
    const throttled = await failure(env.objects.list('v1', 'ConfigMap', 'default'));
    assert.equal(throttled.code, 429);
    assert.equal(throttled.status.reason, 'TooManyRequests');
    assert.equal(throttled.headers['retry-after'], '1');
    env.server.injectFailure({ verb: 'update', status: 409 });
    const cm = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'target' } },
    });
    const conflicted = await failure(
      env.objects.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data: { a: 'b' } }),
    );
    assert.equal(conflicted.code, 409);
    assert.equal(conflicted.status.reason, 'Conflict');
    const replaced = await env.objects.replace({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: cm.metadata,
      data: { a: 'b' },
    });
    assert.ok(replaced.metadata?.resourceVersion);
  });

  it('delays requests of a verb', async () => {
    env.server.delay({ verb: 'get', ms: 150, count: 1, resource: 'configmaps' });
    const started = Date.now();
    await env.core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    assert.ok(Date.now() - started >= 150, 'the read waited for the delay');
    env.server.clearFaults();
  });

  it('records requests with verb, content type and field manager', async () => {
    await env.objects.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'logged', namespace: 'default' },
        data: { a: '1' },
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      'recorder',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const last = env.server.requests().at(-1);
    assert.equal(last?.verb, 'patch');
    assert.equal(last?.resource, 'configmaps');
    assert.equal(last?.fieldManager, 'recorder');
    assert.equal(last?.contentType, 'application/apply-patch+yaml');
  });

  it('writes a kubeconfig that client-node can load', async () => {
    const path = join(dir, 'kubeconfig');
    await env.server.writeKubeconfig(path);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(path);
    assert.equal(kc.getCurrentCluster()?.server, env.server.url);
    const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === 'kube-system'));
  });
});

describe('kube test server: command', () => {
  it('serves until SIGTERM, after writing a kubeconfig with a token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-test-cli-'));
    const kubeconfig = join(dir, 'config');
    const cli = new URL('../../support/kube/cli.ts', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [cli, '--port', '0', '--kubeconfig', kubeconfig, '--generate-token'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match !== null && output.includes('kubeconfig written')) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)));
      });
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig);
      assert.equal(kc.getCurrentCluster()?.server, url);
      assert.ok(kc.getCurrentUser()?.token, 'the generated token is in the kubeconfig');
      const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
      assert.ok(namespaces.items.some((n) => n.metadata?.name === 'default'));
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
