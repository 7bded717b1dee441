import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createDatabase } from '../../../src/server/store/database.ts';
import { migrate } from '../../../src/server/store/migrations.ts';
import { stopTestCluster, useTestDatabase } from '../../support/postgres.ts';

after(() => stopTestCluster());

test('ANALYZE keeps statistics of the filtered columns and skips the JSON documents', async (t) => {
  const db = await useTestDatabase(t);
  if (db === undefined) return;
  const logger = createSilentLogger();
  const database = createDatabase({ url: db.url, maxConnections: 2, logger });
  t.after(() => database.close());
  await migrate(database.pool, logger);
  await database.pool.query(`INSERT INTO consumers (id, name) VALUES ('c1', 'c1')`);
  await database.pool.query(
    `INSERT INTO resources (id, name, source, consumer_name, version, payload, status)
     SELECT 'r' || g, 'r' || g, 'maestro', 'c1', 1, jsonb_build_object('n', g), jsonb_build_object('s', g)
     FROM generate_series(1, 200) g`,
  );
  await database.pool.query('ANALYZE resources');
  const analysed = await database.pool.query<{ attname: string }>(
    `SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'resources'`,
  );
  const columns = new Set(analysed.rows.map((r) => r.attname));
  assert.ok(columns.has('consumer_name') && columns.has('source'), [...columns].join(', '));
  assert.ok(!columns.has('payload') && !columns.has('status'), [...columns].join(', '));
});
