/**
 * E2E on MQTT 5 with the real processes: `maestro server --message-broker-type mqtt` (embedded
 * PostgreSQL) and `maestro agent --workload-source-driver mqtt` on a real Mosquitto started here, the
 * Kubernetes test API server in this process (the agent installs its CRD itself) and a gRPC source
 * client. Covers the lifecycle, a broker restart mid-flight, an agent offline while works are created
 * and two server replicas sharing the status subscription.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeTestServer } from '../support/kube/index.ts';
import type { KubeTestServer } from '../support/kube/index.ts';
import { waitFor, writeAgentKubeconfig } from '../support/agent/kube-fixtures.ts';
import { startTestMosquitto } from '../support/mqtt-harness.ts';
import type { MosquittoInstance } from '../support/mosquitto.ts';
import {
  announcedPort,
  configMapWork,
  configValue,
  createAndWaitApplied,
  createConsumer,
  deleteAndWaitGone,
  hasCondition,
  metricSum,
  REQUIRE_INTEGRATION,
  startAgentProcess,
  startSourceClient,
  stopInOrder,
} from './broker-harness.ts';
import type { AgentProcess, LifecycleContext, SourceClient } from './broker-harness.ts';
import { embeddedDatabaseUrl, startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

const SOURCE = 'e2e-source';
const CONSUMER = 'mqtt-c1';

let dir = '';
let broker: MosquittoInstance | undefined;
let kube: KubeTestServer | undefined;
let server: ServerProcess | undefined;
let agent: AgentProcess | undefined;
let source: SourceClient | undefined;
let skipReason: string | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

function agentConfig(consumer: string): string {
  return [
    `brokerHost: ${broker?.brokerHost}`,
    'topics:',
    `  sourceEvents: sources/maestro/consumers/${consumer}/sourceevents`,
    `  agentEvents: sources/maestro/consumers/${consumer}/agentevents`,
    '',
  ].join('\n');
}

async function startAgent(consumer: string): Promise<AgentProcess> {
  const configFile = join(dir, `agent-${consumer}.yaml`);
  await writeFile(configFile, agentConfig(consumer));
  return startAgentProcess({ consumer, driver: 'mqtt', configFile, kubeconfig: join(dir, 'kubeconfig') });
}

function context(): LifecycleContext {
  return {
    kube: kube as KubeTestServer,
    source: source as SourceClient,
    httpPort: (server as ServerProcess).httpPort,
    sourceId: SOURCE,
    consumer: CONSUMER,
  };
}

before(async () => {
  const started = await startTestMosquitto({ mode: 'plain' });
  if ('skip' in started) {
    if (REQUIRE_INTEGRATION) throw new Error(started.skip);
    skipReason = started.skip;
    return;
  }
  broker = started;
  dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-mqtt-'));
  kube = await startKubeTestServer();
  await writeAgentKubeconfig(kube, join(dir, 'kubeconfig'));
  await writeFile(
    join(dir, 'server.yaml'),
    [
      `brokerHost: ${broker.brokerHost}`,
      'topics:',
      '  sourceEvents: sources/maestro/consumers/+/sourceevents',
      '  agentEvents: $share/statussubscribers/sources/maestro/consumers/+/agentevents',
      '',
    ].join('\n'),
  );
  server = await startServerProcess(serverArgs('replica-a', ['--data-dir', join(dir, 'data')]));
  await createConsumer(server.httpPort, CONSUMER);
  source = await startSourceClient(server.sourcePort, SOURCE);
  agent = await startAgent(CONSUMER);
});

function serverArgs(clientId: string, extra: string[]): string[] {
  return [
    '--message-broker-type',
    'mqtt',
    '--message-broker-config-file',
    join(dir, 'server.yaml'),
    '--client-id',
    clientId,
    ...extra,
  ];
}

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await stopInOrder(dir, source, agent, server, kube, broker);
});

test('create → applied → status at the source → delete handshake → gone', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const work = await createAndWaitApplied(context(), 'lifecycle', 'one');
  await source?.send(configMapWork(SOURCE, CONSUMER, 'lifecycle', 'two'), 'update_request');
  await waitFor(
    'the update applied',
    () => configValue(kube as KubeTestServer, 'lifecycle') === 'two',
    30_000,
  );
  await deleteAndWaitGone(context(), work);
});

test('the broker restarted mid-flight: both sides reconnect and resync, nothing is lost', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const before = await createAndWaitApplied(context(), 'before-restart', 'one');
  const during = configMapWork(SOURCE, CONSUMER, 'during-restart', 'one');
  await Promise.all([source?.send(during, 'create_request'), broker?.restart()]);
  await source?.send(configMapWork(SOURCE, CONSUMER, 'before-restart', 'two'), 'update_request');

  await waitFor(
    'the work sent during the restart applied',
    () => configValue(kube as KubeTestServer, 'during-restart') === 'one',
    60_000,
  );
  await waitFor(
    'the update sent after the restart applied',
    () => configValue(kube as KubeTestServer, 'before-restart') === 'two',
    60_000,
  );
  await waitFor(
    'the Applied status of the work sent during the restart',
    () => source?.statusesOf(during.metadata.uid as string).some((s) => hasCondition(s, 'Applied')),
    60_000,
  );
  await deleteAndWaitGone(context(), before);
  await deleteAndWaitGone(context(), during);
});

test('an agent offline while works are created gets them when it comes back', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const metricsUrl = `http://127.0.0.1:${announcedPort((server as ServerProcess).lines, 'metrics')}/metrics`;
  const sentBefore = await metricSum(metricsUrl, 'cloudevents_sent_total', {
    consumer: CONSUMER,
    action: 'create_request',
  });
  assert.equal(await agent?.stop(), 0, 'the agent stops cleanly');
  const offline = configMapWork(SOURCE, CONSUMER, 'while-offline', 'one');
  await source?.send(offline, 'create_request');
  await waitFor(
    'the server published the spec event while the agent was away',
    async () =>
      (await metricSum(metricsUrl, 'cloudevents_sent_total', {
        consumer: CONSUMER,
        action: 'create_request',
      })) > sentBefore,
    30_000,
  );
  assert.equal(configValue(kube as KubeTestServer, 'while-offline'), undefined);

  agent = await startAgent(CONSUMER);
  await waitFor(
    'the work applied after the agent came back',
    () => configValue(kube as KubeTestServer, 'while-offline') === 'one',
    30_000,
  );
  await waitFor(
    'its Applied status at the source',
    () => source?.statusesOf(offline.metadata.uid as string).some((s) => hasCondition(s, 'Applied')),
    30_000,
  );
  await deleteAndWaitGone(context(), offline);
});

test('two server replicas on one broker: each status processed once, spec events published once', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const first = server as ServerProcess;
  const second = await startServerProcess(
    serverArgs('replica-b', ['--db-url', embeddedDatabaseUrl(first.databasePort as number)]),
  );
  cleanups.push(() => second.stop());
  const consumer = 'mqtt-c2';
  await createConsumer(first.httpPort, consumer);
  const otherAgent = await startAgent(consumer);
  cleanups.push(() => otherAgent.stop());
  const otherSource = await startSourceClient(second.sourcePort, SOURCE);
  cleanups.push(() => otherSource.stop());
  const ctx: LifecycleContext = { ...context(), consumer, source: otherSource, httpPort: second.httpPort };

  const works = await Promise.all(
    Array.from({ length: 8 }, (_, i) => createAndWaitApplied(ctx, `replicated-${i}`, 'one')),
  );
  await Promise.all(works.map((work) => deleteAndWaitGone(ctx, work)));

  const metricsUrls = [first, second].map(
    (s) => `http://127.0.0.1:${announcedPort(s.lines, 'metrics')}/metrics`,
  );
  const agentMetrics = `http://127.0.0.1:${otherAgent.healthPort}/metrics`;
  const received = async () =>
    Promise.all(
      metricsUrls.map((url) =>
        metricSum(url, 'cloudevents_received_total', { consumer, subresource: 'status' }),
      ),
    );
  const published = () =>
    metricSum(agentMetrics, 'maestro_agent_status_events_published_total', { result: 'ok' });
  const counts = await waitFor(
    'every status the agent published received by exactly one replica',
    async () => {
      const perReplica = await received();
      const total = perReplica[0] + perReplica[1];
      return total > 0 && total === (await published()) ? perReplica : undefined;
    },
    30_000,
  );
  assert.ok(
    counts.every((n) => n > 0),
    `both replicas took statuses: ${counts.join(' + ')}`,
  );

  const specSent = await Promise.all(
    metricsUrls.map((url) =>
      metricSum(url, 'cloudevents_sent_total', { consumer, subresource: 'spec', action: 'create_request' }),
    ),
  );
  assert.deepEqual(specSent.toSorted(), [0, works.length], 'one replica published every create, once');
});
