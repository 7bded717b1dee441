/**
 * Shared pieces of the SDK and CLI e2e tests: the real `maestro server` binary (embedded PostgreSQL in a
 * temporary data directory, every port free) with its REST, gRPC source and broker addresses, and a
 * simulated agent on the integrated broker that receives specs and reports status like a work agent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import type { Condition, ManifestWork } from '../../src/work/types.ts';
import { decodeSpecEvent, encodeDeletedStatusEvent, encodeStatusEvent } from '../../src/work/agent-codec.ts';
import { SequenceIdGenerator } from '../../src/work/sequence-id.ts';
import { createGrpcTransport } from '../../src/transport/grpc/client.ts';
import { waitFor } from '../integration/server/helpers.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

export { waitFor };

/** Fast reconnects for test clients. */
export const FAST_RECONNECT = { initialMs: 100, maxMs: 500, jitter: 0 };

/** A running `maestro server` process. */
export interface MaestroUnderTest {
  restUrl: string;
  grpcAddress: string;
  brokerAddress: string;
  /** Stops the server (SIGTERM) and starts it again on the same ports and data directory. */
  restart(): Promise<void>;
}

function httpPort(server: ServerProcess): number | undefined {
  for (const line of server.lines) {
    try {
      const entry = JSON.parse(line) as { msg?: string; listener?: string; port?: number };
      if (entry.msg === 'listening' && entry.listener !== undefined && /^(http|rest)/.test(entry.listener)) {
        return entry.port;
      }
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

async function launch(dataDir: string, ports?: { http: number; source: number; broker: number }) {
  const server = await startServerProcess([
    '--data-dir',
    dataDir,
    '--health-check-server-bindport',
    '0',
    '--metrics-server-bindport',
    '0',
    '--http-server-bindport',
    String(ports?.http ?? 0),
    ...(ports === undefined
      ? []
      : ['--grpc-server-bindport', String(ports.source), '--grpc-broker-bindport', String(ports.broker)]),
  ]);
  const http = await waitFor(() => httpPort(server), 'the REST listener', 10_000).catch(
    async (err: unknown) => {
      await server.kill();
      throw err;
    },
  );
  return { server, ports: { http, source: server.sourcePort, broker: server.brokerPort } };
}

/** Starts `maestro server` for one test; it is killed and its data removed after the test. */
export async function startMaestro(t: TestContext): Promise<MaestroUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-client-'));
  const dataDir = join(dir, 'data');
  let { server, ports } = await launch(dataDir);
  t.after(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    restUrl: `http://127.0.0.1:${ports.http}`,
    grpcAddress: `127.0.0.1:${ports.source}`,
    brokerAddress: `127.0.0.1:${ports.broker}`,
    async restart() {
      await server.stop();
      ({ server, ports } = await launch(dataDir, ports));
    },
  };
}

/** A simulated work agent for one consumer. */
export interface SimulatedAgent {
  /** The works the agent holds, by uid, as last received. */
  readonly works: Map<string, ManifestWork>;
  /** When true (the default) every spec is answered with Applied/Available, every delete with Deleted. */
  autoStatus: boolean;
  /** Publishes `conditions` as the status of work `uid` (retrying while the broker is unreachable). */
  publishStatus(uid: string, conditions: Condition[]): Promise<void>;
}

/** The status a healthy agent reports for `work`. */
export function appliedConditions(work: ManifestWork, now = new Date()): Condition[] {
  const lastTransitionTime = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const observedGeneration = work.metadata.generation ?? 0;
  return [
    {
      type: 'Applied',
      status: 'True',
      reason: 'AppliedManifestWorkComplete',
      message: 'Apply manifest work complete',
      lastTransitionTime,
      observedGeneration,
    },
    {
      type: 'Available',
      status: 'True',
      reason: 'ResourcesAvailable',
      message: 'All resources are available',
      lastTransitionTime,
      observedGeneration,
    },
  ];
}

/** Connects a simulated agent for `clusterName` to the server's broker; stopped after the test. */
export async function startSimulatedAgent(
  t: TestContext,
  brokerAddress: string,
  clusterName: string,
): Promise<SimulatedAgent> {
  const sequenceIds = new SequenceIdGenerator();
  const source = `${clusterName}-work-agent`;
  const works = new Map<string, ManifestWork>();
  const transport = createGrpcTransport(
    { role: 'agent', clusterName },
    { url: brokerAddress, reconnectBackoff: FAST_RECONNECT },
  );
  const publish = async (event: () => MaestroEvent): Promise<void> => {
    let lastError = '';
    await waitFor(
      () =>
        transport.publish(event()).then(
          () => true,
          (err: unknown) => {
            lastError = err instanceof Error ? err.message : String(err);
            return false;
          },
        ),
      `agent '${clusterName}' publishing a status`,
      20_000,
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)} (last error: ${lastError})`);
    });
  };
  const agent: SimulatedAgent = {
    works,
    autoStatus: true,
    async publishStatus(uid, conditions) {
      const work = works.get(uid);
      if (work === undefined) throw new Error(`agent '${clusterName}' has no work '${uid}'`);
      await publish(() => encodeStatusEvent({ ...work, status: { conditions } }, { source, sequenceIds }));
    },
  };
  await transport.start(async (event) => {
    const work = decodeSpecEvent(event);
    const uid = work.metadata.uid!;
    works.set(uid, work);
    if (!agent.autoStatus) return;
    if (work.metadata.deletionTimestamp !== undefined) {
      await publish(() => encodeDeletedStatusEvent(work, { source, sequenceIds }));
    } else {
      await agent.publishStatus(uid, appliedConditions(work));
    }
  });
  t.after(() => transport.stop());
  return agent;
}
