import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../../src/cloudevents/event-types.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import {
  addConsumer,
  nextSequenceId,
  rawClient,
  specRequest,
  startTestServer,
  statusUpdate,
  waitFor,
} from './helpers.ts';

after(() => stopTestCluster());

const STATUS_UPDATE = `${MANIFEST_BUNDLE_DATA_TYPE}.status.update_request`;

/** The value of one sample line of the text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('markAsDeleting soft-deletes through the spec path; every spec and status step is counted', async (t) => {
  const ts = await startTestServer(t);
  if (!ts) return;
  const context = ts.server.context;
  assert.ok(context);
  await addConsumer(ts.pool, 'c1');
  const source = rawClient(ts.sourcePort);
  const agent = rawClient(ts.brokerPort);
  t.after(() => (source.close(), agent.close()));
  const watch = await source.subscribe({
    source: 'test-source',
    cluster_name: '',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  const agentStream = await agent.subscribe({
    source: '',
    cluster_name: 'c1',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });

  const id = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1' }));
  await agentStream.next((e) => e.type.endsWith('create_request') && e.resourceid === id, 'create');
  await agent.publish(
    statusUpdate({ resourceId: id, cluster: 'c1', version: 1, sequenceId: nextSequenceId() }),
  );
  await watch.next((e) => e.type === STATUS_UPDATE && e.resourceid === id, 'relayed status');

  const marked = await context.resources.markAsDeleting(id);
  assert.deepEqual(marked, { version: 1, changed: true });
  const deleteEvent = await agentStream.next(
    (e) => e.type.endsWith('delete_request') && e.resourceid === id,
    'delete event',
  );
  assert.equal(typeof deleteEvent.deletiontimestamp, 'string');
  const row = await ts.pool.query('SELECT deleted_at FROM resources WHERE id = $1', [id]);
  assert.notEqual(row.rows[0]?.deleted_at, null, 'soft deleted');
  assert.deepEqual(await context.resources.markAsDeleting(id), { version: 1, changed: false }, 'idempotent');
  await assert.rejects(context.resources.markAsDeleting(randomUUID()), (err: unknown) =>
    isMaestroError(err, 'NOT_FOUND'),
  );

  const registry = context.metrics.registry;
  const text = await waitFor(async () => {
    const current = await registry.metrics();
    return sample(current, 'spec_controller_event_reconcile_total{event_type="delete",status="success"}') ===
      1
      ? current
      : undefined;
  }, 'delete delivery counted');
  assert.equal(sample(text, 'resource_processed_total{action="create"}'), 1);
  assert.equal(sample(text, 'resource_processed_total{action="delete"}'), 1, 'once, not per repeat');
  assert.equal(
    sample(text, 'spec_controller_event_reconcile_total{event_type="create",status="success"}'),
    1,
  );
  assert.equal(sample(text, 'resource_first_status_latency_seconds_count{source="test-source"}'), 1);
  assert.equal(
    sample(text, 'status_controller_event_reconcile_total{event_type="update",status="success"}'),
    1,
  );
  assert.equal(sample(text, 'grpc_server_message_sent_total{type="Subscribe",source="test-source"}'), 1);
  assert.equal(
    sample(
      text,
      `resource_status_event_processing_latency_seconds_count{source="test-source",server_instance_id="${ts.config.instanceId}"}`,
    ),
    1,
  );
});
