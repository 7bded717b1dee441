import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../../src/cloudevents/event-types.ts';
import { inTransaction } from '../../../src/server/store/database.ts';
import { restartTestCluster, stopTestCluster } from '../../support/postgres.ts';
import {
  addConsumer,
  CODES,
  grpcCode,
  openMigratedDatabase,
  rawClient,
  specRequest,
  startTestServer,
} from './helpers.ts';

after(() => stopTestCluster());

test('database restarted mid-stream: UNAVAILABLE while down, then pending events are delivered', async (t) => {
  if (process.env.MAESTRO_TEST_DATABASE_URL) {
    t.skip('restarting needs the embedded test cluster');
    return;
  }
  const ts = await startTestServer(t);
  if (!ts) return;
  await addConsumer(ts.pool, 'c1');
  const source = rawClient(ts.sourcePort);
  const agent = rawClient(ts.brokerPort);
  t.after(() => (source.close(), agent.close()));
  const pending = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: pending, cluster: 'c1' }));

  let whileDown: { code: number; details: string } | undefined;
  await restartTestCluster(async () => {
    whileDown = await grpcCode(
      source.publish(specRequest('create_request', { resourceId: randomUUID(), cluster: 'c1' })),
    );
  });
  assert.equal(whileDown?.code, CODES.UNAVAILABLE);
  assert.match(whileDown?.details ?? '', /database unavailable/);

  const sub = await agent.subscribe({ source: '', cluster_name: 'c1', data_type: MANIFEST_BUNDLE_DATA_TYPE });
  await sub.next((e) => e.resourceid === pending, 'the event pending before the restart', 20_000);
  const later = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: later, cluster: 'c1' }));
  await sub.next((e) => e.resourceid === later, 'an event created after the restart', 20_000);
  const rows = await ts.pool.query('SELECT count(*)::int AS n FROM resources');
  assert.equal(rows.rows[0].n, 2, 'the request rejected while down changed nothing');
});

test(
  'a connection lost inside a transaction, between two queries, fails that transaction and crashes nothing',
  { timeout: 30_000 },
  async (t) => {
    const database = await openMigratedDatabase(t);
    if (!database) return;
    // as the dispatcher's transaction awaiting an agent while the database restarts
    const transaction = inTransaction(database.pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const ended = new Promise((resolve) => client.once('end', resolve));
      await database.pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await ended;
      await client.query('SELECT 1');
    });
    await assert.rejects(transaction, /not queryable|terminat/i);
    const { rows } = await database.pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]?.one, 1, 'the pool still serves queries');
  },
);
