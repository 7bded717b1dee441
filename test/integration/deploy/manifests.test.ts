/**
 * The plain manifests in deploy/kubernetes: every object is accepted by the Kubernetes test API
 * server, and the objects fit together (selectors, ports, Secrets, ServiceAccounts, RBAC, the agent's
 * broker address) the way a real cluster would need them to.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parseGrpcClientConfig } from '../../../src/transport/index.ts';
import type { KubeTestServer } from '../../support/kube/index.ts';
import { startKubeTestServer } from '../../support/kube/index.ts';
import { waitFor } from '../kube/support.ts';
import type { LocatedObject, ManifestObject } from './deploy-files.ts';
import { containersOf, DEPLOY_DIR, KUBERNETES_DIR, podTemplateOf, readObjects } from './deploy-files.ts';

const manifests = readObjects(KUBERNETES_DIR);
const crds = readObjects(join(DEPLOY_DIR, 'crds'));

/** prometheus-operator's ServiceMonitor type, as installed on a cluster that runs it (schema elided). */
const serviceMonitorCrd: ManifestObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
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

const byKind = (kind: string): LocatedObject[] => manifests.filter((m) => m.object.kind === kind);
const find = (kind: string, name: string, namespace?: string): ManifestObject | undefined =>
  byKind(kind).find((m) => m.object.metadata.name === name && m.object.metadata.namespace === namespace)?.object;
const where = (m: LocatedObject): string =>
  `${m.file}: ${m.object.kind} ${m.object.metadata.namespace ?? ''}/${m.object.metadata.name}`;

