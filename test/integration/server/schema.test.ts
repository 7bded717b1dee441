import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { stopTestCluster } from '../../support/postgres.ts';
import { openMigratedDatabase } from './helpers.ts';

after(() => stopTestCluster());

test('ANALYZE keeps statistics of the filtered columns and skips the JSON documents', async (t) => {
  const database = await openMigratedDatabase(t, ['c1']);
  if (database === undefined) return;
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
