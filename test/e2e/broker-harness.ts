/**
 * Shared pieces of the per-broker e2e tests (`brokers-*.test.ts`): the real `maestro agent` process
 * on a broker driver, a gRPC source client on the server's source API that records relayed statuses,
 * ManifestWork fixtures, and the create → applied → status → delete scenario every broker must pass.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { createSilentLogger } from '../../src/common/logger.ts';
import { createGrpcTransport } from '../../src/transport/grpc/client.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { decodeStatusEvent, encodeSpecRequest, withSourceIdentity } from '../../src/work/source-codec.ts';
import type { DecodedStatus } from '../../src/work/source-codec.ts';
import type { Manifest, ManifestWork } from '../../src/work/types.ts';
import type { KubeTestServer } from '../support/kube/index.ts';
import { waitFor } from '../support/agent/kube-fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** True when a missing broker must fail the run instead of skipping. */
export const REQUIRE_INTEGRATION = process.env.MAESTRO_REQUIRE_INTEGRATION === '1';

/** A spawned `maestro agent`. */
export interface AgentProcess {
  child: ChildProcess;
  /** Port of the agent's `/readyz` and `/metrics`. */
  healthPort: number;
  /** The last log lines, for failure messages. */
  output(): string;
  /** SIGTERM (or `signal`) and wait; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options for {@link startAgentProcess}. */
export interface AgentProcessOptions {
  consumer: string;
  driver: 'mqtt' | 'pubsub' | 'awsiot' | 'grpc';
  configFile: string;
  kubeconfig: string;
}

/** Starts `maestro agent` and resolves once its `/readyz` answers 200 (subscribed to the broker). */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    [
      'cmd/maestro.ts',
      'agent',
      `--consumer-name=${options.consumer}`,
      `--kubeconfig=${options.kubeconfig}`,
      `--workload-source-driver=${options.driver}`,
      `--workload-source-config=${options.configFile}`,
      '--status-sync-interval=1s',
      '--health-port=0',
      '--health-bind-address=127.0.0.1',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  let healthPort: number | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    const match = /"port":(\d+)[^\n]*health and metrics endpoint listening/.exec(output);
    if (match) healthPort = Number(match[1]);
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const agent: AgentProcess = {
    child,
    get healthPort() {
      return healthPort ?? 0;
    },
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
  await waitFor(
    `agent '${options.consumer}' to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`maestro agent exited:\n${output}`);
      if (healthPort === undefined) return false;
      return (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok === true;
    },
    60_000,
  );
  return agent;
}

/** A source client on the server's gRPC source API, keeping every status it receives. */
export interface SourceClient {
  transport: Transport;
  statuses: DecodedStatus[];
  /** Statuses received for one work. */
  statusesOf(uid: string): DecodedStatus[];
  send(work: ManifestWork, action: 'create_request' | 'update_request' | 'delete_request'): Promise<void>;
  stop(): Promise<void>;
}

/** Connects a source client with source id `sourceId` to `127.0.0.1:<port>`. */
export async function startSourceClient(port: number, sourceId: string): Promise<SourceClient> {
  const statuses: DecodedStatus[] = [];
  const transport = createGrpcTransport(
    { role: 'source', sourceId },
    { url: `127.0.0.1:${port}`, logger: createSilentLogger() },
  );
  await transport.start(async (event: MaestroEvent) => {
    if (event.type.includes('.status.')) statuses.push(decodeStatusEvent(event));
  });
  return {
    transport,
    statuses,
    statusesOf: (uid) => statuses.filter((s) => s.work.metadata.uid === uid),
    send: (work, action) => transport.publish(encodeSpecRequest(work, { source: sourceId, action })),
    stop: () => transport.stop(),
  };
}

/** Creates consumer `name` through the REST API. */
export async function createConsumer(httpPort: number, name: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/maestro/v1/consumers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  assert.equal(response.status, 201, await response.text());
}

/** A ConfigMap-only work (named `name`, ConfigMap `name` in `default` holding `value`). */
export function configMapWork(sourceId: string, consumer: string, name: string, value: string): ManifestWork {
  const manifest: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { key: value },
  };
  return withSourceIdentity(
    { metadata: { name }, spec: { workload: { manifests: [manifest] } } },
    sourceId,
    consumer,
  );
}

/** The `data.key` of ConfigMap `default/<name>` in the test cluster. */
export function configValue(kube: KubeTestServer, name: string): string | undefined {
  const object = kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name }) as
    { data?: Record<string, string> } | undefined;
  return object?.data?.key;
}

/** True when the status reports condition `type` as `True`. */
export function hasCondition(status: DecodedStatus, type: string): boolean {
  return status.work.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
}

/** Where the lifecycle helpers act. */
export interface LifecycleContext {
  kube: KubeTestServer;
  source: SourceClient;
  httpPort: number;
  sourceId: string;
  consumer: string;
}

/** Creates a work and waits until it is applied and its Applied status reached the source. */
export async function createAndWaitApplied(
  context: LifecycleContext,
  name: string,
  value: string,
): Promise<ManifestWork> {
  const work = configMapWork(context.sourceId, context.consumer, name, value);
  await context.source.send(work, 'create_request');
  await waitFor('the ConfigMap applied', () => configValue(context.kube, name) === value, 30_000);
  await waitFor(
    'the Applied status at the source',
    () => context.source.statusesOf(work.metadata.uid as string).some((s) => hasCondition(s, 'Applied')),
    30_000,
  );
  return work;
}

/** Deletes a work and waits for the deletion handshake: `Deleted` status, object and row gone. */
export async function deleteAndWaitGone(context: LifecycleContext, work: ManifestWork): Promise<void> {
  const uid = work.metadata.uid as string;
  await context.source.send(work, 'delete_request');
  await waitFor(
    'the Deleted status at the source',
    () => context.source.statusesOf(uid).some((s) => s.deleted),
    30_000,
  );
  await waitFor(
    'the ConfigMap removed',
    () => configValue(context.kube, work.metadata.name as string) === undefined,
    30_000,
  );
  await waitFor(
    'the resource row removed',
    async () =>
      (await fetch(`http://127.0.0.1:${context.httpPort}/api/maestro/v1/resource-bundles/${uid}`)).status ===
      404,
    30_000,
  );
}

/** Anything a broker e2e file starts and must stop. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * Stops what a broker e2e file started, in the order given (the source client first, the broker
 * last), then removes its temporary directory.
 */
export async function stopInOrder(dir: string, ...started: (Stoppable | undefined)[]): Promise<void> {
  for (const process of started) await process?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** What {@link lifecycleTest} reads when it runs (the file's `before` fills it in). */
export interface LifecycleState {
  skipReason?: string;
  kube?: KubeTestServer;
  source?: SourceClient;
  server?: { httpPort: number };
  agent?: AgentProcess;
}

/**
 * Registers the scenario every broker must pass: create → applied → status at the source → delete
 * handshake → gone, then the agent process stops cleanly (exit 0).
 */
export function lifecycleTest(
  state: () => LifecycleState,
  names: { sourceId: string; consumer: string; work: string },
): void {
  test('create → applied → status at the source → delete handshake → gone', async (t) => {
    const { skipReason, kube, source, server, agent } = state();
    if (skipReason) return t.skip(skipReason);
    assert.ok(kube && source && server && agent, 'the processes started');
    const context = {
      kube,
      source,
      httpPort: server.httpPort,
      sourceId: names.sourceId,
      consumer: names.consumer,
    };
    const work = await createAndWaitApplied(context, names.work, 'one');
    await deleteAndWaitGone(context, work);
    assert.equal(await agent.stop(), 0, 'the agent stops cleanly');
  });
}

/**
 * Sums the samples of Prometheus metric `name` at `url` whose labels include every `labels` pair
 * (0 when there is none).
 */
export async function metricSum(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) {
      sum += Number(match[3]);
    }
  }
  return sum;
}

/** The port a server process announced for `listener` (`metrics`, `health`, …). */
export function announcedPort(lines: readonly string[], listener: string): number {
  for (const line of lines) {
    if (!line.includes('"listening"')) continue;
    const entry = JSON.parse(line) as { listener?: string; port?: number };
    if (entry.listener === listener && entry.port) return entry.port;
  }
  throw new Error(`the server did not announce its ${listener} port`);
}
