/**
 * Scrape-time reads for the server's gauges: outbox depth, age of the oldest undelivered spec event
 * and PostgreSQL's notification queue usage.
 */
import type pg from 'pg';

/** Undelivered spec events (parked ones included: they are undelivered too). */
export async function readOutboxDepth(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ n: string }>('SELECT count(*) AS n FROM spec_outbox');
  return Number(result.rows[0]?.n ?? 0);
}

/** Seconds since the oldest undelivered spec event was enqueued; 0 when the outbox is empty. */
export async function readOldestUndeliveredAgeSeconds(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ age: number | null }>(
    'SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age FROM spec_outbox',
  );
  return result.rows[0]?.age ?? 0;
}

/** `pg_notification_queue_usage()`: the fraction (0–1) of the NOTIFY queue in use. */
export async function readNotificationQueueUsage(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ usage: number }>('SELECT pg_notification_queue_usage()::float8 AS usage');
  return result.rows[0]?.usage ?? 0;
}
