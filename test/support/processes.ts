/**
 * Helpers for tests that run an external server process (Mosquitto, the Pub/Sub emulator, `maestro`
 * itself): a free loopback port to give it, and waiting until it is ready — polled with a deadline, and
 * failing at once, with the process's output, when it exits instead.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago, for a process that must be told its port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Options for {@link waitForProcessReady}. */
export interface ProcessReadyOptions {
  /** The process's name in error messages, e.g. `mosquitto`. */
  name: string;
  /** True once the process serves (e.g. accepts a connection). */
  ready: () => Promise<boolean>;
  deadlineMs: number;
  /** Pause between checks. */
  intervalMs: number;
  /** The process's recent output, for the error messages. */
  output: () => string;
  /** What the timeout error says the process did not do, e.g. `did not accept connections on 1883`. */
  notReady: string;
}

/** Polls `options.ready` until it holds; throws when `proc` exits first or the deadline passes. */
export async function waitForProcessReady(proc: ChildProcess, options: ProcessReadyOptions): Promise<void> {
  const deadline = Date.now() + options.deadlineMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${options.name} exited (${proc.exitCode ?? proc.signalCode}): ${options.output()}`);
    }
    if (await options.ready()) return;
    if (Date.now() > deadline) throw new Error(`${options.name} ${options.notReady}: ${options.output()}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
