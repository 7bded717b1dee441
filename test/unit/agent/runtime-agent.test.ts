import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentRuntime } from '../../../src/agent/agent-runtime.ts';
import type { AgentRuntime } from '../../../src/agent/agent-runtime.ts';
import { createAgentEventCodec } from '../../../src/agent/agent-codec.ts';
import type { AppliedWorkRegistry } from '../../../src/agent/runtime-types.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createMemoryBroker } from '../../../src/transport/memory.ts';
import type { MemoryBroker } from '../../../src/transport/memory.ts';
import type { Transport } from '../../../src/transport/transport.ts';
import { parseSequenceId } from '../../../src/work/sequence-id.ts';
import { statusHash } from '../../../src/work/status-hash.ts';
import type { Condition, Manifest, ManifestBundleStatus } from '../../../src/work/types.ts';
import { appliedManifestWork, createFakeCluster, createFakeRegistry } from './runtime-fakes.ts';
import type { FakeCluster } from './runtime-fakes.ts';
import { waitFor as waitForCondition } from '../../support/wait.ts';

const CLUSTER = 'cluster1';
const CLIENT_ID = 'cluster1-work-agent';
const UID = '55c61e54-a3f6-563d-9fec-b1fe297bdfdb';
const UID2 = '0b7c6a3e-1111-4c1e-9a57-2f0c1f4a9b11';

interface Harness {
  broker: MemoryBroker;
  source: Transport;
  received: MaestroEvent[];
  cluster: FakeCluster;
  agent: AgentRuntime;
}

async function startHarness(
  t: TestContext,
  registry?: AppliedWorkRegistry,
  cluster = createFakeCluster(),
): Promise<Harness> {
  const broker = createMemoryBroker();
  const source = broker.createSourceTransport('maestro');
  const received: MaestroEvent[] = [];
  await source.start(async (event) => {
    received.push(event);
  });
  const agent = createAgentRuntime({
    consumerName: CLUSTER,
    transport: broker.createAgentTransport(CLUSTER),
    codec: createAgentEventCodec({ clientId: CLIENT_ID, clusterName: CLUSTER }),
    applier: cluster.applier,
    registry,
    logger: createSilentLogger(),
    statusSyncIntervalMs: 40,
    evictionGracePeriodMs: 60 * 60_000,
    deletionPollMs: 10,
    retryBaseMs: 10,
  });
  t.after(async () => {
    await agent.stop();
    await source.stop();
  });
  await agent.start();
  return { broker, source, received, cluster, agent };
}

const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> =>
  waitForCondition(probe, what, timeoutMs, 5);

/** A status resync request from the source (`statusHashes`; an empty list asks for every work). */
const statusResyncRequest = (hashes: { resourceID: string; statusHash: string }[]): MaestroEvent =>
  createEvent({
    id: crypto.randomUUID(),
    source: 'maestro',
    type: manifestBundleEventType('status', 'resync_request'),
    datacontenttype: 'application/json',
    clustername: CLUSTER,
    originalsource: '',
    data: { statusHashes: hashes },
  });

const deployment = (image: string): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
});
const configMap: Manifest = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { a: '1' },
};

function specEvent(
  action: 'create_request' | 'update_request' | 'delete_request' | 'resync_response',
  options: {
    uid?: string;
    version?: number;
    manifests?: Manifest[];
    deleting?: boolean;
    cluster?: string;
    propagation?: string;
  } = {},
): MaestroEvent {
  const uid = options.uid ?? UID;
  const metadata: Record<string, unknown> = { name: uid, namespace: CLUSTER, uid, resourceVersion: '0' };
  if (options.deleting) metadata.deletionTimestamp = '2025-12-16T07:09:59Z';
  return createEvent({
    id: crypto.randomUUID(),
    source: 'maestro',
    type: manifestBundleEventType('spec', action),
    datacontenttype: 'application/json',
    clustername: options.cluster ?? CLUSTER,
    resourceid: uid,
    resourceversion: options.version,
    deletiontimestamp: options.deleting ? '2025-12-16T07:09:59Z' : undefined,
    metadata: JSON.stringify(metadata),
    data: {
      manifests: options.manifests ?? [deployment('nginx:1'), configMap],
      ...(options.propagation ? { deleteOption: { propagationPolicy: options.propagation } } : {}),
    },
  });
}

function statusEvents(h: Harness, uid = UID, action?: string): MaestroEvent[] {
  return h.received.filter(
    (e) =>
      e.type.includes('.status.') &&
      e.resourceid === uid &&
      (action === undefined || e.type.endsWith(action)),
  );
}

function conditionOf(event: MaestroEvent, type: string): Condition | undefined {
  return ((event.data as ManifestBundleStatus).conditions ?? []).find((c) => c.type === type);
}

