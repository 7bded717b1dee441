/**
 * `maestro server` benchmark: the real server process (embedded PostgreSQL, integrated gRPC broker),
 * simulated agents in child processes (`agent-sim.ts`) and a source publisher in this process.
 * Measures sustained creates/s, create → agent latency at a fixed 500 creates/s across 1,000 agents,
 * status updates persisted/s, connected agents and the server's RSS, plus the CPU the server, its
 * PostgreSQL and the load generators spent per create and per status update (they share the cores).
 *
 * The latency goal is measured as the issue states it, with the 1,000 agents the creates go to
 * connected; then every other agent connects and the same latency is measured again, without a goal:
 * with 10,000 agent streams the server heap is large enough that a major garbage collection stalls
 * deliveries for some 300 ms, and that tail must stay visible.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../src/cloudevents/event-types.ts';
import { PUBLISH_METHOD_PATH } from '../../src/transport/grpc/service.ts';
import { embeddedDatabaseUrl, startServerProcess } from '../e2e/server-process.ts';
import { waitFor } from '../support/wait.ts';
import { percentile } from './bench-module.ts';
import type { BenchMetric, BenchModule, BenchOptions } from './bench-module.ts';
import type { AgentSimCommand } from './agent-sim.ts';
import { publishRequestFactory } from './event-bytes.ts';
import { processCpuSeconds } from './process-cpu.ts';
import type { ProcessCpu } from './process-cpu.ts';
import { connectRawGrpc } from './raw-grpc-unary.ts';
import type { RawGrpcConnection } from './raw-grpc-unary.ts';

const LATENCY_AGENTS = 1000;
const SIM_PROCESSES = 4;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const createBytes = publishRequestFactory(
  {
    id: 'template',
    source: 'bench-source',
    type: `${MANIFEST_BUNDLE_DATA_TYPE}.spec.create_request`,
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    clustername: 'template',
    resourceid: 'template',
    resourceversion: 0,
    originalsource: '',
    metadata: JSON.stringify({ name: 'bench-work', namespace: 'default', resourceVersion: '0' }),
    data: {
      manifests: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'bench-config', namespace: 'default' },
          data: { k: 'v' },
        },
      ],
    },
  },
  ['clustername', 'resourceid'],
);

function createRequest(consumer: string): Buffer {
  return createBytes({ clustername: consumer, resourceid: randomUUID() });
}

function publish(connection: RawGrpcConnection, bytes: Buffer): Promise<boolean> {
  return connection.unary(PUBLISH_METHOD_PATH, bytes);
}

/** Cumulative CPU seconds of the server process, its PostgreSQL and everything else this bench runs. */
interface CpuSplit {
  server: number;
  postgres: number;
  generators: number;
  at: number;
}

async function cpuSplit(serverPid: number): Promise<CpuSplit> {
  const [server, bench] = (await processCpuSeconds([serverPid, process.pid])) as [ProcessCpu, ProcessCpu];
  return {
    server: server.own,
    postgres: server.tree - server.own,
    generators: bench.tree - server.tree,
    at: performance.now(),
  };
}

/**
 * CPU per operation between two {@link cpuSplit} samples, per part: unlike a rate, it says what a
 * change saved even when other work shares the machine.
 */
function cpuPerOperation(operation: string, count: number, from: CpuSplit, to: CpuSplit): BenchMetric[] {
  return (['server', 'postgres', 'generators'] as const).map((part) => ({
    name: `${part === 'generators' ? 'load generators' : part} CPU per ${operation}`,
    value: Math.round(((to[part] - from[part]) * 1e6) / Math.max(1, count)),
    unit: 'µs',
  }));
}

interface Sim {
  child: ChildProcess;
  ask<T>(command: AgentSimCommand, reply: string): Promise<T>;
}

