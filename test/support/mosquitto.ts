/**
 * Starts a real Mosquitto on a free loopback port with a generated config, for the MQTT and AWS IoT
 * transport tests. Modes:
 *
 * - `plain`: anonymous TCP;
 * - `tls-password`: TLS (server certificate from a test CA) plus username/password;
 * - `mtls`: TLS with client certificates required;
 * - `aws-iot`: like AWS IoT Core — TLS 1.2+, client certificates required, the certificate CN used as
 *   the identity, and per-client topic ACLs mirroring upstream's IoT policies (a consumer `<c>` may
 *   only receive `sources/+/consumers/<c>/sourceevents` and publish its own agentevents/agentbroadcast;
 *   a source `<s>` may only publish `sources/<s>/consumers/+/sourceevents` and receive its agentevents).
 *
 * Mosquitto started as root drops to the `mosquitto` user, so the directory and files it reads are
 * world-readable. Readiness is a successful TCP connection, not a sleep.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestPki, LOOPBACK_NAMES } from './certs.ts';
import type { IssuedCertificate, TestPki } from './certs.ts';
import { freePort, waitForProcessReady } from './processes.ts';

const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';
const READY_DEADLINE_MS = 10_000;

/** How the broker authenticates clients; see the module comment. */
export type MosquittoMode = 'plain' | 'tls-password' | 'mtls' | 'aws-iot';

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  mode: MosquittoMode;
  /** Largest packet the broker accepts (`max_packet_size`); default unlimited. */
  maxPacketBytes?: number;
}

/** A running broker. */
export interface MosquittoInstance {
  readonly mode: MosquittoMode;
  /** `127.0.0.1:<port>`, as the config file's `brokerHost`. */
  readonly brokerHost: string;
  readonly port: number;
  /** The test CA (TLS modes). */
  readonly pki?: TestPki;
  /** Username and password (`tls-password`). */
  readonly credentials?: { username: string; password: string };
  /** Issues a client certificate with `commonName` as its identity (TLS modes). */
  issueClientCertificate(commonName: string): Promise<IssuedCertificate>;
  /** Kills the broker and starts it again on the same port; resolves when it accepts connections. */
  restart(): Promise<void>;
  /** Stops the broker and removes its files. */
  stop(): Promise<void>;
}

/** True when the Mosquitto binary is installed. */
export async function isMosquittoAvailable(): Promise<boolean> {
  return access(MOSQUITTO_BINARY).then(
    () => true,
    () => false,
  );
}

/** Starts Mosquitto in `options.mode`; throws when the binary is missing or the broker does not come up. */
export async function startMosquitto(options: MosquittoOptions): Promise<MosquittoInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-mosquitto-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const tlsMode = options.mode !== 'plain';
  const pki = tlsMode ? await createTestPki() : undefined;
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'set_tcp_nodelay true',
    'max_queued_messages 10000',
  ];
  if (options.maxPacketBytes !== undefined) lines.push(`max_packet_size ${options.maxPacketBytes}`);
  let credentials: MosquittoInstance['credentials'];
  if (pki !== undefined) {
    const server = await pki.issue('mosquitto-server', { commonName: 'mosquitto', ...LOOPBACK_NAMES });
    lines.push(`cafile ${pki.ca.certFile}`, `certfile ${server.certFile}`, `keyfile ${server.keyFile}`);
  }
  if (options.mode === 'plain') lines.push('allow_anonymous true');
  if (options.mode === 'tls-password') {
    credentials = { username: 'maestro', password: 'test-password' };
    const passwordFile = join(dir, 'passwords');
    await promisify(execFile)('mosquitto_passwd', [
      '-b',
      '-c',
      passwordFile,
      credentials.username,
      credentials.password,
    ]);
    await chmod(passwordFile, 0o644);
    lines.push('allow_anonymous false', `password_file ${passwordFile}`);
  }
  if (options.mode === 'mtls' || options.mode === 'aws-iot') {
    lines.push('require_certificate true', 'use_identity_as_username true', 'allow_anonymous false');
  }
  if (options.mode === 'aws-iot') {
    const aclFile = join(dir, 'acl');
    await writeFile(aclFile, AWS_IOT_ACL, { mode: 0o644 });
    lines.push('tls_version tlsv1.2', `acl_file ${aclFile}`);
  }
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, `${lines.join('\n')}\n`, { mode: 0o644 });

  let child: ChildProcess | undefined;
  let stderr = '';
  const launch = async () => {
    stderr = '';
    const proc = spawn(MOSQUITTO_BINARY, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child = proc;
    await waitForProcessReady(proc, {
      name: 'mosquitto',
      ready: () => canConnect(port),
      deadlineMs: READY_DEADLINE_MS,
      intervalMs: 25,
      output: () => stderr,
      notReady: `did not accept connections on ${port}`,
    });
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  await launch();

  return {
    mode: options.mode,
    brokerHost: `127.0.0.1:${port}`,
    port,
    pki,
    credentials,
    async issueClientCertificate(commonName) {
      if (pki === undefined) throw new Error('plain mosquitto has no certificates');
      return pki.issue(`client-${commonName}`, { commonName });
    },
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      await pki?.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Upstream's IoT policies as Mosquitto pattern ACLs (`%u` is the certificate CN): consumers are named
 * `c-…`/cluster names, sources by their source id; each may only touch its own topics.
 */
const AWS_IOT_ACL = [
  '# consumer <u>: receive its spec events, publish its status and resync requests',
  'pattern read sources/+/consumers/%u/sourceevents',
  'pattern write sources/+/consumers/%u/agentevents',
  'pattern write clusters/%u/agentbroadcast',
  '# source <u>: publish spec events to any consumer, receive status addressed to it',
  'pattern write sources/%u/consumers/+/sourceevents',
  'pattern read sources/%u/consumers/+/agentevents',
  'pattern write sources/%u/sourcebroadcast',
  'pattern read clusters/+/agentbroadcast',
  '',
].join('\n');

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
