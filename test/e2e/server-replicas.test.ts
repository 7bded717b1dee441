import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../src/cloudevents/event-types.ts';
import { createConsumer } from '../../src/server/store/consumer-store.ts';
import { createGrpcTransport } from '../../src/transport/grpc/client.ts';
import { specRequest, specResyncRequest, statusUpdate, waitFor } from '../integration/server/helpers.ts';
import { embeddedDatabaseUrl, startServerProcess } from './server-process.ts';

const STATUS = `${MANIFEST_BUNDLE_DATA_TYPE}.status.update_request`;
const FAST_RECONNECT = { initialMs: 100, maxMs: 500, jitter: 0 };

test('two replicas on one database behave as one; a dead replica loses nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-replicas-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await startServerProcess(['--data-dir', join(dir, 'data'), '--client-id', 'replica-a']);
  t.after(() => a.kill());
  const dbUrl = embeddedDatabaseUrl(a.databasePort as number);
  const b = await startServerProcess(['--db-url', dbUrl, '--client-id', 'replica-b']);
  t.after(() => b.kill());
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  pool.on('error', () => undefined);
  t.after(() => pool.end());
  await createConsumer(pool, { name: 'c1' });
  const instances = await pool.query('SELECT id FROM server_instances WHERE ready ORDER BY id');
  assert.deepEqual(
    instances.rows.map((r) => r.id),
    ['replica-a', 'replica-b'],
  );

  const statuses: MaestroEvent[] = [];
  const source = createGrpcTransport(
    { role: 'source', sourceId: 'src' },
    { url: `127.0.0.1:${a.sourcePort}` },
  );
  await source.start(async (e) => void statuses.push(e));
  t.after(() => source.stop());
  const onB: MaestroEvent[] = [];
  const agentB = createGrpcTransport(
    { role: 'agent', clusterName: 'c1' },
    { url: `127.0.0.1:${b.brokerPort}`, reconnectBackoff: FAST_RECONNECT },
  );
  await agentB.start(async (e) => void onB.push(e));
  t.after(() => agentB.stop());

  // spec published through A reaches the agent on B; its status reaches the source on A
  const r1 = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: r1, cluster: 'c1', source: 'src' }));
  await waitFor(() => onB.some((e) => e.resourceid === r1), 'r1 at the agent on replica B');
  await agentB.publish(statusUpdate({ resourceId: r1, cluster: 'c1', version: 1 }));
  await waitFor(
    () => statuses.some((e) => e.resourceid === r1 && e.type === STATUS),
    'r1 status at the source on A',
  );

  // B dies; a change made meanwhile waits for the agent, which reconnects to A and resyncs
  await b.kill();
  await agentB.stop();
  const r2 = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: r2, cluster: 'c1', source: 'src' }));
  const onA: MaestroEvent[] = [];
  const agentA = createGrpcTransport(
    { role: 'agent', clusterName: 'c1' },
    { url: `127.0.0.1:${a.brokerPort}` },
  );
  await agentA.start(async (e) => void onA.push(e));
  t.after(() => agentA.stop());
  await agentA.publish(specResyncRequest('c1', [{ id: r1, version: 1 }]));
  await waitFor(() => onA.some((e) => e.resourceid === r2), 'r2 at the agent reconnected to A');
  await agentA.publish(statusUpdate({ resourceId: r2, cluster: 'c1', version: 1 }));
  await waitFor(
    () => statuses.some((e) => e.resourceid === r2 && e.type === STATUS),
    'r2 status at the source',
  );

  await waitFor(
    async () => (await pool.query('SELECT count(*)::int AS n FROM spec_outbox')).rows[0].n === 0,
    'outbox drained',
  );
  assert.ok(!onA.some((e) => e.resourceid === r1), 'r1, already at the agent, is not sent again');
  assert.equal(
    statuses.filter((e) => e.resourceid === r1 && e.type === STATUS).length,
    1,
    'no duplicated status',
  );
  const rows = await pool.query('SELECT id, status IS NOT NULL AS has_status FROM resources ORDER BY id');
  assert.equal(rows.rows.length, 2);
  assert.ok(rows.rows.every((r) => r.has_status));
  await agentA.stop();
  await source.stop();
  assert.equal(await a.stop(), 0);
});
