/**
 * Runs the real `maestro server` binary for e2e tests: `node cmd/maestro.ts server` with every port 0
 * and an embedded PostgreSQL in a given data directory; the bound ports are read from the server's
 * `listening` log lines, the embedded database port from its start-up line. Every listener gets port 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running server process. */
export interface ServerProcess {
  child: ChildProcess;
  sourcePort: number;
  /** The integrated gRPC broker's port (0 with `--message-broker-type` mqtt/pubsub/awsiot). */
  brokerPort: number;
  /** The REST API's port. */
  httpPort: number;
  /** Port of the embedded PostgreSQL (when the server runs one). */
  databasePort?: number;
  /** Every log line so far. */
  lines: string[];
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/**
 * Starts `maestro server` with `args` (ports default to 0); resolves once the gRPC source API, the REST
 * API and (in the default gRPC broker mode) the agent broker listen.
 */
export async function startServerProcess(args: string[], timeoutMs = 60_000): Promise<ServerProcess> {
  const typeFlag = args.indexOf('--message-broker-type');
  const brokerMode = typeFlag >= 0 && args[typeFlag + 1] !== 'grpc';
  const child = spawn(
    process.execPath,
    [
      'cmd/maestro.ts',
      'server',
      '--server-hostname',
      '127.0.0.1',
      '--grpc-server-bindport',
      '0',
      '--grpc-broker-bindport',
      '0',
      '--http-server-bindport',
      '0',
      '--health-check-server-bindport',
      '0',
      '--metrics-server-bindport',
      '0',
      '--heartbeat-check-interval',
      '1s',
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines: string[] = [];
  const ports: Record<string, number> = {};
  let databasePort: number | undefined;
  let buffered = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server not listening after ${timeoutMs} ms:\n${lines.join('\n')}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        try {
          const entry = JSON.parse(line) as {
            msg?: string;
            listener?: string;
            port?: number;
            component?: string;
          };
          if (entry.msg === 'listening' && entry.listener && entry.port) ports[entry.listener] = entry.port;
          if (entry.msg === 'embedded database started') databasePort = entry.port;
        } catch {
          // not a JSON log line
        }
      }
      if (ports['grpc-source'] && ports.http && (brokerMode || ports['grpc-broker'])) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  await ready;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    sourcePort: ports['grpc-source'] as number,
    brokerPort: ports['grpc-broker'] ?? 0,
    httpPort: ports.http as number,
    databasePort,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The URL of a server's embedded database (user `postgres`, password `maestro`). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://postgres:maestro@127.0.0.1:${port}/postgres`;
}
