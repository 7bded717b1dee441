/**
 * E2E on Google Cloud Pub/Sub with the real processes: the emulator started here, topics and
 * subscriptions created by the real `maestro pubsub init`, `maestro server --message-broker-type
 * pubsub` (embedded PostgreSQL), `maestro agent --workload-source-driver pubsub`, the Kubernetes test
 * API server in this process and a gRPC source client.
 */
import { before, after } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startKubeTestServer } from '../support/kube/index.ts';
import type { KubeTestServer } from '../support/kube/index.ts';
import { writeAgentKubeconfig } from '../support/agent/kube-fixtures.ts';
import { pubSubEmulatorUnavailable, startPubSubEmulator } from '../support/pubsub-emulator.ts';
import type { PubSubEmulator } from '../support/pubsub-emulator.ts';
import {
  createConsumer,
  lifecycleTest,
  REQUIRE_INTEGRATION,
  startAgentProcess,
  startSourceClient,
  stopInOrder,
} from './broker-harness.ts';
import type { AgentProcess, SourceClient } from './broker-harness.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = 'maestro-e2e';
const SOURCE = 'e2e-source';
const CONSUMER = 'pubsub-c1';

let dir = '';
let emulator: PubSubEmulator | undefined;
let kube: KubeTestServer | undefined;
let server: ServerProcess | undefined;
let agent: AgentProcess | undefined;
let source: SourceClient | undefined;
let skipReason: string | undefined;

before(async () => {
  const unavailable = await pubSubEmulatorUnavailable();
  if (unavailable !== undefined) {
    if (REQUIRE_INTEGRATION) throw new Error(unavailable);
    skipReason = unavailable;
    return;
  }
  // independent start-ups overlap: the emulator (a JVM) with the Kubernetes test server, then the
  // server with the agent (both only need the subscriptions `pubsub init` created)
  await Promise.all([
    startPubSubEmulator().then((started) => (emulator = started)),
    startKubeTestServer().then((started) => (kube = started)),
    mkdtemp(join(tmpdir(), 'maestro-e2e-pubsub-')).then((created) => (dir = created)),
  ]);
  const endpoint = (emulator as PubSubEmulator).endpoint;
  await promisify(execFile)(
    process.execPath,
    [
      'cmd/maestro.ts',
      'pubsub',
      'init',
      '--project',
      PROJECT,
      '--endpoint',
      endpoint,
      '--disable-tls',
      '--consumers',
      CONSUMER,
    ],
    { cwd: ROOT },
  );
  // topics and subscriptions left out default to the upstream names `pubsub init` created
  const connection = `projectID: ${PROJECT}\nendpoint: ${endpoint}\ndisableTLS: true\n`;
  await writeFile(join(dir, 'server.yaml'), connection);
  await writeFile(join(dir, 'agent.yaml'), connection);
  await writeAgentKubeconfig(kube as KubeTestServer, join(dir, 'kubeconfig'));
  await Promise.all([
    startServerProcess([
      '--data-dir',
      join(dir, 'data'),
      '--message-broker-type',
      'pubsub',
      '--message-broker-config-file',
      join(dir, 'server.yaml'),
    ]).then((started) => (server = started)),
    startAgentProcess({
      consumer: CONSUMER,
      driver: 'pubsub',
      configFile: join(dir, 'agent.yaml'),
      kubeconfig: join(dir, 'kubeconfig'),
    }).then((started) => (agent = started)),
  ]);
  const httpPort = (server as ServerProcess).httpPort;
  await createConsumer(httpPort, CONSUMER);
  source = await startSourceClient((server as ServerProcess).sourcePort, SOURCE);
});

after(() => stopInOrder(dir, source, agent, server, kube, emulator));

lifecycleTest(() => ({ skipReason, kube, source, server, agent }), {
  sourceId: SOURCE,
  consumer: CONSUMER,
  work: 'on-pubsub',
});
