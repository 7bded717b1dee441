/**
 * Replica registration: each server upserts its row in `server_instances` with a heartbeat, marks
 * itself ready, removes rows whose heartbeat is older than three intervals (dead replicas, which
 * upstream never cleans up) and deletes its own row on a clean shutdown.
 */
import type pg from 'pg';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';

/** Options for {@link createInstanceRegistry}. */
export interface InstanceRegistryOptions {
  pool: pg.Pool;
  logger: Logger;
  instanceId: string;
  heartbeatMs: number;
}

/** The registration of this replica. */
export interface InstanceRegistry {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Creates the {@link InstanceRegistry}. */
export function createInstanceRegistry(options: InstanceRegistryOptions): InstanceRegistry {
  const { pool, instanceId, heartbeatMs } = options;
  const logger = options.logger.child({ component: 'instance-registry' });
  let timer: NodeJS.Timeout | undefined;

  const pulse = async (): Promise<void> => {
    await pool.query(
      `INSERT INTO server_instances (id, last_heartbeat, ready) VALUES ($1, now(), true)
       ON CONFLICT (id) DO UPDATE SET last_heartbeat = now(), ready = true, updated_at = now()`,
      [instanceId],
    );
    await pool.query(
      `DELETE FROM server_instances WHERE last_heartbeat < now() - make_interval(secs => $1::double precision / 1000)`,
      [heartbeatMs * 3],
    );
  };

  return {
    start: async () => {
      if (timer !== undefined) return;
      await pulse();
      timer = setInterval(() => {
        pulse().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'instance heartbeat failed'));
      }, heartbeatMs);
      timer.unref();
    },
    stop: async () => {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      await pool
        .query('DELETE FROM server_instances WHERE id = $1', [instanceId])
        .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'instance row not removed'));
    },
  };
}
