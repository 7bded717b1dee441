/**
 * End to end with the real processes: `maestro server` (embedded PostgreSQL, integrated gRPC broker)
 * and `maestro agent` are spawned; the Kubernetes test API server runs in this process. A source client
 * (gRPC source transport + source codec) creates, updates and deletes a Deployment + ConfigMap bundle,
 * also across an agent kill and a server restart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { createSilentLogger } from '../../src/common/logger.ts';
import { createGrpcTransport } from '../../src/transport/grpc/client.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { decodeStatusEvent, encodeSpecRequest, withSourceIdentity } from '../../src/work/source-codec.ts';
import type { DecodedStatus } from '../../src/work/source-codec.ts';
import type { Manifest, ManifestWork } from '../../src/work/types.ts';
import { startKubeTestServer } from '../support/kube/index.ts';
import type { KubeTestServer } from '../support/kube/index.ts';
import {
  installAppliedManifestWorkCrd,
  markDeploymentAvailable,
  waitFor,
  writeAgentKubeconfig,
} from '../support/agent/kube-fixtures.ts';
import { freePort, waitForProcessReady } from '../support/processes.ts';

const MAESTRO = fileURLToPath(new URL('../../cmd/maestro.ts', import.meta.url));
const CLUSTER = 'e2e-cluster';
const SOURCE = 'e2e-source';
const REQUIRE = process.env.MAESTRO_REQUIRE_INTEGRATION === '1';

/** A spawned `maestro` process with its output kept for failure messages. */
interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startMaestro(args: string[]): Proc {
  const child = spawn(process.execPath, [MAESTRO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stopProc(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (proc === undefined || proc.child.exitCode !== null || proc.child.signalCode !== null)
    return proc?.child.exitCode ?? null;
  proc.child.kill(signal);
  return proc.exited;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

interface Ports {
  http: number;
  grpc: number;
  broker: number;
  health: number;
  metrics: number;
  agentHealth: number;
}

let dir = '';
let ports: Ports;
let kube: KubeTestServer | undefined;
let server: Proc | undefined;
let agent: Proc | undefined;
let source: Transport | undefined;
let skipReason: string | undefined;
const statuses: DecodedStatus[] = [];

async function startServer(): Promise<void> {
  server = startMaestro([
    'server',
    '--server-hostname=127.0.0.1',
    `--http-server-bindport=${ports.http}`,
    `--grpc-server-bindport=${ports.grpc}`,
    `--grpc-broker-bindport=${ports.broker}`,
    `--health-check-server-bindport=${ports.health}`,
    `--metrics-server-bindport=${ports.metrics}`,
    `--data-dir=${join(dir, 'data')}`,
  ]);
  await waitForProcessReady(server.child, {
    name: 'maestro server',
    ready: () => httpOk(`http://127.0.0.1:${ports.health}/healthcheck`),
    deadlineMs: 90_000,
    intervalMs: 20,
    output: server.output,
    notReady: 'was not ready within 90000 ms',
  });
}

async function startAgent(): Promise<void> {
  agent = startMaestro([
    'agent',
    `--consumer-name=${CLUSTER}`,
    `--kubeconfig=${join(dir, 'kubeconfig')}`,
    '--workload-source-driver=grpc',
    `--workload-source-config=${join(dir, 'grpc.yaml')}`,
    '--status-sync-interval=1s',
    `--health-port=${ports.agentHealth}`,
    '--health-bind-address=127.0.0.1',
  ]);
  await waitForProcessReady(agent.child, {
    name: 'maestro agent',
    ready: () => httpOk(`http://127.0.0.1:${ports.agentHealth}/readyz`),
    deadlineMs: 30_000,
    intervalMs: 20,
    output: agent.output,
    notReady: 'was not ready within 30000 ms',
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-agent-'));
  ports = {
    http: await freePort(),
    grpc: await freePort(),
    broker: await freePort(),
    health: await freePort(),
    metrics: await freePort(),
    agentHealth: await freePort(),
  };
  kube = await startKubeTestServer();
  await installAppliedManifestWorkCrd(kube);
  await writeAgentKubeconfig(kube, join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'grpc.yaml'), `url: 127.0.0.1:${ports.broker}\n`);
  try {
    await startServer();
  } catch (err: unknown) {
    skipReason = `maestro server did not start: ${err instanceof Error ? err.message : String(err)}`;
    if (REQUIRE) throw err;
    return;
  }
  const created = await fetch(`http://127.0.0.1:${ports.http}/api/maestro/v1/consumers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: CLUSTER }),
  });
  assert.equal(created.status, 201, await created.text());
  source = createGrpcTransport(
    { role: 'source', sourceId: SOURCE },
    { url: `127.0.0.1:${ports.grpc}`, logger: createSilentLogger() },
  );
  await source.start(async (event: MaestroEvent) => {
    if (event.type.includes('.status.')) statuses.push(decodeStatusEvent(event));
  });
  await startAgent();
});

after(async () => {
  await source?.stop();
  await stopProc(agent);
  await stopProc(server);
  await kube?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const deployment: Manifest = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
    },
  },
};

function work(name: string, value: string): ManifestWork {
  const manifests: Manifest[] = [
    { ...deployment, metadata: { name, namespace: 'default' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { key: value } },
  ];
  return withSourceIdentity(
    {
      metadata: { name },
      spec: {
        workload: { manifests },
        manifestConfigs: [
          {
            resourceIdentifier: { group: 'apps', resource: 'deployments', name, namespace: 'default' },
            feedbackRules: [{ type: 'WellKnownStatus' }],
          },
        ],
      },
    },
    SOURCE,
    CLUSTER,
  );
}

async function send(
  w: ManifestWork,
  action: 'create_request' | 'update_request' | 'delete_request',
): Promise<void> {
  await (source as Transport).publish(encodeSpecRequest(w, { source: SOURCE, action }));
}

const refs = (name: string) => ({
  deployment: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name },
  configMap: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name },
});

function configValue(name: string): string | undefined {
  return (kube?.get(refs(name).configMap) as { data?: Record<string, string> } | undefined)?.data?.key;
}

function condition(s: DecodedStatus, type: string): string | undefined {
  return s.work.status?.conditions?.find((c) => c.type === type)?.status;
}

function feedbackValue(s: DecodedStatus, name: string): unknown {
  const manifest = s.work.status?.resourceStatus?.manifests?.find(
    (m) => m.resourceMeta.kind === 'Deployment',
  );
  return manifest?.statusFeedback?.values?.find((v) => v.name === name)?.fieldValue;
}

const statusesOf = (uid: string) => statuses.filter((s) => s.work.metadata.uid === uid);

function creates(kind: string): number {
  return (kube as KubeTestServer).requests().filter((r) => r.verb === 'create' && r.resource === kind).length;
}

async function deleteAndVerify(w: ManifestWork): Promise<void> {
  const uid = w.metadata.uid as string;
  await send(w, 'delete_request');
  await waitFor('Deleted status at the source', () => statusesOf(uid).find((s) => s.deleted), 30_000);
  await waitFor(
    'objects removed',
    () =>
      kube?.get(refs(w.metadata.name as string).deployment) === undefined &&
      configValue(w.metadata.name as string) === undefined,
    30_000,
  );
  await waitFor(
    'resource row removed',
    async () =>
      (await fetch(`http://127.0.0.1:${ports.http}/api/maestro/v1/resource-bundles/${uid}`)).status === 404,
    30_000,
  );
}

test('create, Available with feedback, update and delete through the real server and agent', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const w = work('web', 'one');
  const uid = w.metadata.uid as string;
  await send(w, 'create_request');
  await waitFor(
    'objects applied',
    () => configValue('web') === 'one' && kube?.get(refs('web').deployment),
    30_000,
  );
  await markDeploymentAvailable(kube as KubeTestServer, 'default', 'web');
  const available = await waitFor(
    'Applied and Available with feedback at the source',
    () =>
      statusesOf(uid).find(
        (s) =>
          condition(s, 'Applied') === 'True' &&
          condition(s, 'Available') === 'True' &&
          feedbackValue(s, 'ReadyReplicas') !== undefined,
      ),
    30_000,
  );
  assert.deepEqual(feedbackValue(available, 'ReadyReplicas'), { type: 'Integer', integer: 1 });
  assert.deepEqual(feedbackValue(available, 'AvailableReplicas'), { type: 'Integer', integer: 1 });

  await send(work('web', 'two'), 'update_request');
  await waitFor('ConfigMap updated', () => configValue('web') === 'two', 30_000);
  await deleteAndVerify(w);
});

test('the agent killed and restarted mid-way: same end state, nothing applied twice', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const w = work('restarted-agent', 'one');
  await send(w, 'create_request');
  await waitFor('objects applied', () => configValue('restarted-agent') === 'one', 30_000);
  const deploymentUid = kube?.get(refs('restarted-agent').deployment)?.metadata?.uid;
  const createsBefore = creates('deployments') + creates('configmaps');

  await stopProc(agent, 'SIGKILL');
  await send(work('restarted-agent', 'two'), 'update_request');
  await startAgent();
  await waitFor('update applied after the restart', () => configValue('restarted-agent') === 'two', 30_000);
  assert.equal(
    kube?.get(refs('restarted-agent').deployment)?.metadata?.uid,
    deploymentUid,
    'the Deployment was not re-created',
  );
  assert.equal(creates('deployments') + creates('configmaps'), createsBefore, 'nothing was created twice');
  await deleteAndVerify(w);
});

test('the server restarted mid-way: same end state, nothing left behind', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const w = work('restarted-server', 'one');
  await send(w, 'create_request');
  await waitFor('objects applied', () => configValue('restarted-server') === 'one', 30_000);
  const createsBefore = creates('deployments') + creates('configmaps');

  assert.equal(await stopProc(server), 0, 'the server stops cleanly on SIGTERM');
  await startServer();
  await waitFor(
    'the agent reconnected',
    () => httpOk(`http://127.0.0.1:${ports.agentHealth}/readyz`),
    60_000,
  );
  await waitFor('the source reconnected', () => source?.state === 'connected', 60_000);
  await send(work('restarted-server', 'two'), 'update_request');
  await waitFor(
    'update applied after the server restart',
    () => configValue('restarted-server') === 'two',
    30_000,
  );
  assert.equal(creates('deployments') + creates('configmaps'), createsBefore, 'nothing was created twice');
  await deleteAndVerify(w);
  assert.equal(await stopProc(agent), 0, 'the agent stops cleanly on SIGTERM');
});
