import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../../src/cloudevents/event-types.ts';
import { restartTestCluster, stopTestCluster } from '../../support/postgres.ts';
import { addConsumer, CODES, grpcCode, rawClient, specRequest, startTestServer } from './helpers.ts';

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
