/**
 * The PostgreSQL connection pool: embedded (default) or external (`--db-url` or upstream's
 * `--db-*-file` flags). {@link openDatabase} hides the difference behind one {@link Database}.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { MaestroError, errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { DatabaseConfig } from '../config.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import type { EmbeddedPostgresHandle } from './embedded-postgres.ts';

/** Anything that runs a query: the pool (autocommit) or a checked-out client (inside a transaction). */
export type Queryable = pg.Pool | pg.ClientBase;

/** A connection pool plus the connection string listeners (LISTEN) use. */
export interface Database {
  readonly pool: pg.Pool;
  /** The URL of the database, for dedicated connections (LISTEN/NOTIFY). */
  readonly url: string;
  /** Extra connection options (TLS) applied to every connection. */
  readonly ssl: pg.ClientConfig['ssl'];
  /** Closes the pool and stops the embedded cluster if there is one; idempotent. */
  close(): Promise<void>;
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  config: DatabaseConfig;
  logger: Logger;
  /** Extra settings for an embedded cluster (tests turn fsync off). */
  embeddedSettings?: Readonly<Record<string, string>>;
}

async function readTrimmed(path: string | undefined, what: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err: unknown) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `database ${what} file '${path}' unreadable: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}

async function externalUrl(config: Extract<DatabaseConfig, { kind: 'external' }>): Promise<string> {
  if (config.url !== undefined) return config.url;
  const files = config.files ?? {};
  const host = (await readTrimmed(files.host, 'host')) ?? 'localhost';
  const port = (await readTrimmed(files.port, 'port')) ?? '5432';
  const user = (await readTrimmed(files.user, 'user')) ?? 'postgres';
  const password = (await readTrimmed(files.password, 'password')) ?? '';
  const name = (await readTrimmed(files.name, 'name')) ?? 'maestro';
  const auth =
    password === ''
      ? encodeURIComponent(user)
      : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgres://${auth}@${host}:${port}/${encodeURIComponent(name)}`;
}

async function sslOptions(config: DatabaseConfig): Promise<pg.ClientConfig['ssl']> {
  if (config.kind === 'embedded' || config.sslMode === 'disable') return false;
  if (config.sslMode === 'require') return { rejectUnauthorized: false };
  const ca = await readTrimmed(config.rootCertFile, 'root certificate');
  return {
    rejectUnauthorized: true,
    ca,
    ...(config.sslMode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}

/** Opens the database described by `config` (starting the embedded cluster when asked to). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { config, logger } = options;
  let embedded: EmbeddedPostgresHandle | undefined;
  let url: string;
  if (config.kind === 'embedded') {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      logger: logger.child({ component: 'embedded-postgres' }),
      settings: options.embeddedSettings,
    });
    url = embedded.url;
  } else {
    url = await externalUrl(config);
  }
  const ssl = await sslOptions(config);
  return createDatabase({ url, ssl, maxConnections: config.maxConnections, logger, onClose: embedded?.stop });
}

/** Options for {@link createDatabase}. */
export interface CreateDatabaseOptions {
  url: string;
  ssl?: pg.ClientConfig['ssl'];
  maxConnections: number;
  logger: Logger;
  /** Runs after the pool is closed (stops an embedded cluster). */
  onClose?: () => Promise<void>;
}

/** Wraps a pool around an existing database URL. */
export function createDatabase(options: CreateDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    ssl: options.ssl,
    max: options.maxConnections,
    connectionTimeoutMillis: 10_000,
  });
  // an idle client losing its connection (database restart) must not crash the process
  pool.on('error', (err) => options.logger.warn({ err: errorMessage(err) }, 'idle database connection lost'));
  let closing: Promise<void> | undefined;
  return {
    pool,
    url: options.url,
    ssl: options.ssl ?? false,
    close: () =>
      (closing ??= (async () => {
        await pool.end();
        await options.onClose?.();
      })()),
  };
}

/** Options for {@link inTransaction}. */
export interface TransactionOptions {
  /**
   * False commits without waiting for the WAL flush (`synchronous_commit = off`): only for writes whose
   * loss in a crash is harmless, e.g. removing delivered outbox rows (lost removals mean redelivery,
   * which at-least-once delivery allows). Default true.
   */
  synchronousCommit?: boolean;
}

/** Runs `work` in one transaction on a pooled connection (COMMIT on success, ROLLBACK on failure). */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await connect(pool);
  try {
    await client.query(
      options.synchronousCommit === false ? 'BEGIN; SET LOCAL synchronous_commit TO OFF' : 'BEGIN',
    );
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err: unknown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Listens for `error` on checked-out clients. pg-pool listens only while a client is idle, so a
 * connection lost between two queries of a transaction (the dispatcher awaiting an agent while the
 * database restarts) was an unhandled `error` event, which ends the process. The loss still surfaces:
 * the client's next query fails, and the pool drops the client when it is released.
 */
const surfacedByNextQuery = (): void => undefined;

/** Checks a connection out of the pool, reporting an unreachable database as `UNAVAILABLE`. */
export async function connect(pool: pg.Pool): Promise<PoolClient> {
  try {
    const client = await pool.connect();
    if (!client.listeners('error').includes(surfacedByNextQuery)) client.on('error', surfacedByNextQuery);
    return client;
  } catch (err: unknown) {
    throw new MaestroError('UNAVAILABLE', `database unavailable: ${errorMessage(err)}`, { cause: err });
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Maps a database failure to a {@link MaestroError}: lost or refused connections (and server
 * shutdown codes) become `UNAVAILABLE`, anything else `INTERNAL`.
 */
export function databaseError(err: unknown, what: string): MaestroError {
  if (err instanceof MaestroError) return err;
  const code = (err as { code?: string } | null)?.code;
  const message = errorMessage(err);
  const lost =
    (code !== undefined && CONNECTION_ERROR_CODES.has(code)) ||
    /connection terminated|not queryable|connection.*(closed|ended)|timeout exceeded when trying to connect/i.test(
      message,
    );
  return new MaestroError(
    lost ? 'UNAVAILABLE' : 'INTERNAL',
    `${what}: ${lost ? 'database unavailable: ' : ''}${message}`,
    {
      cause: err,
    },
  );
}
