/**
 * Conformance of the test API server's discovery: /api, /apis, resource lists with verbs and
 * status subresources, 404 for unknown groups, and CRDs that become (and stop being) served.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { KubeEnv } from './support.ts';
import { failure, isGone, startEnv, waitFor } from './support.ts';

const widgetsCrd: k8s.V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: {
      plural: 'widgets',
      singular: 'widget',
      kind: 'Widget',
      listKind: 'WidgetList',
      shortNames: ['wg'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
      },
    ],
  },
};

/** Exposes client-node's discovery lookup (GET /apis/{group}/{version}, find the kind). */
class Discovery extends k8s.KubernetesObjectApi {
  lookup(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

describe('kube test server: discovery', () => {
  let env: KubeEnv;
  before(async () => {
    env = await startEnv();
  });
  after(() => env.server.stop());

  it('serves /api with the core version', async () => {
    const versions = await env.kc.makeApiClient(k8s.CoreApi).getAPIVersions();
    assert.equal(versions.kind, 'APIVersions');
    assert.deepEqual(versions.versions, ['v1']);
  });

  it('serves /apis with each group and its preferred version', async () => {
    const list = await env.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    assert.equal(list.kind, 'APIGroupList');
    const apps = list.groups.find((g) => g.name === 'apps');
    assert.deepEqual({ ...apps?.preferredVersion }, { groupVersion: 'apps/v1', version: 'v1' });
    for (const group of [
      'batch',
      'rbac.authorization.k8s.io',
      'apiextensions.k8s.io',
      'authorization.k8s.io',
    ]) {
      assert.ok(
        list.groups.some((g) => g.name === group),
        `group ${group} listed`,
      );
    }
  });

  it('lists the built-in core kinds with verbs, scope and status subresources', async () => {
    const list = await env.core.getAPIResources();
    assert.equal(list.groupVersion, 'v1');
    const byName = new Map(list.resources.map((r) => [r.name, r]));
    for (const [plural, kind, namespaced] of [
      ['namespaces', 'Namespace', false],
      ['configmaps', 'ConfigMap', true],
      ['secrets', 'Secret', true],
      ['services', 'Service', true],
      ['serviceaccounts', 'ServiceAccount', true],
      ['pods', 'Pod', true],
    ] as const) {
      const entry = byName.get(plural);
      assert.equal(entry?.kind, kind);
      assert.equal(entry?.namespaced, namespaced);
      assert.equal(entry?.singularName, kind.toLowerCase());
    }
    assert.deepEqual([...(byName.get('configmaps')?.verbs ?? [])].sort(), [
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    assert.deepEqual(byName.get('pods/status')?.verbs, ['get', 'patch', 'update']);
    assert.equal(byName.has('configmaps/status'), false);
  });

  it('lists the apps, batch and rbac kinds', async () => {
    const apps = await env.apps.getAPIResources();
    const names = apps.resources.map((r) => r.name);
    for (const name of ['deployments', 'deployments/status', 'daemonsets', 'statefulsets'])
      assert.ok(names.includes(name), name);
    const batch = await env.kc.makeApiClient(k8s.BatchV1Api).getAPIResources();
    assert.ok(batch.resources.some((r) => r.name === 'jobs' && r.kind === 'Job'));
    const rbac = await env.kc.makeApiClient(k8s.RbacAuthorizationV1Api).getAPIResources();
    const rbacKinds = new Map(rbac.resources.map((r) => [r.kind, r.namespaced]));
    assert.deepEqual(Object.fromEntries(rbacKinds), {
      Role: true,
      RoleBinding: true,
      ClusterRole: false,
      ClusterRoleBinding: false,
    });
    const ext = await env.extensions.getAPIResources();
    assert.ok(ext.resources.some((r) => r.name === 'customresourcedefinitions' && r.namespaced === false));
  });

  it('answers 404 NotFound for an unknown group/version', async () => {
    const failed = await failure(env.objects.list('nothing.example.com/v1', 'Thing'));
    assert.equal(failed.code, 404);
    assert.equal(failed.status.reason, 'NotFound');
    const unknownVersion = await failure(env.objects.list('apps/v9', 'Deployment'));
    assert.equal(unknownVersion.code, 404);
  });

  it('serves a created CRD: discovery, creatable custom resources, gone after the CRD is deleted', async () => {
    await env.extensions.createCustomResourceDefinition({ body: widgetsCrd });
    const established = await waitFor(async () => {
      const crd = await env.extensions.readCustomResourceDefinition({ name: 'widgets.example.com' });
      return crd.status?.conditions?.find((c) => c.type === 'Established' && c.status === 'True');
    }, 'the CRD to be Established');
    assert.equal(established.reason, 'InitialNamesAccepted');

    const groups = await env.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    assert.ok(groups.groups.some((g) => g.name === 'example.com'));
    const resource = await env.kc.makeApiClient(Discovery).lookup('example.com/v1', 'Widget');
    assert.equal(resource?.name, 'widgets');
    assert.equal(resource?.namespaced, true);

    const created = (await env.custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 3 },
        status: { ready: true },
      },
    })) as { metadata: { generation: number; uid: string }; spec: unknown; status?: unknown };
    assert.equal(created.metadata.generation, 1);
    assert.deepEqual(created.spec, { size: 3 });
    assert.equal(
      created.status,
      undefined,
      'status is dropped on create when the CRD has a status subresource',
    );

    const list = (await env.custom.listNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
    })) as {
      kind: string;
      items: { kind: string; apiVersion: string }[];
    };
    assert.equal(list.kind, 'WidgetList');
    assert.equal(list.items[0].kind, 'Widget', 'custom resource list items carry their kind');

    await env.extensions.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
    await waitFor(
      () => isGone(env.extensions.readCustomResourceDefinition({ name: 'widgets.example.com' })),
      'the CRD to go',
    );
    const after = await env.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    assert.equal(
      after.groups.some((g) => g.name === 'example.com'),
      false,
    );
    const gone = await failure(
      env.custom.listNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: 'default',
        plural: 'widgets',
      }),
    );
    assert.equal(gone.code, 404);
  });

  it('rejects a CRD whose name is not <plural>.<group>', async () => {
    const failed = await failure(
      env.extensions.createCustomResourceDefinition({
        body: { ...widgetsCrd, metadata: { name: 'wrong.example.com' } },
      }),
    );
    assert.equal(failed.code, 422);
    assert.equal(failed.status.reason, 'Invalid');
    assert.match(
      failed.status.message,
      /^CustomResourceDefinition\.apiextensions\.k8s\.io "wrong\.example\.com" is invalid: metadata\.name/,
    );
  });
});
