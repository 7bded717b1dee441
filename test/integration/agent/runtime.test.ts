/**
 * The agent runtime with its real Kubernetes side against the Kubernetes test API server, over the
 * in-memory broker. The test plays the Maestro server: it sends spec events and answers the agent's
 * spec resync requests as the server does (newer versions, deletions for unknown ids).
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentEventCodec } from '../../../src/agent/agent-codec.ts';
import { createAgentRuntime } from '../../../src/agent/agent-runtime.ts';
import type { AgentRuntime } from '../../../src/agent/agent-runtime.ts';
import {
  appliedManifestWorkName,
  createKubeClient,
  createWorkApplier,
  hubHash,
} from '../../../src/agent/kube/index.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createMemoryBroker } from '../../../src/transport/memory.ts';
import type { MemoryBroker } from '../../../src/transport/memory.ts';
import type { Manifest, ManifestBundle, ManifestBundleStatus } from '../../../src/work/types.ts';
import { startKubeTestServer } from '../../support/kube/index.ts';
import type { KubeTestServer } from '../../support/kube/index.ts';
import {
  agentKubeConfig,
  installAppliedManifestWorkCrd,
  markDeploymentAvailable,
  waitFor,
} from '../../support/agent/kube-fixtures.ts';
import { FakeMaestro, conditionOf } from '../../support/agent/fake-maestro.ts';

const CLUSTER = 'cluster1';
const HUB = hubHash('memory-broker');
const UID = '55c61e54-a3f6-563d-9fec-b1fe297bdfdb';

const deployment = (image: string): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
  },
});
const configMap = (value: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { key: value },
});
const bundle = (image: string, value: string, propagationPolicy?: 'Orphan'): ManifestBundle => ({
  manifests: [deployment(image), configMap(value)],
  manifestConfigs: [
    {
      resourceIdentifier: { group: 'apps', resource: 'deployments', name: 'web', namespace: 'default' },
      feedbackRules: [{ type: 'WellKnownStatus' }],
    },
  ],
  ...(propagationPolicy ? { deleteOption: { propagationPolicy } } : {}),
});

interface World {
  kube: KubeTestServer;
  broker: MemoryBroker;
  maestro: FakeMaestro;
  startAgent(): Promise<AgentRuntime>;
}

async function setup(t: TestContext): Promise<World> {
  const kube = await startKubeTestServer();
  t.after(() => kube.stop());
  await installAppliedManifestWorkCrd(kube);
  const broker = createMemoryBroker();
  const maestro = new FakeMaestro(broker, CLUSTER);
  await maestro.start();
  t.after(() => maestro.transport.stop());
  const startAgent = async (): Promise<AgentRuntime> => {
    const logger = createSilentLogger();
    const client = createKubeClient({ kubeConfig: agentKubeConfig(kube), logger });
    const applier = createWorkApplier({ client, hubHash: HUB, logger });
    const agent = createAgentRuntime({
      consumerName: CLUSTER,
      transport: broker.createAgentTransport(CLUSTER),
      codec: createAgentEventCodec({ clientId: `${CLUSTER}-work-agent`, clusterName: CLUSTER }),
      applier,
      registry: applier,
      logger,
      statusSyncIntervalMs: 100,
      evictionGracePeriodMs: 60 * 60_000,
      deletionPollMs: 20,
      retryBaseMs: 20,
    });
    t.after(() => agent.stop());
    await agent.start();
    return agent;
  };
  return { kube, broker, maestro, startAgent };
}

const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' };
const configMapRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cfg' };
const amwRef = {
  apiVersion: 'work.open-cluster-management.io/v1',
  kind: 'AppliedManifestWork',
  name: appliedManifestWorkName(HUB, UID),
};

function feedback(event: MaestroEvent, name: string): unknown {
  const manifests = (event.data as ManifestBundleStatus).resourceStatus ?? [];
  const values = manifests.find((m) => m.resourceMeta.kind === 'Deployment')?.statusFeedback?.values ?? [];
  return values.find((v) => v.name === name)?.fieldValue;
}

test('create, status with feedback, update and the deletion handshake against the test API server', async (t) => {
  const w = await setup(t);
  await w.startAgent();
  await w.maestro.put(UID, bundle('nginx:1', 'one'));

  const applied = await waitFor('Applied status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Applied')?.status === 'True'),
  );
  assert.equal(applied.resourceversion, 1);
  assert.equal(applied.originalsource, 'maestro');
  const amw = await waitFor('AppliedManifestWork', () => w.kube.get(amwRef));
  const owners = (w.kube.get(deploymentRef)?.metadata?.ownerReferences ?? []) as {
    kind: string;
    uid: string;
  }[];
  assert.deepEqual(
    owners.map((o) => [o.kind, o.uid]),
    [['AppliedManifestWork', amw.metadata?.uid]],
  );
  assert.equal((w.kube.get(configMapRef) as { data?: Record<string, string> }).data?.key, 'one');

  await markDeploymentAvailable(w.kube, 'default', 'web');
  const available = await waitFor('Available with feedback', () =>
    w.maestro
      .statusEvents(UID)
      .find(
        (e) => conditionOf(e, 'Available')?.status === 'True' && feedback(e, 'ReadyReplicas') !== undefined,
      ),
  );
  assert.deepEqual(feedback(available, 'ReadyReplicas'), { type: 'Integer', integer: 1 });
  assert.deepEqual(feedback(available, 'AvailableReplicas'), { type: 'Integer', integer: 1 });

  await w.maestro.put(UID, bundle('nginx:1', 'two'));
  await waitFor(
    'ConfigMap updated',
    () => (w.kube.get(configMapRef) as { data?: Record<string, string> }).data?.key === 'two',
  );
  await waitFor('status of version 2', () =>
    w.maestro.statusEvents(UID).find((e) => e.resourceversion === 2),
  );

  await w.maestro.remove(UID);
  const deleted = await waitFor('Deleted status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Deleted')?.status === 'True'),
  );
  assert.equal(conditionOf(deleted, 'Deleted')?.reason, 'ManifestsDeleted');
  assert.equal(w.kube.get(deploymentRef), undefined);
  assert.equal(w.kube.get(configMapRef), undefined);
  assert.equal(w.kube.get(amwRef), undefined);
});

test('an apply error is reported in the Applied condition', async (t) => {
  const w = await setup(t);
  await w.startAgent();
  const inMissingNamespace: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'nope' },
  };
  await w.maestro.put(UID, { manifests: [inMissingNamespace] });
  const failed = await waitFor('Applied=False', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Applied')?.status === 'False'),
  );
  const manifest = (failed.data as ManifestBundleStatus).resourceStatus?.[0];
  const condition = manifest?.conditions?.find((c) => c.type === 'Applied');
  assert.equal(condition?.reason, 'AppliedManifestFailed');
  assert.match(condition?.message ?? '', /^Failed to apply manifest: .*nope/);
});

test('an agent restart re-creates nothing; a work deleted while the agent was down is cleaned up', async (t) => {
  const w = await setup(t);
  const first = await w.startAgent();
  await w.maestro.put(UID, bundle('nginx:1', 'one'));
  await waitFor('Applied status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Applied')?.status === 'True'),
  );
  const uids = () => [
    w.kube.get(deploymentRef)?.metadata?.uid,
    w.kube.get(configMapRef)?.metadata?.uid,
    w.kube.get(amwRef)?.metadata?.uid,
  ];
  const before = uids();
  const creates = () =>
    w.kube.requests().filter((r) => r.verb === 'create' && r.resource !== 'customresourcedefinitions').length;
  const createsBefore = creates();
  await first.stop();

  const resyncs = () => w.maestro.received.filter((e) => e.type.endsWith('.spec.resync_request'));
  const second = await w.startAgent();
  const resync = await waitFor('resync of the restarted agent', () => resyncs()[1]);
  assert.deepEqual(resync.data, { resourceVersions: [{ resourceID: UID, resourceVersion: 0 }] });
  await waitFor('work back in the store and applied', () =>
    second.store.get(UID)?.status?.conditions?.some((c) => c.type === 'Applied'),
  );
  assert.deepEqual(uids(), before, 'the same objects, not re-created');
  assert.equal(creates(), createsBefore, 'no create request after the restart');
  await second.stop();

  await w.maestro.remove(UID, false); // deleted while no agent runs: nobody is told
  w.maestro.resources.delete(UID); // and the server forgot it
  await w.startAgent();
  await waitFor(
    'objects removed after the restart',
    () => w.kube.get(deploymentRef) === undefined && w.kube.get(amwRef) === undefined,
  );
  assert.equal(w.kube.get(configMapRef), undefined);
});

test('an agent restarted mid-delete completes the deletion handshake', async (t) => {
  const w = await setup(t);
  const first = await w.startAgent();
  await w.maestro.put(UID, bundle('nginx:1', 'one'));
  await waitFor('Applied status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Applied')?.status === 'True'),
  );
  // another controller holds the ConfigMap with a finalizer, so the deletion cannot finish yet
  const client = createKubeClient({ kubeConfig: agentKubeConfig(w.kube) });
  const cfg = {
    gvr: { group: '', version: 'v1', resource: 'configmaps' },
    namespace: 'default',
    name: 'cfg',
  };
  await client.patch(cfg, 'merge', { metadata: { finalizers: ['example.com/hold'] } });

  await w.maestro.remove(UID);
  await waitFor('Deleting status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Deleting')?.status === 'True'),
  );
  await waitFor('the ConfigMap terminating and the Deployment gone', () =>
    w.kube.get(configMapRef)?.metadata?.deletionTimestamp !== undefined &&
    w.kube.get(deploymentRef) === undefined
      ? true
      : undefined,
  );
  await first.stop();
  assert.ok(w.kube.get(amwRef), 'the AppliedManifestWork survives the stop (its finalizer holds it)');
  assert.equal(
    w.maestro.statusEvents(UID).filter((e) => conditionOf(e, 'Deleted')?.status === 'True').length,
    0,
    'not reported deleted while an object is still terminating',
  );

  const resyncs = () => w.maestro.received.filter((e) => e.type.endsWith('.spec.resync_request'));
  await w.startAgent();
  const resync = await waitFor('resync of the restarted agent', () => resyncs()[1]);
  assert.deepEqual(resync.data, { resourceVersions: [{ resourceID: UID, resourceVersion: 0 }] });
  await client.patch(cfg, 'merge', { metadata: { finalizers: null } });
  await waitFor('Deleted status after the restart', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Deleted')?.status === 'True'),
  );
  assert.equal(w.kube.get(configMapRef), undefined);
  assert.equal(w.kube.get(amwRef), undefined);
  assert.equal(w.maestro.resources.has(UID), false, 'the source forgot the work');
});

test('Orphan leaves the objects without the owner reference when the work is deleted', async (t) => {
  const w = await setup(t);
  await w.startAgent();
  await w.maestro.put(UID, bundle('nginx:1', 'one', 'Orphan'));
  await waitFor('Applied status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Applied')?.status === 'True'),
  );
  await w.maestro.remove(UID);
  await waitFor('Deleted status', () =>
    w.maestro.statusEvents(UID).find((e) => conditionOf(e, 'Deleted')?.status === 'True'),
  );
  const left = w.kube.get(configMapRef);
  assert.ok(left, 'the ConfigMap stays');
  assert.deepEqual(left.metadata?.ownerReferences ?? [], []);
  assert.equal(w.kube.get(amwRef), undefined);
});
