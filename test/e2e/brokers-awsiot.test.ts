/**
 * E2E on AWS IoT Core's terms with the real processes: Mosquitto configured like IoT Core (TLS 1.2+,
 * client certificates required, per-certificate topic ACLs as upstream's IoT policies), `maestro server
 * --message-broker-type awsiot` (embedded PostgreSQL) and `maestro agent --workload-source-driver
 * awsiot` with X.509 mutual TLS, the Kubernetes test API server in this process and a gRPC source client.
 */
import { before, after } from 'node:test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeTestServer } from '../support/kube/index.ts';
import type { KubeTestServer } from '../support/kube/index.ts';
import { writeAgentKubeconfig } from '../support/agent/kube-fixtures.ts';
import { startTestMosquitto } from '../support/mqtt-harness.ts';
import type { MosquittoInstance } from '../support/mosquitto.ts';
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

const SOURCE = 'e2e-source';
const CONSUMER = 'awsiot-c1';

let dir = '';
let broker: MosquittoInstance | undefined;
let kube: KubeTestServer | undefined;
let server: ServerProcess | undefined;
let agent: AgentProcess | undefined;
let source: SourceClient | undefined;
let skipReason: string | undefined;

/** A config file for the certificate of `identity` (the ACLs key on the certificate's CN). */
async function configFile(identity: string, topics: string[]): Promise<string> {
  const mosquitto = broker as MosquittoInstance;
  const cert = await mosquitto.issueClientCertificate(identity);
  const path = join(dir, `${identity}.yaml`);
  await writeFile(
    path,
    [
      `brokerHost: ${mosquitto.brokerHost}`,
      `caFile: ${mosquitto.pki?.ca.certFile}`,
      `clientCertFile: ${cert.certFile}`,
      `clientKeyFile: ${cert.keyFile}`,
      'topics:',
      ...topics.map((topic) => `  ${topic}`),
      '',
    ].join('\n'),
  );
  return path;
}

before(async () => {
  const started = await startTestMosquitto({ mode: 'aws-iot' });
  if ('skip' in started) {
    if (REQUIRE_INTEGRATION) throw new Error(started.skip);
    skipReason = started.skip;
    return;
  }
  broker = started;
  dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-awsiot-'));
  kube = await startKubeTestServer();
  await writeAgentKubeconfig(kube, join(dir, 'kubeconfig'));
  const serverConfig = await configFile('maestro', [
    'sourceEvents: sources/maestro/consumers/+/sourceevents',
    'agentEvents: $share/statussubscribers/sources/maestro/consumers/+/agentevents',
  ]);
  const agentConfig = await configFile(CONSUMER, [
    `sourceEvents: sources/maestro/consumers/${CONSUMER}/sourceevents`,
    `agentEvents: sources/maestro/consumers/${CONSUMER}/agentevents`,
  ]);
  server = await startServerProcess([
    '--data-dir',
    join(dir, 'data'),
    '--message-broker-type',
    'awsiot',
    '--message-broker-config-file',
    serverConfig,
  ]);
  await createConsumer(server.httpPort, CONSUMER);
  source = await startSourceClient(server.sourcePort, SOURCE);
  agent = await startAgentProcess({
    consumer: CONSUMER,
    driver: 'awsiot',
    configFile: agentConfig,
    kubeconfig: join(dir, 'kubeconfig'),
  });
});

after(() => stopInOrder(dir, source, agent, server, kube, broker));

lifecycleTest(() => ({ skipReason, kube, source, server, agent }), {
  sourceId: SOURCE,
  consumer: CONSUMER,
  work: 'on-awsiot',
});
