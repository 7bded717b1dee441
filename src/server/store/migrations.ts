/**
 * The versioned schema. Migrations run in order, each in its own transaction, recorded in the
 * `migrations` table (upstream's bookkeeping table name) and serialised by a PostgreSQL advisory lock
 * so replicas starting together never race (a fix of upstream, server.md §11 item 16).
 */
import type pg from 'pg';
import type { Logger } from '../../common/logger.ts';
import { connect, databaseError } from './database.ts';

/** One schema migration. */
export interface Migration {
  /** Sortable id (timestamp-like), stored in `migrations.id`. */
  id: string;
  description: string;
  sql: string;
}

/** Every migration in order. Never edit an applied one: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '202601010001',
    description: 'consumers, resources, spec outbox, status events, server instances',
    sql: `
      CREATE TABLE consumers (
        id text PRIMARY KEY,
        name text NOT NULL,
        labels jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX idx_consumers_name ON consumers (name);
      CREATE INDEX idx_consumers_deleted_at ON consumers (deleted_at);

      CREATE TABLE resources (
        id text PRIMARY KEY,
        name text NOT NULL,
        source text NOT NULL,
        consumer_name text NOT NULL
          CONSTRAINT fk_resources_consumers REFERENCES consumers (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
        version bigint NOT NULL,
        type text,
        payload jsonb NOT NULL,
        status jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX idx_resources_name ON resources (name);
      CREATE INDEX idx_resources_source ON resources (source);
      CREATE INDEX idx_resources_consumer_name ON resources (consumer_name);
      CREATE INDEX idx_resources_deleted_at ON resources (deleted_at);

      -- spec events waiting for delivery to an agent; delivered rows are deleted
      CREATE TABLE spec_outbox (
        id bigserial PRIMARY KEY,
        resource_id text NOT NULL,
        consumer_name text NOT NULL,
        event_type text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        parked boolean NOT NULL DEFAULT false
      );
      CREATE INDEX idx_spec_outbox_pending ON spec_outbox (consumer_name, id) WHERE NOT parked;

      -- accepted statuses, relayed to source subscribers by every replica, purged after a while
      CREATE TABLE status_events (
        id bigserial PRIMARY KEY,
        resource_id text NOT NULL,
        source text NOT NULL,
        event_type text NOT NULL,
        event jsonb NOT NULL,
        spec_data jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX idx_status_events_created_at ON status_events (created_at);

      CREATE TABLE server_instances (
        id text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        last_heartbeat timestamptz,
        ready boolean NOT NULL DEFAULT false
      );
    `,
  },
  {
    id: '202601010002',
    description: 'indexes for the REST lists: default order (created_at, id), per consumer and overall',
    sql: `
      CREATE INDEX idx_resources_consumer_created ON resources (consumer_name, created_at, id);
      CREATE INDEX idx_resources_created ON resources (created_at, id);
      CREATE INDEX idx_consumers_created ON consumers (created_at, id);
    `,
  },
  {
    id: '202601010003',
    description: 'index for the SDK list (source + consumer in the default order); drop prefix duplicates',
    // The SDK lists `source=… and consumer_name=…` in the default order: this index hands the page's
    // ids over in that order (an index-only scan) instead of a scan and sort of the wide heap. The
    // dropped indexes are prefixes of this one and of idx_resources_consumer_created, so lookups by
    // source or consumer alone keep an index while every row write maintains one index fewer.
    sql: `
      CREATE INDEX idx_resources_source_consumer_created ON resources (source, consumer_name, created_at, id);
      DROP INDEX idx_resources_source;
      DROP INDEX idx_resources_consumer_name;
    `,
  },
  {
    id: '202601010004',
    description: 'room on resource pages for status updates in place (HOT)',
    // A status update changes no indexed column, so PostgreSQL can keep the new row version on the
    // same page and skip every index (a heap-only tuple), but only if the page has room: full pages
    // made each status write a new entry in all of the table's indexes. Applies to pages written from
    // now on.
    sql: `ALTER TABLE resources SET (fillfactor = 70);`,
  },
  {
    id: '202601010005',
    description: 'no planner statistics on the JSON documents (bundles, statuses, events)',
    // ANALYZE reads and decompresses every sampled document to compute statistics no query uses
    // (nothing filters on a whole document; the planner estimates its expressions by default
    // constants). After a bulk of creates, autoanalyze of resources took a core for over a second and
    // stalled deliveries on a small machine. Statistics target 0 makes ANALYZE skip these columns.
    sql: `
      ALTER TABLE resources ALTER COLUMN payload SET STATISTICS 0, ALTER COLUMN status SET STATISTICS 0;
      ALTER TABLE spec_outbox ALTER COLUMN event SET STATISTICS 0;
      ALTER TABLE status_events ALTER COLUMN event SET STATISTICS 0, ALTER COLUMN spec_data SET STATISTICS 0;
    `,
  },
];

/** Advisory lock key of the migration runner (any constant shared by all replicas). */
const MIGRATION_LOCK_KEY = 7_236_001;

/** Applies the pending migrations; returns the ids it applied. Safe to run from several replicas at once. */
export async function migrate(pool: pg.Pool, logger: Logger): Promise<string[]> {
  const client = await connect(pool);
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await client.query<{ id: string }>('SELECT id FROM migrations')).rows.map((r) => r.id),
      );
      for (const migration of MIGRATIONS) {
        if (done.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO migrations (id) VALUES ($1)', [migration.id]);
          await client.query('COMMIT');
        } catch (err: unknown) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        logger.info({ migration: migration.id, description: migration.description }, 'migration applied');
        applied.push(migration.id);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } catch (err: unknown) {
    throw databaseError(err, 'migrating the database');
  } finally {
    client.release();
  }
  return applied;
}
