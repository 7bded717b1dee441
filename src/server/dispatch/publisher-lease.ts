/**
 * The spec publisher lease of MQTT / Pub/Sub / AWS IoT mode: every replica can reach every agent
 * through the broker, so exactly one replica at a time publishes the outbox — the one holding a
 * session-level PostgreSQL advisory lock. That keeps each event published once and in order per
 * consumer (two replicas draining one consumer's rows with `SKIP LOCKED` could reorder an update and
 * a delete). The lock lives on one dedicated connection: if the holder dies or loses its connection,
 * PostgreSQL releases the lock and another replica takes it at its next attempt.
 *
 * Upstream instead try-locks every event on any replica (server.md §4.4), which can reorder events.
 */
import type pg from 'pg';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';

/** The advisory lock key (one bigint key; migrations and other locks use other keys). */
export const SPEC_PUBLISHER_LOCK_KEY = 0x6d61_6573_7472_6f01n; // "maestro" + 1

/** Options for {@link createPublisherLease}. */
export interface PublisherLeaseOptions {
  pool: pg.Pool;
  logger: Logger;
  /** How often a replica without the lease tries to take it, and the holder checks its connection; default 1 s. */
  checkIntervalMs?: number;
  /** Called each time this replica becomes the publisher. */
  onAcquired?: () => void;
}

/** The lease; see the module comment. */
export interface PublisherLease {
  /** True while this replica holds the lease. */
  readonly held: boolean;
  /** Makes the first attempt (so a lone replica publishes at once) and keeps trying in the background. */
  start(): Promise<void>;
  /** Releases the lease and its connection; idempotent. */
  stop(): Promise<void>;
}

/** Creates the {@link PublisherLease}. */
export function createPublisherLease(options: PublisherLeaseOptions): PublisherLease {
  const { pool } = options;
  const logger = options.logger.child({ component: 'publisher-lease' });
  const intervalMs = options.checkIntervalMs ?? 1000;
  let holder: pg.PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let stopped = false;

  const drop = (client: pg.PoolClient, err: unknown): void => {
    if (holder !== client) return;
    holder = undefined;
    client.release(true);
    logger.warn({ err: errorMessage(err) }, 'spec publisher lease lost');
  };

  const attempt = async (): Promise<void> => {
    if (holder !== undefined) {
      const client = holder;
      await client.query('SELECT 1').catch((err: unknown) => drop(client, err));
      return;
    }
    const client = await pool.connect();
    try {
      const result = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [SPEC_PUBLISHER_LOCK_KEY.toString()],
      );
      if (result.rows[0]?.locked !== true || stopped) {
        if (result.rows[0]?.locked === true)
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [SPEC_PUBLISHER_LOCK_KEY.toString()]);
        client.release();
        return;
      }
    } catch (err: unknown) {
      client.release(true);
      throw err;
    }
    holder = client;
    client.on('error', (err: unknown) => drop(client, err));
    logger.info('this replica is the spec publisher');
    options.onAcquired?.();
  };

  const check = (): Promise<void> => {
    checking ??= attempt()
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'spec publisher lease check failed'))
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  return {
    get held() {
      return holder !== undefined;
    },
    start: async () => {
      if (timer !== undefined || stopped) return;
      timer = setInterval(() => void check(), intervalMs);
      timer.unref();
      await check();
    },
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await checking;
      const client = holder;
      holder = undefined;
      if (client === undefined) return;
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [SPEC_PUBLISHER_LOCK_KEY.toString()]);
        client.release();
      } catch (err: unknown) {
        client.release(true);
        logger.debug({ err: errorMessage(err) }, 'spec publisher lease not released cleanly');
      }
    },
  };
}