/** Secret data as the API server would store it (stringData merged in). */
function secretData(secret: ManifestObject): Record<string, string> {
  const data = Object.fromEntries(
    Object.entries((secret.data as Record<string, string> | undefined) ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString('utf8'),
    ]),
  );
  return { ...data, ...((secret.stringData as Record<string, string> | undefined) ?? {}) };
}

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('deploy/kubernetes', () => {
  it('holds a server, an agent, RBAC and namespaces', () => {
    const kinds = new Set(manifests.map((m) => m.object.kind));
    for (const kind of ['Namespace', 'Deployment', 'Service', 'Secret', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']) {
      assert.ok(kinds.has(kind), `no ${kind} in deploy/kubernetes`);
    }
    assert.ok(find('Deployment', 'maestro', 'maestro'), 'server Deployment maestro/maestro');
    assert.ok(find('Deployment', 'maestro-agent', 'maestro-agent'), 'agent Deployment maestro-agent/maestro-agent');
  });

  it('gives every object an apiVersion, kind and name, and namespaces only namespaced kinds', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
    for (const m of manifests) {
      assert.equal(typeof m.object.apiVersion, 'string', `${m.file}: apiVersion`);
      assert.equal(typeof m.object.kind, 'string', `${m.file}: kind`);
      assert.equal(typeof m.object.metadata?.name, 'string', `${m.file}: metadata.name`);
      assert.equal(m.object.metadata.namespace === undefined, clusterScoped.has(m.object.kind), where(m));
    }
  });

  describe('applied to the Kubernetes test API server', () => {
    let server: KubeTestServer;
    let objects: k8s.KubernetesObjectApi;

    before(async () => {
      server = await startKubeTestServer();
      objects = k8s.KubernetesObjectApi.makeApiClient(server.kubeConfig());
    });
    after(async () => {
      await server?.stop();
    });

    it('accepts every object (CRDs and namespaces first)', async () => {
      const rank = (o: ManifestObject): number =>
        o.kind === 'CustomResourceDefinition' ? 0 : o.kind === 'Namespace' ? 1 : 2;
      const ordered = [...crds.map((c) => c.object), serviceMonitorCrd, ...[...manifests.map((m) => m.object)].sort((a, b) => rank(a) - rank(b))];
      for (const object of ordered) {
        const label = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        // A CRD's type is served shortly after the CRD is created, as on a real cluster: retry
        // NotFound (type not served yet) until a deadline, fail on anything else.
        await waitFor(async () => {
          try {
            await objects.create(object as k8s.KubernetesObject);
            return true;
          } catch (err) {
            if (err instanceof k8s.ApiException && err.code === 404 && object.kind === 'ServiceMonitor') return false;
            throw new Error(`${label} rejected: ${err instanceof k8s.ApiException ? String(err.body) : String(err)}`);
          }
        }, `${label} to be accepted`);
      }
      for (const { object } of manifests) {
        const stored = await objects.read({
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
        });
        assert.equal(stored.metadata?.name, object.metadata.name);
        assert.ok(stored.metadata?.uid, `${object.kind} ${object.metadata.name} stored with a uid`);
      }
    });
  });

  it('wires each Deployment to its ServiceAccount, Secrets and probe ports', () => {
    for (const m of byKind('Deployment')) {
      const template = podTemplateOf(m.object);
      const namespace = m.object.metadata.namespace;
      const selector = (m.object.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      assert.ok(matches(selector, template.metadata.labels), `${where(m)}: selector matches the pod labels`);
      const sa = template.spec.serviceAccountName;
      assert.ok(sa && find('ServiceAccount', sa, namespace), `${where(m)}: ServiceAccount ${sa} is in the manifests`);
      const volumes = new Map((template.spec.volumes ?? []).map((v) => [v.name, v]));
      for (const volume of volumes.values()) {
        if (volume.secret === undefined) continue;
        assert.ok(find('Secret', volume.secret.secretName, namespace), `${where(m)}: Secret ${volume.secret.secretName}`);
      }
      for (const container of containersOf(template)) {
        for (const mount of container.volumeMounts ?? []) {
          assert.ok(volumes.has(mount.name), `${where(m)}: ${container.name} mounts declared volume ${mount.name}`);
        }
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (ref === undefined) continue;
          const secret = find('Secret', ref.name, namespace);
          assert.ok(secret && ref.key in secretData(secret), `${where(m)}: ${env.name} from ${ref.name}/${ref.key}`);
        }
        const portNames = new Set((container.ports ?? []).map((p) => p.name));
        for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
          if (probe?.httpGet === undefined) continue;
          assert.ok(portNames.has(String(probe.httpGet.port)), `${where(m)}: probe port ${probe.httpGet.port}`);
        }
      }
    }
  });

  it('probes the server on /livez and /healthcheck and the agent on /livez and /readyz', () => {
    const server = containersOf(podTemplateOf(find('Deployment', 'maestro', 'maestro') as ManifestObject)).find(
      (c) => c.name === 'server',
    );
    assert.equal(server?.livenessProbe?.httpGet?.path, '/livez');
    assert.equal(server?.readinessProbe?.httpGet?.path, '/healthcheck');
    const agent = podTemplateOf(find('Deployment', 'maestro-agent', 'maestro-agent') as ManifestObject).spec.containers[0];
    assert.equal(agent?.livenessProbe?.httpGet?.path, '/livez');
    assert.equal(agent?.readinessProbe?.httpGet?.path, '/readyz');
  });

  it('exposes the upstream ports through Services that select a pod with those named ports', () => {
    const exposed = new Map<string, number>();
    for (const m of byKind('Service')) {
      const spec = m.object.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
      const pods = byKind('Deployment')
        .filter((d) => d.object.metadata.namespace === m.object.metadata.namespace)
        .map((d) => podTemplateOf(d.object))
        .filter((t) => matches(spec.selector, t.metadata.labels));
      assert.equal(pods.length, 1, `${where(m)} selects one Deployment`);
      const containerPorts = new Map(containersOf(pods[0]!).flatMap((c) => (c.ports ?? []).map((p) => [p.name, p.containerPort])));
      for (const port of spec.ports) {
        assert.equal(containerPorts.get(port.targetPort), port.port, `${where(m)}: ${port.name} → ${port.targetPort}`);
        if (m.object.metadata.namespace === 'maestro') exposed.set(port.name, port.port);
      }
    }
    assert.deepEqual(Object.fromEntries(exposed), { http: 8000, grpc: 8090, metrics: 8080, health: 8083, 'grpc-broker': 8091 });
  });

  it('points the agent at the server grpc-broker Service with a config the agent parses', () => {
    const secret = find('Secret', 'maestro-agent-broker', 'maestro-agent') as ManifestObject;
    const config = parseGrpcClientConfig(secretData(secret)['config.yaml'] ?? '', { origin: 'maestro-agent-broker' });
    const [host, port] = config.url.split(':');
    const [service, namespace] = (host ?? '').split('.');
    const target = find('Service', service ?? '', namespace) as ManifestObject | undefined;
    assert.ok(target, `Service ${host} is in the manifests`);
    const ports = (target.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
    assert.ok(ports.includes(Number(port)), `${host} exposes ${port}`);
  });

  it('binds the agent to its own ClusterRole (upstream rules) and to cluster-admin', () => {
    const bindings = byKind('ClusterRoleBinding').map((b) => b.object as ManifestObject & {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    });
    for (const binding of bindings) {
      for (const subject of binding.subjects) {
        assert.ok(find(subject.kind, subject.name, subject.namespace), `${binding.metadata.name}: subject ${subject.name}`);
      }
      assert.ok(
        binding.roleRef.name === 'cluster-admin' || find('ClusterRole', binding.roleRef.name),
        `${binding.metadata.name}: roleRef ${binding.roleRef.name}`,
      );
    }
    assert.deepEqual(bindings.map((b) => b.roleRef.name).sort(), ['cluster-admin', 'maestro-agent:agent']);
    const rules = (find('ClusterRole', 'maestro-agent:agent') as ManifestObject & {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    }).rules;
    const verbsOn = (resource: string): string[] =>
      rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs).sort();
    assert.deepEqual(verbsOn('appliedmanifestworks'), ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(verbsOn('appliedmanifestworks/status'), ['patch', 'update']);
    assert.deepEqual(verbsOn('appliedmanifestworks/finalizers'), ['update']);
    assert.deepEqual(verbsOn('subjectaccessreviews'), ['create']);
    assert.deepEqual(verbsOn('serviceaccounts'), ['impersonate']);
  });

  it('scrapes ServiceMonitor ports that exist on the Services they select', () => {
    const monitors = byKind('ServiceMonitor');
    assert.equal(monitors.length, 2);
    for (const m of monitors) {
      const spec = m.object.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      const ports = byKind('Service')
        .filter((s) => s.object.metadata.namespace === m.object.metadata.namespace)
        .filter((s) => matches(spec.selector.matchLabels, s.object.metadata.labels))
        .flatMap((s) => (s.object.spec as { ports: { name: string }[] }).ports.map((p) => p.name));
      for (const endpoint of spec.endpoints) {
        assert.ok(ports.includes(endpoint.port), `${where(m)}: port ${endpoint.port}`);
        assert.equal(endpoint.path, '/metrics');
      }
    }
  });

  it('keeps the server database URL out of the container args', () => {
    const template = podTemplateOf(find('Deployment', 'maestro', 'maestro') as ManifestObject);
    for (const container of containersOf(template)) {
      assert.ok(!(container.args ?? []).some((a) => a.startsWith('--db-url')), `${container.name} args`);
      assert.ok(container.env?.some((e) => e.name === 'MAESTRO_DB_URL' && e.valueFrom?.secretKeyRef));
    }
  });
});
