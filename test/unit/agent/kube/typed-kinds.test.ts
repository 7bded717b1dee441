import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideTypedUpdate,
  isTypedKind,
  prepareTypedManifest,
  SPEC_HASH_ANNOTATION,
} from '../../../../src/agent/kube/typed-kinds.ts';
import { sameUnstructured } from '../../../../src/agent/kube/apply-update.ts';
import { createSkipCache } from '../../../../src/agent/kube/skip-cache.ts';

test('typed kinds are matched on apiVersion and kind; others are unstructured', () => {
  assert.equal(isTypedKind({ apiVersion: 'v1', kind: 'ConfigMap' }), true);
  assert.equal(isTypedKind({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }), true);
  assert.equal(isTypedKind({ apiVersion: 'apps/v1', kind: 'Deployment' }), false);
  assert.equal(isTypedKind({ apiVersion: 'rbac.authorization.k8s.io/v1beta1', kind: 'Role' }), false);
});

test('Namespace, Pod and ServiceAccount reconcile metadata only', () => {
  const live = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: { containers: [{ name: 'c', image: 'old' }] },
  };
  const required = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { a: '1' } },
    spec: { containers: [{ name: 'c', image: 'new' }] },
  };
  assert.deepEqual(decideTypedUpdate(required, live), {});
  const relabelled = decideTypedUpdate({ ...required, metadata: { name: 'p', labels: { b: '2' } } }, live);
  assert.deepEqual(relabelled.update?.spec, live.spec);
  assert.deepEqual(relabelled.update?.metadata?.labels, { a: '1', b: '2' });
});

test('ConfigMap data is replaced when it differs; extra live keys go away', () => {
  const live = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', resourceVersion: '3' },
    data: { a: '1', extra: 'x' },
  };
  const decision = decideTypedUpdate(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } },
    live,
  );
  assert.deepEqual(decision.update?.data, { a: '1' });
  assert.equal(decision.update?.metadata?.resourceVersion, '3');
  assert.deepEqual(
    decideTypedUpdate(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', extra: 'x' } },
      live,
    ),
    {},
  );
});

test('Secret stringData folds into data, type defaults to Opaque, and a type change recreates', () => {
  const prepared = prepareTypedManifest({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    stringData: { k: 'v' },
  });
  assert.deepEqual(prepared.data, { k: Buffer.from('v').toString('base64') });
  assert.equal(prepared.stringData, undefined);
  assert.equal(prepared.type, 'Opaque');
  const live = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: prepared.data,
    type: 'Opaque',
  };
  assert.deepEqual(decideTypedUpdate(prepared, live), {});
  assert.equal(decideTypedUpdate({ ...prepared, type: 'kubernetes.io/tls' }, live).recreate, true);
  assert.throws(
    () =>
      prepareTypedManifest({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        data: { k: 'eA==' },
        stringData: { k: 'v' },
      }),
    /Secret.stringData\["k"\] conflicts with Secret.data\["k"\]/,
  );
});

test('Service gets a spec hash; a spec change shows as a new hash and replaces the spec keeping the cluster IP', () => {
  const svc = (port: number) =>
    prepareTypedManifest({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { selector: { app: 'a' }, ports: [{ port }] },
    });
  const v1 = svc(80);
  const v2 = svc(81);
  assert.match(v1.metadata?.annotations?.[SPEC_HASH_ANNOTATION] ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(
    v1.metadata?.annotations?.[SPEC_HASH_ANNOTATION],
    v2.metadata?.annotations?.[SPEC_HASH_ANNOTATION],
  );
  const live = { ...v1, spec: { ...(v1.spec as object), type: 'ClusterIP', clusterIP: '10.0.0.1' } };
  assert.deepEqual(decideTypedUpdate(v1, live), {});
  const decision = decideTypedUpdate(v2, live);
  assert.deepEqual(decision.update?.spec, {
    selector: { app: 'a' },
    ports: [{ port: 81 }],
    clusterIP: '10.0.0.1',
  });
});

test('a RoleBinding roleRef change recreates; a subjects change updates', () => {
  const rb = (role: string, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'b' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'User', name: user }],
  });
  assert.equal(decideTypedUpdate(rb('r2', 'u'), rb('r1', 'u')).recreate, true);
  assert.equal(decideTypedUpdate(rb('r1', 'v'), rb('r1', 'u')).recreate, false);
});

test('unstructured comparison ignores metadata and status but not spec or other top-level fields', () => {
  const a = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n', labels: { x: '1' } },
    spec: { replicas: 1 },
    status: { ready: 1 },
  };
  assert.equal(sameUnstructured(a, { ...a, metadata: { name: 'd', namespace: 'n' }, status: {} }), true);
  assert.equal(sameUnstructured(a, { ...a, spec: { replicas: 2 } }), false);
  assert.equal(sameUnstructured(a, { ...a, spec: { replicas: 1, paused: false } }), false);
  assert.equal(sameUnstructured(a, { ...a, apiVersion: 'apps/v1beta1' }), false);
});

test('the skip cache skips only an unchanged manifest over an unchanged object', () => {
  const cache = createSkipCache();
  const required = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n' },
    spec: { replicas: 1 },
  };
  const live = { ...required, metadata: { ...required.metadata, resourceVersion: '7' } };
  assert.equal(cache.safeToSkip(required, live), false);
  cache.record(required, live);
  assert.equal(cache.safeToSkip(required, live), true);
  assert.equal(
    cache.safeToSkip(required, { ...live, metadata: { ...live.metadata, resourceVersion: '8' } }),
    false,
  );
  assert.equal(cache.safeToSkip({ ...required, spec: { replicas: 2 } }, live), false);
});
