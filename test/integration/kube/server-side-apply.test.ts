/**
 * Conformance of server-side apply: creation, managedFields in the real FieldsV1 format, conflicts
 * between field managers (with and without force), shared ownership, removal of fields a manager
 * stops applying, associative lists merged by key, atomic lists, YAML bodies, and applies that
 * leave alone fields they do not own (ownerReferences added by a merge patch).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { KubeEnv } from './support.ts';
import { failure, startEnv } from './support.ts';

type Obj = k8s.KubernetesObject & Record<string, unknown>;

describe('kube test server: server-side apply', () => {
  let env: KubeEnv;
  const apply = (object: Obj, manager: string, force = false): Promise<Obj> =>
    env.objects.patch(
      object,
      undefined,
      undefined,
      manager,
      force,
      k8s.PatchStrategy.ServerSideApply,
    ) as Promise<Obj>;
  const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', ...(labels === undefined ? {} : { labels }) },
    data,
  });
  const managers = (object: Obj): Record<string, { operation?: string; fieldsV1?: object }> =>
    Object.fromEntries(
      (object.metadata?.managedFields ?? []).map((m) => [
        m.manager ?? '',
        { operation: m.operation, fieldsV1: m.fieldsV1 },
      ]),
    );

  before(async () => {
    env = await startEnv();
  });
  after(() => env.server.stop());

  it('creates the object and records the manager as Apply with FieldsV1', async () => {
    const created = await apply(configMap('cm1', { k: 'v' }, { app: 'x' }), 'alpha');
    assert.deepEqual(created.data, { k: 'v' });
    assert.equal(created.metadata?.managedFields?.length, 1);
    const [entry] = created.metadata?.managedFields ?? [];
    assert.equal(entry.manager, 'alpha');
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.apiVersion, 'v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.deepEqual(entry.fieldsV1, {
      'f:data': { 'f:k': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} } },
    });
  });

  it('keeps the resourceVersion when the same configuration is applied again', async () => {
    const first = await apply(configMap('same', { k: 'v' }), 'alpha');
    const again = await apply(configMap('same', { k: 'v' }), 'alpha');
    assert.equal(again.metadata?.resourceVersion, first.metadata?.resourceVersion);
  });

  it('refuses a conflicting apply from another manager with 409 and FieldManagerConflict causes', async () => {
    const failed = await failure(apply(configMap('cm1', { k: 'other' }), 'beta'));
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, 'Conflict');
    assert.equal(failed.status.message, 'Apply failed with 1 conflict: conflict with "alpha": .data.k');
    assert.deepEqual(failed.status.details?.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "alpha"', field: '.data.k' },
    ]);
    const live = await env.core.readNamespacedConfigMap({ name: 'cm1', namespace: 'default' });
    assert.deepEqual(live.data, { k: 'v' }, 'nothing changed');
  });

  it('lists every conflicting field, grouped by manager', async () => {
    const failed = await failure(apply(configMap('cm1', { k: 'other' }, { app: 'y' }), 'beta'));
    assert.equal(
      failed.status.message,
      'Apply failed with 2 conflicts: conflicts with "alpha":\n- .data.k\n- .metadata.labels.app',
    );
    assert.deepEqual(failed.status.details?.causes?.map((c) => c.field).sort(), [
      '.data.k',
      '.metadata.labels.app',
    ]);
  });

  it('shares ownership when another manager applies the same value', async () => {
    const shared = await apply(configMap('cm1', { k: 'v' }), 'beta');
    const owners = managers(shared);
    assert.deepEqual(owners.alpha.fieldsV1, {
      'f:data': { 'f:k': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} } },
    });
    assert.deepEqual(owners.beta.fieldsV1, { 'f:data': { 'f:k': {} } });
  });

  it('takes ownership with force', async () => {
    const forced = await apply(configMap('cm1', { k: 'forced' }), 'beta', true);
    assert.deepEqual(forced.data, { k: 'forced' });
    const owners = managers(forced);
    assert.deepEqual(
      owners.alpha.fieldsV1,
      { 'f:metadata': { 'f:labels': { 'f:app': {} } } },
      'alpha lost .data.k',
    );
    assert.deepEqual(owners.beta.fieldsV1, { 'f:data': { 'f:k': {} } });
  });

  it('removes fields a manager stops applying, unless another manager owns them', async () => {
    await apply(configMap('cm2', { a: '1', b: '2', c: '3' }), 'alpha');
    await apply(configMap('cm2', { c: '3' }), 'beta');
    const dropped = await apply(configMap('cm2', { a: '1' }), 'alpha');
    assert.deepEqual(dropped.data, { a: '1', c: '3' }, 'b was removed; c is still owned by beta');
    assert.deepEqual(managers(dropped).alpha.fieldsV1, { 'f:data': { 'f:a': {} } });
  });

  it('conflicts with a non-apply manager, naming its apiVersion', async () => {
    await env.core.patchNamespacedConfigMap(
      { name: 'cm2', namespace: 'default', body: { data: { a: 'edited' } }, fieldManager: 'editor' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const failed = await failure(apply(configMap('cm2', { a: '1' }), 'alpha'));
    assert.equal(failed.status.details?.causes?.[0].message, 'conflict with "editor" using v1');
    assert.equal(failed.status.details?.causes?.[0].field, '.data.a');
  });

  it('requires a fieldManager (422)', async () => {
    const failed = await failure(
      env.objects.patch(
        configMap('cm3', { a: '1' }),
        undefined,
        undefined,
        undefined,
        undefined,
        k8s.PatchStrategy.ServerSideApply,
      ),
    );
    assert.equal(failed.code, 422);
    assert.equal(
      failed.status.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  });

  it('accepts a YAML body', async () => {
    const yamlBody = stringify(configMap('from-yaml', { format: 'yaml' }));
    const setType = k8s.setHeaderMiddleware('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const asYaml = {
      middleware: [
        {
          pre: (context: k8s.RequestContext) => (context.setBody(yamlBody), setType.pre(context)),
          post: setType.post,
        },
      ],
      middlewareMergeStrategy: 'append' as const,
    };
    const created = await env.core.patchNamespacedConfigMap(
      { name: 'from-yaml', namespace: 'default', body: {}, fieldManager: 'yaml-user' },
      asYaml,
    );
    assert.deepEqual(created.data, { format: 'yaml' });
    assert.equal(created.metadata?.managedFields?.[0].operation, 'Apply');
  });

  it('merges associative lists by key (containers, env, ports) and owns items as k:{…}', async () => {
    const base: Obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'lists', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'lists' } },
        template: {
          metadata: { labels: { app: 'lists' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1',
                args: ['a', 'b'],
                env: [{ name: 'A', value: '1' }],
                ports: [{ containerPort: 80 }],
              },
            ],
          },
        },
      },
    };
    const created = await apply(base, 'alpha');
    const fields = managers(created).alpha.fieldsV1 as Record<string, Record<string, unknown>>;
    const containerFields = (
      ((fields['f:spec']['f:template'] as Record<string, unknown>)['f:spec'] as Record<string, unknown>)[
        'f:containers'
      ] as Record<string, unknown>
    )['k:{"name":"app"}'] as Record<string, unknown>;
    assert.deepEqual(containerFields['.'], {});
    assert.deepEqual(containerFields['f:ports'], {
      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
    });
    assert.deepEqual(containerFields['f:env'], {
      'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
    });
    assert.deepEqual(containerFields['f:args'], {}, 'args is an atomic list: one leaf');
    assert.deepEqual(
      (fields['f:spec'] as Record<string, unknown>)['f:selector'],
      {},
      'a LabelSelector is atomic',
    );

    const withSidecar = await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'lists', namespace: 'default' },
        spec: {
          template: {
            spec: { containers: [{ name: 'sidecar', image: 'busybox', env: [{ name: 'S', value: 's' }] }] },
          },
        },
      },
      'beta',
    );
    const containers = (withSidecar.spec as k8s.V1DeploymentSpec).template.spec?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => c.name),
      ['app', 'sidecar'],
    );

    const reapplied = await apply(
      {
        ...base,
        spec: {
          ...(base.spec as object),
          template: {
            metadata: { labels: { app: 'lists' } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'nginx:2',
                  args: ['c'],
                  env: [{ name: 'B', value: '2' }],
                  ports: [{ containerPort: 80 }],
                },
              ],
            },
          },
        },
      },
      'alpha',
    );
    const after = (reapplied.spec as k8s.V1DeploymentSpec).template.spec?.containers ?? [];
    assert.deepEqual(
      after.map((c) => c.name),
      ['app', 'sidecar'],
      "beta's container survives alpha's re-apply",
    );
    const app = after.find((c) => c.name === 'app');
    assert.equal(app?.image, 'nginx:2');
    assert.deepEqual(app?.args, ['c'], 'atomic list replaced');
    assert.deepEqual(
      app?.env?.map((e) => e.name),
      ['B'],
      'env A dropped by its only manager, B added',
    );
  });

  it('does not touch ownerReferences the applier does not own', async () => {
    const owner = await env.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'the-owner' } },
    });
    const applied = await apply(configMap('owned', { a: '1' }), 'work-agent');
    await env.core.patchNamespacedConfigMap(
      {
        name: 'owned',
        namespace: 'default',
        body: {
          metadata: {
            uid: applied.metadata?.uid,
            resourceVersion: applied.metadata?.resourceVersion,
            ownerReferences: [
              { apiVersion: 'v1', kind: 'ConfigMap', name: 'the-owner', uid: owner.metadata?.uid ?? '' },
            ],
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const reapplied = await apply(configMap('owned', { a: '2' }), 'work-agent');
    assert.deepEqual(
      reapplied.metadata?.ownerReferences?.map((o) => o.name),
      ['the-owner'],
    );
    assert.deepEqual(reapplied.data, { a: '2' });
  });

  it('applies to /status only through the status subresource', async () => {
    await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'st', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'st' } },
          template: {
            metadata: { labels: { app: 'st' } },
            spec: { containers: [{ name: 'c', image: 'i' }] },
          },
        },
        status: { replicas: 4 },
      },
      'alpha',
    );
    const read = (await env.apps.readNamespacedDeployment({
      name: 'st',
      namespace: 'default',
    })) as k8s.V1Deployment;
    assert.deepEqual({ ...read.status }, {}, 'status in a main-resource apply is ignored');
    const status = await env.apps.patchNamespacedDeploymentStatus(
      {
        name: 'st',
        namespace: 'default',
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'st' },
          status: { readyReplicas: 2 },
        },
        fieldManager: 'ctrl',
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    assert.equal(status.status?.readyReplicas, 2);
    const entry = status.metadata?.managedFields?.find((m) => m.manager === 'ctrl');
    assert.equal(entry?.subresource, 'status');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:readyReplicas': {} } });
  });
});