function forkSim(): Sim {
  const child = fork(new URL('./agent-sim.ts', import.meta.url), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return {
    child,
    ask: (command, reply) =>
      new Promise((resolve) => {
        const onMessage = (message: { cmd: string }): void => {
          if (message.cmd !== reply) return;
          child.off('message', onMessage);
          resolve(message as never);
        };
        child.on('message', onMessage);
        child.send(command);
      }),
  };
}

async function run(options: BenchOptions): Promise<BenchMetric[]> {
  const { quick, log } = options;
  const totalAgents = quick ? 2000 : 10_000;
  const throughputMs = quick ? 10_000 : 60_000;
  const latencyMs = quick ? 5_000 : 20_000;
  const warmupMs = quick ? 2_000 : 5_000;
  const statusMs = quick ? 5_000 : 20_000;
  const dir = await mkdtemp(join(tmpdir(), 'maestro-bench-'));
  const server = await startServerProcess([
    '--data-dir',
    join(dir, 'data'),
    '--heartbeat-check-interval',
    '10s',
  ]);
  const sims: Sim[] = [];
  const sources: RawGrpcConnection[] = [];
  try {
    const pid = server.child.pid as number;
    const pool = new pg.Pool({
      connectionString: embeddedDatabaseUrl(server.databasePort as number),
      max: 2,
    });
    await pool.query(
      `INSERT INTO consumers (id, name) SELECT gen_random_uuid()::text, 'agent-' || g FROM generate_series(1, $1) g`,
      [totalAgents],
    );
    const consumers = Array.from({ length: totalAgents }, (_, i) => `agent-${i + 1}`);
    const latencySet = consumers.slice(0, LATENCY_AGENTS);

    for (let p = 0; p < SIM_PROCESSES; p += 1) sims.push(forkSim());
    /** Connects `agents` (spread over the simulator processes); resolves with how many are connected. */
    const connect = async (agents: readonly string[]): Promise<number> => {
      log(`connecting ${agents.length} agents from ${SIM_PROCESSES} processes`);
      const connectStart = Date.now();
      const replies = await Promise.all(
        sims.map((sim, p) =>
          sim.ask<{ connected: number }>(
            {
              cmd: 'connect',
              port: server.brokerPort,
              consumers: agents.filter((_c, i) => i % SIM_PROCESSES === p),
              streamsPerConnection: 1,
            },
            'connected',
          ),
        ),
      );
      const connected = replies.reduce((sum, r) => sum + r.connected, 0);
      log(
        `${connected} agents connected in ${Date.now() - connectStart} ms; server RSS ${await rssMiB(pid)} MiB`,
      );
      return connected;
    };
    for (let i = 0; i < 8; i += 1) sources.push(connectRawGrpc(`127.0.0.1:${server.sourcePort}`));

    let created = 0;
    let n = 0;
    /** Waits until the agents hold `expected` creates: every accepted create reaches its agent. */
    const delivered = (expected: number, what: string): Promise<boolean> =>
      waitFor(
        async () => {
          const counts = await Promise.all(
            sims.map((s) => s.ask<{ received: number }>({ cmd: 'received' }, 'received')),
          );
          return counts.reduce((sum, c) => sum + c.received, 0) >= expected;
        },
        what,
        120_000,
        100,
      );
    /** Offers 500 creates/s across the latency agents for `durationMs`; waits until all are delivered. */
    const offer = async (durationMs: number): Promise<void> => {
      const interval = 10;
      const perTick = 5;
      const latencyEnd = Date.now() + durationMs;
      const inFlight: Promise<boolean>[] = [];
      while (Date.now() < latencyEnd) {
        const tick = Date.now();
        for (let i = 0; i < perTick; i += 1) {
          inFlight.push(
            publish(
              sources[n % sources.length] as RawGrpcConnection,
              createRequest(latencySet[n++ % LATENCY_AGENTS] as string),
            ),
          );
        }
        await new Promise((r) => setTimeout(r, Math.max(0, interval - (Date.now() - tick))));
      }
      created += (await Promise.all(inFlight)).filter(Boolean).length;
      await delivered(created, 'every create of the latency phase to reach its agent');
    };
    /**
     * Measures the delivery latency of {@link offer}ed creates, after a warm-up at the same rate that
     * is not measured (the first creates of a fresh server also pay for compiling its code paths).
     */
    const measureLatency = async (): Promise<number[]> => {
      await offer(warmupMs);
      await Promise.all(sims.map((s) => s.ask({ cmd: 'stats' }, 'stats')));
      log(`latency at 500 creates/s across ${LATENCY_AGENTS} agents for ${latencyMs / 1000} s`);
      await offer(latencyMs);
      const stats = await Promise.all(
        sims.map((s) => s.ask<{ latencies: number[] }>({ cmd: 'stats' }, 'stats')),
      );
      const latencies = stats.flatMap((s) => s.latencies);
      log(`${latencies.length} deliveries measured`);
      return latencies;
    };

    await connect(latencySet);
    const latencies = await measureLatency();

    const connected = await connect(consumers.slice(LATENCY_AGENTS));
    const rssConnected = await rssMiB(pid);

    log(`sustained creates for ${throughputMs / 1000} s`);
    let sustained = 0;
    let failed = 0;
    const deadline = Date.now() + throughputMs;
    const started = Date.now();
    const createsCpuStart = await cpuSplit(pid);
    await Promise.all(
      Array.from({ length: 256 }, async (_, w) => {
        while (Date.now() < deadline) {
          const ok = await publish(
            sources[w % sources.length] as RawGrpcConnection,
            createRequest(latencySet[n++ % LATENCY_AGENTS] as string),
          );
          if (ok) sustained += 1;
          else failed += 1;
        }
      }),
    );
    const createsPerSecond = sustained / ((Date.now() - started) / 1000);
    const createsCpu = cpuPerOperation('create', sustained, createsCpuStart, await cpuSplit(pid));
    log(`${sustained} creates (${failed} failed): ${createsPerSecond.toFixed(0)}/s`);
    created += sustained;
    // the next latency phase starts from an empty outbox, not from the backlog of the sustained phase
    await delivered(created, 'every sustained create to reach its agent');
    const latenciesAllConnected = await measureLatency();

    log(`status updates for ${statusMs / 1000} s`);
    const statusStart = Date.now();
    const statusCpuStart = await cpuSplit(pid);
    const statusReplies = await Promise.all(
      sims.map((s) =>
        s.ask<{ ok: number; failed: number }>(
          { cmd: 'status', durationMs: statusMs, concurrency: 64 },
          'status',
        ),
      ),
    );
    const statusOk = statusReplies.reduce((a, r) => a + r.ok, 0);
    const statusPerSecond = statusOk / ((Date.now() - statusStart) / 1000);
    const statusCpu = cpuPerOperation('status update', statusOk, statusCpuStart, await cpuSplit(pid));
    const rssEnd = await rssMiB(pid);
    await pool.end();
    return [
      {
        name: 'creates sustained',
        value: Math.round(createsPerSecond),
        unit: '/s',
        goal: { op: '>=', value: 2000 },
      },
      { name: 'create→agent p50 @500/s', value: percentile(latencies, 50), unit: 'ms' },
      {
        name: 'create→agent p99 @500/s',
        value: percentile(latencies, 99),
        unit: 'ms',
        goal: { op: '<=', value: 100 },
      },
      {
        name: `create→agent p50 @500/s, ${connected} connected`,
        value: percentile(latenciesAllConnected, 50),
        unit: 'ms',
      },
      {
        name: `create→agent p99 @500/s, ${connected} connected`,
        value: percentile(latenciesAllConnected, 99),
        unit: 'ms',
      },
      {
        name: 'status updates persisted',
        value: Math.round(statusPerSecond),
        unit: '/s',
        goal: { op: '>=', value: 5000 },
      },
      {
        name: 'connected agents',
        value: connected,
        unit: 'agents',
        goal: { op: '>=', value: quick ? 2000 : 10_000 },
      },
      {
        name: 'server RSS with agents connected',
        value: rssConnected,
        unit: 'MiB',
        goal: { op: '<=', value: 1024 },
      },
      { name: 'server RSS at end', value: rssEnd, unit: 'MiB', goal: { op: '<=', value: 1024 } },
      ...createsCpu,
      ...statusCpu,
    ];
  } finally {
    for (const client of sources) client.close();
    for (const sim of sims) sim.child.send({ cmd: 'exit' } satisfies AgentSimCommand);
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The server benchmark module. */
export const serverBenchmark: BenchModule = {
  name: 'server',
  description: 'creates/s, create→agent latency, status/s, connected agents and RSS of maestro server',
  run,
};