async function waitForAvailable(h: Harness, version: number, uid = UID): Promise<MaestroEvent> {
  return waitFor(`Available status of version ${version}`, () =>
    statusEvents(h, uid).find(
      (e) => e.resourceversion === version && conditionOf(e, 'Available')?.status === 'True',
    ),
  );
}

test('on start the agent sends an empty spec resync request and is ready', async (t) => {
  const h = await startHarness(t);
  const resync = await waitFor('spec resync request', () =>
    h.received.find((e) => e.type.endsWith('.spec.resync_request')),
  );
  assert.equal(resync.source, CLIENT_ID);
  assert.equal(resync.clustername, CLUSTER);
  assert.equal(resync.originalsource, '');
  assert.deepEqual(resync.data, { resourceVersions: [] });
  assert.equal(h.agent.notReadyReason(), undefined);
});

test('a created work is applied and its status is published with the upstream extensions', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  const event = await waitForAvailable(h, 1);
  assert.deepEqual(h.cluster.writes, ['create Deployment/default/web', 'create ConfigMap/default/cfg']);
  assert.equal(event.type, manifestBundleEventType('status', 'update_request'));
  assert.equal(event.source, CLIENT_ID);
  assert.equal(event.clustername, CLUSTER);
  assert.equal(event.originalsource, 'maestro');
  assert.equal(event.resourceversion, 1);
  assert.equal(parseSequenceId(event.sequenceid as string).node, 1);
  assert.equal(event.statushash, statusHash(event.data as ManifestBundleStatus));
  assert.equal(conditionOf(event, 'Applied')?.reason, 'AppliedManifestWorkComplete');
  const meta = JSON.parse(event.metadata as string) as Record<string, unknown>;
  assert.equal(meta.uid, UID);
  assert.deepEqual(meta.finalizers, ['cluster.open-cluster-management.io/manifest-work-cleanup']);
});

test('an unchanged status is not published again; a real change is, with a newer sequence id', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  const first = await waitForAvailable(h, 1);
  const count = statusEvents(h).length;
  // several status sync passes run: nothing changed, nothing is sent
  const refreshes = h.cluster.statusRefreshes;
  await waitFor('three more status sync passes', () => h.cluster.statusRefreshes >= refreshes + 3);
  assert.equal(statusEvents(h).length, count);
  h.cluster.unavailable.add('Deployment/default/web');
  const changed = await waitFor('Available=False', () =>
    statusEvents(h).find((e) => conditionOf(e, 'Available')?.status === 'False'),
  );
  assert.equal(conditionOf(changed, 'Available')?.message, '1 of 2 resources are not available');
  assert.ok(BigInt(changed.sequenceid as string) > BigInt(first.sequenceid as string));
});

test('an update re-applies; an older generation is ignored', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await waitForAvailable(h, 1);
  await h.source.publish(specEvent('update_request', { version: 2, manifests: [deployment('nginx:2')] }));
  await waitForAvailable(h, 2);
  assert.deepEqual(h.cluster.writes.slice(2), [
    'update Deployment/default/web',
    'delete ConfigMap/default/cfg',
  ]);
  await h.source.publish(specEvent('update_request', { version: 1 }));
  await h.source.publish(
    specEvent('update_request', { version: 2, manifests: [deployment('nginx:2')], cluster: 'other' }),
  );
  // a status resync request queued behind them is answered only after they were handled
  await h.source.publish(statusResyncRequest([]));
  await waitFor('the resync answer', () => h.received.some((e) => e.type.endsWith('status.resync_response')));
  assert.equal(h.agent.store.get(UID)?.metadata.generation, 2);
  assert.equal(h.cluster.writes.length, 4, 'the stale event changed nothing');
});

test('an invalid spec event is dropped without a status', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1, manifests: [] }));
  await h.source.publish(specEvent('create_request', { uid: UID2, version: 1 }));
  await waitForAvailable(h, 1, UID2);
  assert.equal(statusEvents(h, UID).length, 0);
  assert.equal(h.agent.store.get(UID), undefined);
});

test('a failed apply is retried', async (t) => {
  const cluster = createFakeCluster();
  cluster.failNextApply = true;
  const h = await startHarness(t, undefined, cluster);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await waitForAvailable(h, 1);
  assert.equal(h.cluster.objects.size, 2);
});

test("the applier's early retry hint re-applies before the periodic resync", async (t) => {
  const cluster = createFakeCluster();
  cluster.applyHints.push(30, 30); // e.g. removed objects still terminating
  const h = await startHarness(t, undefined, cluster);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await waitForAvailable(h, 1);
  // the periodic re-apply is minutes away and status syncs only re-read status: only the hints re-apply
  await waitFor('two early re-applies', () => h.cluster.applies === 3);
});

