/**
 * Starts the Google Cloud Pub/Sub emulator (from the Google Cloud CLI; needs Java) on a free loopback
 * port, in a temporary working directory, and waits until it answers HTTP requests. The emulator keeps
 * everything in memory and ignores subscription filters (protocol.md §11.1), so tests use unique names
 * and receivers filter by `ce-clustername`/`ce-originalsource` themselves.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForProcessReady } from './processes.ts';

const EMULATOR_BINARY = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';
const READY_DEADLINE_MS = 60_000;

/** A running emulator. */
export interface PubSubEmulator {
  /** `127.0.0.1:<port>`: the config's `endpoint` (with `disableTLS: true`) or `PUBSUB_EMULATOR_HOST`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here, or undefined when it can. */
export async function pubSubEmulatorUnavailable(): Promise<string | undefined> {
  const present = await access(EMULATOR_BINARY).then(
    () => true,
    () => false,
  );
  return present ? undefined : `the pub/sub emulator is not installed (${EMULATOR_BINARY})`;
}

/** Starts the emulator; resolves once it accepts requests (throws with its output when it fails). */
export async function startPubSubEmulator(): Promise<PubSubEmulator> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-pubsub-'));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(EMULATOR_BINARY, ['--host=127.0.0.1', `--port=${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The launcher script starts java as a child: end the whole process group.
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForProcessReady(child, {
      name: 'pub/sub emulator',
      ready: () => answers(port),
      deadlineMs: READY_DEADLINE_MS,
      intervalMs: 100,
      output: () => output,
      notReady: `did not start within ${READY_DEADLINE_MS} ms`,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `127.0.0.1:${port}`, stop };
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}
