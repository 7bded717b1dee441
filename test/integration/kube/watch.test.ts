/**
 * Conformance of WATCH through client-node's Watch and informer: initial ADDED events, ordered
 * ADDED/MODIFIED/DELETED, resuming from a resourceVersion, label selectors (objects moving out of
 * the selector are DELETED), BOOKMARKs, and 410 Expired for a resourceVersion that is too old.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { startEnv, waitFor } from './support.ts';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Seen {
  type: string;
  name?: string;
  resourceVersion?: string;
  object: k8s.KubernetesObject & { code?: number; reason?: string; metadata?: k8s.V1ObjectMeta };
}

describe('kube test server: watch', () => {
  let env: KubeEnv;
  const controllers: AbortController[] = [];

  const watch = async (path: string, query: Record<string, string | boolean> = {}): Promise<Seen[]> => {
    const seen: Seen[] = [];
    const controller = await new k8s.Watch(env.kc).watch(
      path,
      query,
      (type, object: Seen['object']) =>
        seen.push({
          type,
          name: object.metadata?.name,
          resourceVersion: object.metadata?.resourceVersion,
          object,
        }),
      () => undefined,
    );
    controllers.push(controller);
    return seen;
  };
  const namespace = async (name: string): Promise<void> => {
    await env.core.createNamespace({ body: { metadata: { name } } });
  };

  before(async () => {
    env = await startEnv({ bookmarkIntervalMs: 50 });
  });
  after(async () => {
    for (const c of controllers) c.abort();
    await env.server.stop();
  });

  it('sees create, update and delete in order, with increasing resourceVersions', async () => {
    await namespace('w1');
    const seen = await watch('/api/v1/namespaces/w1/configmaps');
    await env.core.createNamespacedConfigMap({
      namespace: 'w1',
      body: { metadata: { name: 'a' }, data: { v: '1' } },
    });
    await env.core.patchNamespacedConfigMap(
      { name: 'a', namespace: 'w1', body: { data: { v: '2' } } },
      merge,
    );
    await env.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'w1' });
    await waitFor(() => seen.length >= 3, 'three events');
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.name}`),
      ['ADDED a', 'MODIFIED a', 'DELETED a'],
    );
    const versions = seen.map((e) => Number(e.resourceVersion));
    assert.ok(versions[0] < versions[1] && versions[1] < versions[2], `increasing: ${versions.join(',')}`);
    assert.equal(seen[0].object.kind, 'ConfigMap');
  });

  it('starts with ADDED for existing objects when no resourceVersion is given', async () => {
    await namespace('w2');
    await env.core.createNamespacedConfigMap({ namespace: 'w2', body: { metadata: { name: 'pre' } } });
    const seen = await watch('/api/v1/namespaces/w2/configmaps');
    await waitFor(() => seen.length >= 1, 'the initial event');
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.name}`),
      ['ADDED pre'],
    );
  });

  it('resumes after a list resourceVersion without replaying older state', async () => {
    await namespace('w3');
    await env.core.createNamespacedConfigMap({ namespace: 'w3', body: { metadata: { name: 'old' } } });
    const list = await env.core.listNamespacedConfigMap({ namespace: 'w3' });
    await env.core.createNamespacedConfigMap({ namespace: 'w3', body: { metadata: { name: 'new' } } });
    await env.core.deleteNamespacedConfigMap({ name: 'old', namespace: 'w3' });
    const seen = await watch('/api/v1/namespaces/w3/configmaps', {
      resourceVersion: list.metadata?.resourceVersion ?? '',
    });
    await waitFor(() => seen.length >= 2, 'the replayed events');
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.name}`),
      ['ADDED new', 'DELETED old'],
    );
  });

  it('filters by label selector: leaving the selector is DELETED, entering it is ADDED', async () => {
    await namespace('w4');
    const seen = await watch('/api/v1/namespaces/w4/configmaps', { labelSelector: 'watched=yes' });
    await env.core.createNamespacedConfigMap({ namespace: 'w4', body: { metadata: { name: 'ignored' } } });
    await env.core.createNamespacedConfigMap({
      namespace: 'w4',
      body: { metadata: { name: 'x', labels: { watched: 'yes' } } },
    });
    await env.core.patchNamespacedConfigMap(
      { name: 'x', namespace: 'w4', body: { metadata: { labels: { watched: 'no' } } } },
      merge,
    );
    await env.core.patchNamespacedConfigMap(
      { name: 'x', namespace: 'w4', body: { metadata: { labels: { watched: 'yes' } } } },
      merge,
    );
    await waitFor(() => seen.length >= 3, 'three events');
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.name}`),
      ['ADDED x', 'DELETED x', 'ADDED x'],
    );
  });

  it('watches across namespaces and cluster-scoped resources', async () => {
    const seen = await watch('/api/v1/configmaps', {
      resourceVersion: String((await env.core.listConfigMapForAllNamespaces()).metadata?.resourceVersion),
    });
    const namespaces = await watch('/api/v1/namespaces', { resourceVersion: '0' });
    await namespace('w5');
    await env.core.createNamespacedConfigMap({ namespace: 'w5', body: { metadata: { name: 'anywhere' } } });
    await waitFor(() => seen.some((e) => e.name === 'anywhere'), 'the configmap event');
    await waitFor(() => namespaces.some((e) => e.type === 'ADDED' && e.name === 'w5'), 'the namespace event');
  });

  it('sends BOOKMARK events when allowed, and initial-events-end with sendInitialEvents', async () => {
    await namespace('w6');
    const plain = await watch('/api/v1/namespaces/w6/configmaps');
    const seen = await watch('/api/v1/namespaces/w6/configmaps', { allowWatchBookmarks: true });
    const bookmark = await waitFor(() => seen.find((e) => e.type === 'BOOKMARK'), 'a bookmark');
    assert.match(bookmark.resourceVersion ?? '', /^\d+$/);
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.equal(plain.length, 0, 'no bookmarks unless asked for');

    await env.core.createNamespacedConfigMap({ namespace: 'w6', body: { metadata: { name: 'first' } } });
    const streamed = await watch('/api/v1/namespaces/w6/configmaps', {
      allowWatchBookmarks: true,
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
    });
    const end = await waitFor(
      () =>
        streamed.find(
          (e) =>
            e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true',
        ),
      'the initial-events-end bookmark',
    );
    assert.equal(streamed[0].type, 'ADDED');
    assert.ok(streamed.indexOf(end) > 0);
  });

  it('feeds a client-node informer (list then watch)', async () => {
    await namespace('w7');
    await env.core.createNamespacedConfigMap({ namespace: 'w7', body: { metadata: { name: 'listed' } } });
    const informer = k8s.makeInformer(env.kc, '/api/v1/namespaces/w7/configmaps', () =>
      env.core.listNamespacedConfigMap({ namespace: 'w7' }),
    );
    const added: string[] = [];
    informer.on('add', (o: k8s.V1ConfigMap) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    try {
      await env.core.createNamespacedConfigMap({ namespace: 'w7', body: { metadata: { name: 'watched' } } });
      await waitFor(() => added.includes('watched'), 'the informer add event');
      assert.deepEqual(added, ['listed', 'watched']);
    } finally {
      await informer.stop();
    }
  });
});

describe('kube test server: watch history', () => {
  it('answers an ERROR event with 410 Expired for a resourceVersion older than the history', async () => {
    const env = await startEnv({ watchHistorySize: 3 });
    try {
      const start =
        (await env.core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion ?? '0';
      for (let i = 0; i < 5; i++)
        await env.core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: `c${i}` } },
        });
      const seen: Seen[] = [];
      let ended = false;
      await new k8s.Watch(env.kc).watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: start },
        (type, object: Seen['object']) => seen.push({ type, object }),
        () => {
          ended = true;
        },
      );
      await waitFor(() => ended && seen.length > 0, 'the watch to end with an error event');
      assert.equal(seen[0].type, 'ERROR');
      assert.equal(seen[0].object.code, 410);
      assert.equal(seen[0].object.reason, 'Expired');
    } finally {
      await env.server.stop();
    }
  });
});
