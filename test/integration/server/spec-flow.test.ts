import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../../src/cloudevents/event-types.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import {
  addConsumer,
  bundle,
  CODES,
  grpcCode,
  rawClient,
  specRequest,
  startTestServer,
  waitFor,
} from './helpers.ts';

after(() => stopTestCluster());

const SPEC = (action: string) => `${MANIFEST_BUNDLE_DATA_TYPE}.spec.${action}`;

test('create is delivered to the subscribed agent with upstream attribute kinds', async (t) => {
  const ts = await startTestServer(t);
  if (!ts) return;
  await addConsumer(ts.pool, 'cluster1');
  const agent = rawClient(ts.brokerPort);
  const source = rawClient(ts.sourcePort);
  t.after(() => (agent.close(), source.close()));
  const sub = await agent.subscribe({
    source: '',
    cluster_name: 'cluster1',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  assert.match(sub.subscriptionId, /^[0-9a-f-]{36}$/);

  const id = randomUUID();
  await source.publish(
    specRequest('create_request', { resourceId: id, cluster: 'cluster1', workName: 'my-work' }),
  );
  const delivered = await waitFor(
    () => sub.received.find((e) => e.type === SPEC('create_request')),
    'create event',
  );
  const attrs = delivered.attributes ?? {};
  assert.equal(delivered.source, 'maestro');
  assert.equal(delivered.spec_version, '1.0');
  assert.equal(attrs['ce-resourceversion']?.ce_integer, 1);
  assert.equal(attrs['ce-resourceid']?.ce_string, id);
  assert.equal(attrs['ce-clustername']?.ce_string, 'cluster1');
  assert.equal(attrs['ce-originalsource']?.ce_string, '');
  assert.equal(attrs.contenttype?.ce_string, 'application/json');
  assert.ok(attrs['ce-time']?.ce_timestamp, 'time is a timestamp');
  const metadata = JSON.parse(attrs['ce-metadata']?.ce_string ?? '{}') as Record<string, unknown>;
  assert.equal(metadata.name, id, 'the agent work is named after the resource id');
  assert.equal(metadata.namespace, 'cluster1');
  assert.match(String(metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(JSON.parse(Buffer.from(delivered.binary_data ?? []).toString('utf8')), bundle());

  const row = await ts.pool.query('SELECT version, source, payload FROM resources WHERE id = $1', [id]);
  assert.equal(Number(row.rows[0].version), 1);
  assert.equal(row.rows[0].source, 'test-source');
  assert.equal(typeof row.rows[0].payload.metadata, 'object', 'metadata is stored as an object');
  await waitFor(
    async () => (await ts.pool.query('SELECT count(*)::int AS n FROM spec_outbox')).rows[0].n === 0,
    'outbox cleanup',
  );
});

test('versions: +1 per accepted update, 0 means latest, stale is ABORTED naming the latest', async (t) => {
  const ts = await startTestServer(t);
  if (!ts) return;
  await addConsumer(ts.pool, 'c1');
  const source = rawClient(ts.sourcePort);
  t.after(() => source.close());
  const id = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1' }));
  await source.publish(
    specRequest('update_request', { resourceId: id, cluster: 'c1', version: 1, data: bundle('web', 'v2') }),
  );
  await source.publish(
    specRequest('update_request', { resourceId: id, cluster: 'c1', version: 0, data: bundle('web', 'v3') }),
  );
  const stale = await grpcCode(
    source.publish(
      specRequest('update_request', { resourceId: id, cluster: 'c1', version: 2, data: bundle('web', 'v4') }),
    ),
  );
  assert.equal(stale.code, CODES.ABORTED);
  assert.match(stale.details, /latest version: 3/);
  const row = await ts.pool.query('SELECT version, payload FROM resources WHERE id = $1', [id]);
  assert.equal(Number(row.rows[0].version), 3);
  assert.equal(row.rows[0].payload.data.manifests[0].data.value, 'v3', 'the rejected update changed nothing');
  const outbox = await ts.pool.query(
    `SELECT event_type, (event->>'resourceversion')::int AS v FROM spec_outbox ORDER BY id`,
  );
  assert.deepEqual(
    outbox.rows.map((r) => [r.event_type, r.v]),
    [
      ['create', 1],
      ['update', 2],
      ['update', 3],
    ],
    'offline agent: every accepted change waits in the outbox, in order',
  );
});

test('rejections carry real codes and change nothing', async (t) => {
  const ts = await startTestServer(t);
  if (!ts) return;
  await addConsumer(ts.pool, 'c1');
  const source = rawClient(ts.sourcePort);
  t.after(() => source.close());
  const id = randomUUID();

  const unknownConsumer = await grpcCode(
    source.publish(specRequest('create_request', { resourceId: id, cluster: 'nope' })),
  );
  assert.equal(unknownConsumer.code, CODES.NOT_FOUND);
  assert.match(unknownConsumer.details, /consumer 'nope' not found/);

  const invalid = await grpcCode(
    source.publish(
      specRequest('create_request', {
        resourceId: id,
        cluster: 'c1',
        data: {
          manifests: [
            { kind: 'ConfigMap', metadata: {} },
            { apiVersion: 'v1', metadata: { name: 'x' } },
          ],
        },
      }),
    ),
  );
  assert.equal(invalid.code, CODES.INVALID_ARGUMENT);
  assert.match(invalid.details, /manifests\[0\]\.apiVersion/);
  assert.match(invalid.details, /manifests\[0\]\.metadata\.name/);
  assert.match(invalid.details, /manifests\[1\]\.kind/);

  const missing = specRequest('create_request', { resourceId: id, cluster: 'c1', omit: ['resourceid'] });
  const noExtension = await grpcCode(source.publish(missing));
  assert.equal(noExtension.code, CODES.INVALID_ARGUMENT);
  assert.match(noExtension.details, /resourceid/);

  const garbage = await grpcCode(source.publish(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01])));
  assert.equal(garbage.code, CODES.INVALID_ARGUMENT, 'malformed protobuf');

  const unknownAction = await grpcCode(
    source.publish({
      ...specRequest('create_request', { resourceId: id, cluster: 'c1' }),
      type: SPEC('watch_request'),
    } as never),
  );
  assert.equal(unknownAction.code, CODES.INVALID_ARGUMENT);

  const updateMissing = await grpcCode(
    source.publish(specRequest('update_request', { resourceId: id, cluster: 'c1' })),
  );
  assert.equal(updateMissing.code, CODES.NOT_FOUND);
  const deleteMissing = await grpcCode(
    source.publish(specRequest('delete_request', { resourceId: id, cluster: 'c1' })),
  );
  assert.equal(deleteMissing.code, CODES.NOT_FOUND);

  await source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1' }));
  const duplicate = await grpcCode(
    source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1' })),
  );
  assert.equal(duplicate.code, CODES.ALREADY_EXISTS);

  const big = await grpcCode(
    source.publish(
      specRequest('update_request', {
        resourceId: id,
        cluster: 'c1',
        data: bundle('web', 'x'.repeat(5 * 1024 * 1024)),
      }),
    ),
  );
  assert.equal(big.code, CODES.RESOURCE_EXHAUSTED);

  const counts = await ts.pool.query(
    'SELECT (SELECT count(*)::int FROM resources) AS r, (SELECT count(*)::int FROM spec_outbox) AS o, (SELECT max(version)::int FROM resources) AS v',
  );
  assert.deepEqual(counts.rows[0], { r: 1, o: 1, v: 1 });
});

test('delete: soft delete, one delete event, idempotent, updates refused while deleting', async (t) => {
  const ts = await startTestServer(t);
  if (!ts) return;
  await addConsumer(ts.pool, 'c1');
  const source = rawClient(ts.sourcePort);
  const agent = rawClient(ts.brokerPort);
  t.after(() => (agent.close(), source.close()));
  const id = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1' }));
  await source.publish(specRequest('delete_request', { resourceId: id, cluster: 'c1' }));
  await source.publish(specRequest('delete_request', { resourceId: id, cluster: 'c1' }));
  const update = await grpcCode(
    source.publish(specRequest('update_request', { resourceId: id, cluster: 'c1', data: bundle('a', 'b') })),
  );
  assert.equal(update.code, CODES.FAILED_PRECONDITION);
  assert.match(update.details, /being deleted/);

  const sub = await agent.subscribe({ source: '', cluster_name: 'c1', data_type: MANIFEST_BUNDLE_DATA_TYPE });
  const deletion = await waitFor(
    () => sub.received.find((e) => e.type === SPEC('delete_request')),
    'delete event',
  );
  assert.ok(deletion.attributes?.['ce-deletiontimestamp']?.ce_timestamp, 'deletiontimestamp is a timestamp');
  assert.equal(deletion.attributes?.['ce-resourceversion']?.ce_integer, 1);
  const meta = JSON.parse(deletion.attributes?.['ce-metadata']?.ce_string ?? '{}') as Record<string, unknown>;
  assert.ok(meta.deletionTimestamp);
  await waitFor(
    async () => (await ts.pool.query('SELECT count(*)::int AS n FROM spec_outbox')).rows[0].n === 0,
    'outbox drained',
  );
  assert.equal(
    sub.received.filter((e) => e.type === SPEC('delete_request')).length,
    1,
    'one delete event only',
  );
  const row = await ts.pool.query('SELECT deleted_at FROM resources WHERE id = $1', [id]);
  assert.ok(row.rows[0].deleted_at, 'soft deleted until the agent confirms');
});
