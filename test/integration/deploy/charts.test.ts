/**
 * The Helm charts' static files: Chart.yaml and values.yaml parse and describe the chart, the
 * AppliedManifestWork CRD shipped in the agent chart is byte-identical to deploy/crds/, every
 * `.Values` path a template reads is declared in values.yaml, and the plain manifests carry the
 * chart defaults (there is no helm binary here to render the templates).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ManifestObject } from './deploy-files.ts';
import {
  CHART_DIRS,
  containersOf,
  DEPLOY_DIR,
  KUBERNETES_DIR,
  listFiles,
  podTemplateOf,
  readObjects,
  readYamlDocuments,
} from './deploy-files.ts';

type Values = Record<string, unknown>;

const valuesOf = (chartDir: string): Values => readYamlDocuments(join(chartDir, 'values.yaml'))[0] as Values;

/** The value at a dotted path, or `undefined` when a segment is missing. */
function lookup(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const plain = readObjects(KUBERNETES_DIR);
const deploymentIn = (namespace: string): ManifestObject => {
  const found = plain.find((m) => m.object.kind === 'Deployment' && m.object.metadata.namespace === namespace);
  assert.ok(found, `a Deployment in ${namespace}`);
  return found.object;
};
const portsOf = (object: ManifestObject): Record<string, number> =>
  Object.fromEntries(
    containersOf(podTemplateOf(object)).flatMap((c) => (c.ports ?? []).map((p) => [p.name, p.containerPort])),
  );

for (const [role, chartDir] of Object.entries(CHART_DIRS)) {
  describe(`helm chart ${basename(chartDir)}`, () => {
    it('has a v2 Chart.yaml named after its folder', () => {
      const chart = readYamlDocuments(join(chartDir, 'Chart.yaml'))[0] as Record<string, string>;
      assert.equal(chart.apiVersion, 'v2');
      assert.equal(chart.name, basename(chartDir));
      assert.match(chart.version ?? '', /^\d+\.\d+\.\d+$/);
      assert.equal(chart.type, 'application');
      assert.ok(chart.description && chart.appVersion);
    });

    it('declares every .Values path its templates read', () => {
      const values = valuesOf(chartDir);
      const templates = listFiles(join(chartDir, 'templates'), ['.yaml', '.tpl']);
      let count = 0;
      for (const path of templates) {
        for (const match of readFileSync(path, 'utf8').matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
          count += 1;
          const key = (match[1] as string).replace(/\.$/, '');
          assert.notEqual(lookup(values, key), undefined, `${basename(path)} reads .Values.${key}, missing in values.yaml`);
        }
      }
      assert.ok(count > 10, `${role} templates read values`);
    });

    it('sets the image the plain manifests use', () => {
      const image = valuesOf(chartDir).image as { repository: string; tag: string };
      const namespace = role === 'server' ? 'maestro' : 'maestro-agent';
      for (const container of containersOf(podTemplateOf(deploymentIn(namespace)))) {
        assert.equal(container.image, `${image.repository}:${image.tag}`);
      }
    });
  });
}

describe('chart defaults mirrored by deploy/kubernetes', () => {
  it('server: the upstream ports and the grpc broker', () => {
    const values = valuesOf(CHART_DIRS.server);
    const ports = lookup(values, 'server.ports') as Record<string, number>;
    assert.deepEqual(ports, { http: 8000, grpc: 8090, grpcBroker: 8091, metrics: 8080, health: 8083 });
    assert.deepEqual(portsOf(deploymentIn('maestro')), {
      http: ports.http,
      grpc: ports.grpc,
      'grpc-broker': ports.grpcBroker,
      metrics: ports.metrics,
      health: ports.health,
    });
    assert.equal(lookup(values, 'messageBroker.type'), 'grpc');
    const args = podTemplateOf(deploymentIn('maestro')).spec.containers[0]?.args ?? [];
    assert.ok(args.includes('--message-broker-type=grpc'));
    assert.ok(args.includes(`--source-id=${String(lookup(values, 'server.sourceId'))}`));
    assert.ok(args.includes(`--heartbeat-interval=${String(lookup(values, 'server.heartbeatInterval'))}`));
    assert.ok(args.includes(`--db-max-open-connections=${String(lookup(values, 'database.maxOpenConnections'))}`));
  });

  it('agent: consumer, broker and tuning flags', () => {
    const values = valuesOf(CHART_DIRS.agent);
    const args = podTemplateOf(deploymentIn('maestro-agent')).spec.containers[0]?.args ?? [];
    assert.deepEqual(portsOf(deploymentIn('maestro-agent')), { health: lookup(values, 'agent.healthPort') });
    for (const [flag, path] of [
      ['consumer-name', 'consumerName'],
      ['workload-source-driver', 'messageBroker.type'],
      ['status-sync-interval', 'agent.statusSyncInterval'],
      ['appliedmanifestwork-eviction-grace-period', 'agent.evictionGracePeriod'],
      ['max-json-raw-length', 'agent.maxJsonRawLength'],
      ['kube-api-qps', 'agent.kubeApiQps'],
      ['kube-api-burst', 'agent.kubeApiBurst'],
      ['health-port', 'agent.healthPort'],
    ] as const) {
      assert.ok(args.includes(`--${flag}=${String(lookup(values, path))}`), `--${flag} = values ${path}`);
    }
    const secret = plain.find((m) => m.object.kind === 'Secret' && m.object.metadata.name === 'maestro-agent-broker');
    const config = (secret?.object.stringData as Record<string, string>)['config.yaml'] ?? '';
    assert.deepEqual(parseYaml(config), lookup(values, 'messageBroker.config'));
  });
});

describe('AppliedManifestWork CRD in the agent chart', () => {
  it('is a byte-identical copy of deploy/crds/appliedmanifestworks.yaml', () => {
    const source = readFileSync(join(DEPLOY_DIR, 'crds', 'appliedmanifestworks.yaml'));
    const copy = readFileSync(join(CHART_DIRS.agent, 'crds', 'appliedmanifestworks.yaml'));
    assert.ok(
      copy.equals(source),
      'deploy/helm/maestro-agent/crds/appliedmanifestworks.yaml differs: cp deploy/crds/appliedmanifestworks.yaml deploy/helm/maestro-agent/crds/',
    );
  });

  it('holds only parseable CRDs', () => {
    for (const path of listFiles(join(CHART_DIRS.agent, 'crds'), ['.yaml', '.yml'])) {
      for (const doc of readYamlDocuments(path)) {
        assert.equal((doc as ManifestObject).kind, 'CustomResourceDefinition', basename(path));
      }
    }
  });
});
