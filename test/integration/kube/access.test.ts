/**
 * Conformance of authentication and authorization: bearer tokens (401 Status when missing or
 * wrong), SubjectAccessReviews answered from the configured rules, impersonated requests checked
 * against them (403), and the RBAC escalation check the agent's executor validation relies on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { AccessRule } from '../../support/kube/index.ts';
import type { KubeEnv } from './support.ts';
import { failure, startEnv } from './support.ts';

const SA = 'system:serviceaccount:ns1:deployer';
const RULES: AccessRule[] = [
  { users: [SA], verbs: ['get', 'create'], apiGroups: [''], resources: ['configmaps'], namespaces: ['ns1'] },
  {
    groups: ['system:serviceaccounts:ns1'],
    verbs: ['list'],
    apiGroups: ['apps'],
    resources: ['deployments'],
  },
  {
    users: [SA],
    verbs: ['create'],
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles'],
    namespaces: ['ns1'],
  },
];

function configFor(url: string, user: Partial<k8s.User>): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('kube test server: bearer token authentication', () => {
  let env: KubeEnv;
  before(async () => {
    env = await startEnv({ token: true });
  });
  after(() => env.server.stop());

  it('accepts the token from its kubeconfig', async () => {
    assert.ok(env.server.token !== undefined && env.server.token.length > 20);
    const list = await env.core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'default'));
  });

  it('answers 401 Unauthorized without or with a wrong token', async () => {
    for (const user of [{}, { token: 'wrong' }]) {
      // The generic object API keeps error bodies (the typed APIs drop the body of a 401).
      const failed = await failure(
        k8s.KubernetesObjectApi.makeApiClient(configFor(env.server.url, user)).list('v1', 'Namespace'),
      );
      assert.equal(failed.code, 401);
      assert.equal(failed.status.kind, 'Status');
      assert.equal(failed.status.reason, 'Unauthorized');
      assert.equal(failed.status.message, 'Unauthorized');
    }
  });
});

describe('kube test server: access rules', () => {
  let env: KubeEnv;
  let asDeployer: k8s.KubeConfig;
  const review = (verb: string, resourceAttributes: Partial<k8s.V1ResourceAttributes>, groups?: string[]) =>
    env.kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: SA,
          ...(groups === undefined ? {} : { groups }),
          resourceAttributes: { verb, ...resourceAttributes },
        },
      },
    });

  before(async () => {
    env = await startEnv({ accessRules: RULES });
    await env.core.createNamespace({ body: { metadata: { name: 'ns1' } } });
    asDeployer = configFor(env.server.url, { impersonateUser: SA });
  });
  after(() => env.server.stop());

  it('answers SubjectAccessReviews from the rules', async () => {
    const allowed = await review('create', {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      namespace: 'ns1',
      name: 'x',
    });
    assert.equal(allowed.status?.allowed, true);
    assert.equal(allowed.spec.user, SA);
    const denied = await review('delete', { group: '', resource: 'configmaps', namespace: 'ns1' });
    assert.equal(denied.status?.allowed, false);
    const otherNamespace = await review('get', { group: '', resource: 'configmaps', namespace: 'default' });
    assert.equal(otherNamespace.status?.allowed, false);
    const byGroup = await review('list', { group: 'apps', resource: 'deployments', namespace: 'anywhere' }, [
      'system:serviceaccounts:ns1',
    ]);
    assert.equal(byGroup.status?.allowed, true);
  });

  it('follows rule changes made at run time', async () => {
    env.server.setAccessRules([...RULES, { users: [SA], verbs: ['delete'], resources: ['configmaps'] }]);
    try {
      assert.equal(
        (await review('delete', { group: '', resource: 'configmaps', namespace: 'ns1' })).status?.allowed,
        true,
      );
    } finally {
      env.server.setAccessRules(RULES);
    }
  });

  it('checks impersonated requests against the rules (403 Forbidden)', async () => {
    const core = asDeployer.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'ns1',
      body: { metadata: { name: 'mine' } },
    });
    assert.equal(created.metadata?.name, 'mine');
    const failed = await failure(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'theirs' } } }),
    );
    assert.equal(failed.code, 403);
    assert.equal(failed.status.reason, 'Forbidden');
    assert.equal(
      failed.status.message,
      `configmaps is forbidden: User "${SA}" cannot create resource "configmaps" in API group "" in the namespace "default"`,
    );
    const read = await failure(core.deleteNamespacedConfigMap({ name: 'mine', namespace: 'ns1' }));
    assert.equal(
      read.status.message,
      `configmaps "mine" is forbidden: User "${SA}" cannot delete resource "configmaps" in API group "" in the namespace "ns1"`,
    );
  });

  it('refuses an impersonated dry-run Role create that would escalate privileges', async () => {
    const rbac = asDeployer.makeApiClient(k8s.RbacAuthorizationV1Api);
    const role = (name: string, verbs: string[]): k8s.V1Role => ({
      metadata: { name, namespace: 'ns1' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }],
    });
    const ok = await rbac.createNamespacedRole({
      namespace: 'ns1',
      body: role('reader', ['get']),
      dryRun: 'All',
    });
    assert.equal(ok.metadata?.name, 'reader');
    const escalation = await failure(
      rbac.createNamespacedRole({ namespace: 'ns1', body: role('deleter', ['delete']), dryRun: 'All' }),
    );
    assert.equal(escalation.code, 403);
    assert.match(
      escalation.status.message,
      new RegExp(
        `^roles.rbac.authorization.k8s.io "deleter" is forbidden: user "${SA}" .* is attempting to grant RBAC permissions not currently held`,
      ),
    );
  });
});