test('status resync: an empty list answers every work, otherwise only differing hashes', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await h.source.publish(specEvent('create_request', { uid: UID2, version: 1 }));
  const a = await waitForAvailable(h, 1);
  await waitForAvailable(h, 1, UID2);
  await h.source.publish(statusResyncRequest([]));
  await waitFor(
    'two resync responses',
    () => h.received.filter((e) => e.type.endsWith('status.resync_response')).length === 2,
  );
  const latestHash = (uid: string) => statusEvents(h, uid).at(-1)?.statushash as string;
  await h.source.publish(
    statusResyncRequest([
      { resourceID: UID, statusHash: latestHash(UID) },
      { resourceID: UID2, statusHash: 'stale' },
    ]),
  );
  const third = await waitFor(
    'third resync response',
    () => h.received.filter((e) => e.type.endsWith('status.resync_response'))[2],
  );
  assert.equal(third.resourceid, UID2);
  assert.equal(third.statushash, latestHash(UID2));
  // a fourth request answers UID2 only: had the third answered more, the fourth answer would not be
  // the fourth response
  await h.source.publish(statusResyncRequest([{ resourceID: UID2, statusHash: 'stale' }]));
  const fourth = await waitFor(
    'fourth resync response',
    () => h.received.filter((e) => e.type.endsWith('status.resync_response'))[3],
  );
  assert.equal(fourth.resourceid, UID2);
  assert.ok(a);
});

test('after a reconnect the agent asks for a spec resync with every version it holds', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await h.source.publish(specEvent('update_request', { version: 3 }));
  await waitForAvailable(h, 3);
  h.broker.disconnect();
  h.broker.reconnect();
  const resync = await waitFor(
    'second spec resync',
    () => h.received.filter((e) => e.type.endsWith('.spec.resync_request'))[1],
  );
  assert.deepEqual(resync.data, { resourceVersions: [{ resourceID: UID, resourceVersion: 3 }] });
});

test('deletion handshake: Deleting, manifests removed, then Deleted=True and the work is forgotten', async (t) => {
  const cluster = createFakeCluster();
  const h = await startHarness(t, undefined, cluster);
  await h.source.publish(specEvent('create_request', { version: 1 }));
  await waitForAvailable(h, 1);
  cluster.terminatingRounds = 2;
  await h.source.publish(specEvent('delete_request', { version: 1, deleting: true }));
  const deleted = await waitFor('Deleted status', () =>
    statusEvents(h).find((e) => conditionOf(e, 'Deleted')),
  );
  assert.deepEqual(
    { ...conditionOf(deleted, 'Deleted'), lastTransitionTime: undefined },
    {
      type: 'Deleted',
      status: 'True',
      reason: 'ManifestsDeleted',
      message: `The manifests are deleted from the cluster ${CLUSTER}`,
      lastTransitionTime: undefined,
    },
  );
  assert.equal(deleted.resourceversion, 1);
  const deleting = statusEvents(h).find((e) => conditionOf(e, 'Deleting')?.status === 'True');
  assert.equal(conditionOf(deleting as MaestroEvent, 'Deleting')?.reason, 'WorkDeleting');
  assert.ok(statusEvents(h).indexOf(deleting as MaestroEvent) < statusEvents(h).indexOf(deleted));
  assert.equal(cluster.objects.size, 0);
  await waitFor('work forgotten', () => h.agent.store.size === 0);
  assert.equal(statusEvents(h).filter((e) => conditionOf(e, 'Deleted')).length, 1);
});

test('a delete without resourceversion for an unknown work still completes the handshake', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('resync_response', { deleting: true, manifests: [] }));
  const deleted = await waitFor('Deleted status', () =>
    statusEvents(h).find((e) => conditionOf(e, 'Deleted')),
  );
  assert.equal(conditionOf(deleted, 'Deleting'), undefined, 'nothing was applied, so no Deleting status');
  await waitFor('work forgotten', () => h.agent.store.size === 0);
});

test('Orphan keeps the objects when the work is deleted', async (t) => {
  const h = await startHarness(t);
  await h.source.publish(specEvent('create_request', { version: 1, propagation: 'Orphan' }));
  await waitForAvailable(h, 1);
  await h.source.publish(specEvent('delete_request', { version: 1, deleting: true }));
  await waitFor('Deleted status', () => statusEvents(h).find((e) => conditionOf(e, 'Deleted')));
  assert.equal(h.cluster.objects.size, 2);
});

test('works known from AppliedManifestWorks of an earlier run are listed at version 0 in the first resync', async (t) => {
  const registry = createFakeRegistry([appliedManifestWork(UID2)]);
  const h = await startHarness(t, registry);
  const resync = await waitFor('spec resync request', () =>
    h.received.find((e) => e.type.endsWith('.spec.resync_request')),
  );
  assert.deepEqual(resync.data, { resourceVersions: [{ resourceID: UID2, resourceVersion: 0 }] });
});
