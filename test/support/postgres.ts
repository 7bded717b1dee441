/**
 * PostgreSQL for tests. With `MAESTRO_TEST_DATABASE_URL` set, every test database is created on that
 * server; otherwise each test process starts one embedded cluster (copied from a cached, initialised
 * template directory, so start-up costs well under a second) with durability turned off. Every call
 * of {@link createTestDatabase} gets its own fresh database on the shared cluster. Works as root
 * (the cluster then runs as the `postgres` user) and as an ordinary user.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createSilentLogger } from '../../src/common/logger.ts';
import { startEmbeddedPostgres } from '../../src/server/store/embedded-postgres.ts';
import type { EmbeddedPostgresHandle } from '../../src/server/store/embedded-postgres.ts';

const execFileAsync = promisify(execFile);

/** Settings that make a throw-away cluster fast (no durability needed in tests). */
export const FAST_TEST_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/** A database of its own for one test. */
export interface TestDatabase {
  /** Connection URL of the database. */
  url: string;
  /** Database name. */
  name: string;
  /** Drops the database (terminating its connections). */
  drop(): Promise<void>;
}

interface Cluster {
  adminUrl: string;
  embedded?: EmbeddedPostgresHandle;
  /** Directory of a process-private cluster, removed on stop. */
  dir?: string;
}

let cluster: Promise<Cluster> | undefined;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The cached initialised data directory every test cluster is copied from. */
async function templateDir(): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const template = join(tmpdir(), `maestro-test-pg17-template-${uid}`);
  if (await exists(join(template, 'PG_VERSION'))) return template;
  const building = await mkdtemp(join(tmpdir(), 'maestro-test-pg-build-'));
  const handle = await startEmbeddedPostgres({
    dataDir: join(building, 'data'),
    logger: createSilentLogger(),
  });
  await handle.stop();
  await rename(join(building, 'data'), template).catch(() => undefined); // another process won the race
  await rm(building, { recursive: true, force: true });
  return template;
}

async function startCluster(): Promise<Cluster> {
  const external = process.env.MAESTRO_TEST_DATABASE_URL;
  if (external) return { adminUrl: external };
  const dir = await mkdtemp(join(tmpdir(), 'maestro-test-pg-'));
  const dataDir = join(dir, 'data');
  await cp(await templateDir(), dataDir, { recursive: true });
  await rm(join(dataDir, 'postmaster.pid'), { force: true });
  if (process.getuid?.() === 0) await execFileAsync('chown', ['-R', 'postgres:postgres', dir]);
  const embedded = await startEmbeddedPostgres({
    dataDir,
    logger: createSilentLogger(),
    settings: FAST_TEST_SETTINGS,
  });
  return { adminUrl: embedded.url, embedded, dir };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Creates a fresh, empty database (starting the process's cluster on first use). */
export async function createTestDatabase(): Promise<TestDatabase> {
  cluster ??= startCluster();
  const { adminUrl } = await cluster;
  const name = `maestro_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The running embedded cluster of this process, for tests that stop and restart the database. */
export async function testCluster(): Promise<EmbeddedPostgresHandle | undefined> {
  cluster ??= startCluster();
  return (await cluster).embedded;
}

/** Stops this process's cluster and removes its files (call from a top-level `after`). */
export async function stopTestCluster(): Promise<void> {
  if (cluster === undefined) return;
  const current = await cluster;
  cluster = undefined;
  await current.embedded?.stop();
  if (current.dir) await rm(current.dir, { recursive: true, force: true });
}

/**
 * {@link createTestDatabase}, or skips the test when no PostgreSQL can be started (a failure instead
 * when `MAESTRO_REQUIRE_INTEGRATION=1`). The database is dropped when the test ends.
 */
export async function useTestDatabase(t: TestContext): Promise<TestDatabase | undefined> {
  try {
    const db = await createTestDatabase();
    t.after(() => db.drop());
    return db;
  } catch (err: unknown) {
    if (process.env.MAESTRO_REQUIRE_INTEGRATION === '1') throw err;
    t.skip(`PostgreSQL unavailable: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Stops the embedded cluster and starts it again on the same port (simulates a database restart). */
export async function restartTestCluster(between?: () => Promise<void>): Promise<void> {
  cluster ??= startCluster();
  const current = await cluster;
  if (current.embedded === undefined || current.dir === undefined) {
    throw new Error('restarting needs the embedded test cluster (MAESTRO_TEST_DATABASE_URL is set)');
  }
  const port = current.embedded.port;
  await current.embedded.stop();
  await between?.();
  current.embedded = await startEmbeddedPostgres({
    dataDir: join(current.dir, 'data'),
    logger: createSilentLogger(),
    settings: FAST_TEST_SETTINGS,
    port,
  });
}
