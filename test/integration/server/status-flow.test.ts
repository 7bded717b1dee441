import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../../src/cloudevents/event-types.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import {
  addConsumer,
  bundle,
  CODES,
  DELETED_CONDITION,
  grpcCode,
  nextSequenceId,
  rawClient,
  specRequest,
  specResyncRequest,
  startTestServer,
  statusUpdate,
  waitFor,
} from './helpers.ts';
import type { TestServer } from './helpers.ts';

after(() => stopTestCluster());

const STATUS_UPDATE = `${MANIFEST_BUNDLE_DATA_TYPE}.status.update_request`;

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const ts = (await startTestServer(t)) as TestServer | undefined;
  if (!ts) return undefined;
  await addConsumer(ts.pool, 'c1');
  await addConsumer(ts.pool, 'c2');
  const source = rawClient(ts.sourcePort);
  const agent = rawClient(ts.brokerPort);
  t.after(() => (source.close(), agent.close()));
  const watch = await source.subscribe({
    source: 'test-source',
    cluster_name: '',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  const id = randomUUID();
  await source.publish(specRequest('create_request', { resourceId: id, cluster: 'c1', workName: 'my-work' }));
  return { ts, source, agent, watch, id };
}

const storedSequence = async (ts: TestServer, id: string): Promise<string | undefined> =>
  (await ts.pool.query(`SELECT status->>'sequenceid' AS s FROM resources WHERE id = $1`, [id])).rows[0]?.s;

test('an accepted status is stored and relayed to the source with spec metadata and manifestBundle', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const sequenceId = nextSequenceId();
  await s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId }));
  const relayed = await s.watch.next((e) => e.type === STATUS_UPDATE, 'relayed status');
  assert.equal(relayed.resourceid, s.id);
  assert.equal(relayed.sequenceid, sequenceId);
  assert.equal(relayed.source, 'c1-work-agent', 'the stored agent event, not rewritten');
  const meta = JSON.parse(String(relayed.metadata)) as Record<string, unknown>;
  assert.equal(meta.name, 'my-work', "the source sees its own work metadata, not the agent's");
  const data = relayed.data as { manifestBundle: unknown; conditions: { type: string }[] };
  assert.deepEqual(data.manifestBundle, bundle());
  assert.equal(data.conditions[0]?.type, 'Applied');
  assert.equal(await storedSequence(s.ts, s.id), sequenceId);
  const attrs = s.watch.received.find((e) => e.type === STATUS_UPDATE)?.attributes ?? {};
  assert.equal(attrs['ce-resourceversion']?.ce_integer, 1);
  assert.equal(typeof attrs['ce-sequenceid']?.ce_string, 'string');
});

test('stale, duplicate and out-of-order statuses are ignored; unknown resources too', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const older = nextSequenceId();
  const newer = nextSequenceId();
  const accepted = statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: newer });
  await s.agent.publish(accepted);
  await s.agent.publish(accepted); // a repeat of the stored status
  await s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: older }));
  await s.agent.publish(
    statusUpdate({ resourceId: s.id, cluster: 'c1', version: 2, sequenceId: nextSequenceId() }),
  );
  await s.agent.publish(statusUpdate({ resourceId: randomUUID(), cluster: 'c1', version: 1 }));
  assert.equal(await storedSequence(s.ts, s.id), newer, 'older sequence id and wrong version did not win');
  const count = async () =>
    (await s.ts.pool.query('SELECT count(*)::int AS n FROM status_events')).rows[0].n as number;
  assert.equal(await count(), 1, 'only one status was accepted');

  const mismatch = await grpcCode(
    s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c2', version: 1 })),
  );
  assert.equal(mismatch.code, CODES.FAILED_PRECONDITION);
  assert.match(mismatch.details, /belongs to consumer 'c1'/);
  const wrongSource = await grpcCode(
    s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, originalSource: 'other' })),
  );
  assert.equal(wrongSource.code, CODES.INVALID_ARGUMENT);
  const noSequence = statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1 }).cloneWith(
    { sequenceid: undefined },
    false,
  );
  assert.equal((await grpcCode(s.agent.publish(noSequence))).code, CODES.INVALID_ARGUMENT);
  assert.equal(await count(), 1);
});

test('deletion handshake: Deleted=True relays the final status and removes the resource', async (t) => {
  const s = await setup(t);
  if (!s) return;
  await s.source.publish(specRequest('delete_request', { resourceId: s.id, cluster: 'c1' }));
  await s.agent.publish(
    statusUpdate({
      resourceId: s.id,
      cluster: 'c1',
      version: 7,
      sequenceId: '1',
      conditions: [DELETED_CONDITION],
    }),
  );
  const final = await s.watch.next(
    (e) =>
      (e.data as { conditions?: { type: string }[] }).conditions?.some((c) => c.type === 'Deleted') === true,
    'final deleted status',
  );
  assert.deepEqual(
    (final.data as { manifestBundle: unknown }).manifestBundle,
    bundle(),
    'spec kept for the source',
  );
  const rows = await s.ts.pool.query('SELECT count(*)::int AS n FROM resources WHERE id = $1', [s.id]);
  assert.equal(rows.rows[0].n, 0, 'hard deleted');
  await s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1 }));
});

test('an offline agent gets pending events when it subscribes, and its spec resync is answered', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const second = randomUUID();
  await s.source.publish(
    specRequest('create_request', { resourceId: second, cluster: 'c1', workName: 'w2' }),
  );
  await s.source.publish(
    specRequest('update_request', { resourceId: second, cluster: 'c1', data: bundle('web', 'v2') }),
  );
  const sub = await s.agent.subscribe({
    source: '',
    cluster_name: 'c1',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  const ofType = (action: string) => (e: MaestroEvent) =>
    e.type === `${MANIFEST_BUNDLE_DATA_TYPE}.spec.${action}`;
  await waitFor(() => sub.events().filter(ofType('create_request')).length === 2, 'both creates');
  const update = await sub.next(ofType('update_request'), 'the update');
  assert.equal(update.resourceversion, 2);
  const order = sub
    .events()
    .filter((e) => e.resourceid === second)
    .map((e) => e.type.split('.').pop());
  assert.deepEqual(order, ['create_request', 'update_request'], 'in order per resource');

  const gone = randomUUID();
  const before = sub.events().length;
  await s.agent.publish(
    specResyncRequest('c1', [
      { id: s.id, version: 1 },
      { id: second, version: 1 },
      { id: gone, version: 4 },
    ]),
  );
  await waitFor(() => sub.events().length >= before + 2, 'resync answers');
  const answers = sub.events().slice(before);
  assert.ok(answers.every((e) => e.type.endsWith('.spec.resync_response')));
  const newer = answers.find((e) => e.resourceid === second);
  assert.equal(newer?.resourceversion, 2, 'the newer version is resent');
  assert.ok(!answers.some((e) => e.resourceid === s.id), 'an up-to-date resource is not resent');
  const deletion = answers.find((e) => e.resourceid === gone);
  assert.ok(deletion?.deletiontimestamp, 'unknown ids get a delete');
  assert.equal(deletion?.resourceversion, 4, 'the delete carries resourceversion (upstream bug fixed)');
});

test('a source status resync gets the statuses whose hash differs', async (t) => {
  const s = await setup(t);
  if (!s) return;
  await s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1 }));
  await s.watch.next((e) => e.type === STATUS_UPDATE, 'first relay');
  const resync = (hashes: { resourceID: string; statusHash: string }[]) =>
    statusUpdate({ resourceId: s.id, cluster: '', version: 0 }).cloneWith(
      {
        source: 'test-source',
        type: `${MANIFEST_BUNDLE_DATA_TYPE}.status.resync_request`,
        resourceid: undefined,
        resourceversion: undefined,
        sequenceid: undefined,
        statushash: undefined,
        metadata: undefined,
        originalsource: '',
        data: { statusHashes: hashes },
      },
      false,
    );
  await s.source.publish(resync([{ resourceID: s.id, statusHash: 'a'.repeat(64) }]));
  await s.source.publish(resync([{ resourceID: s.id, statusHash: 'b'.repeat(64) }]));
  await waitFor(
    () => s.watch.events().filter((e) => e.type === STATUS_UPDATE).length === 2,
    'one resync answer',
  );
  await s.source.publish(resync([]));
  await waitFor(
    () => s.watch.events().filter((e) => e.type === STATUS_UPDATE).length === 3,
    'empty list: everything',
  );
});

test('the agent broker answers a malformed publish request with INVALID_ARGUMENT and stores nothing', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const garbage = await grpcCode(s.agent.publish(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01])));
  assert.equal(garbage.code, CODES.INVALID_ARGUMENT, 'malformed protobuf');
  assert.match(garbage.details, /malformed publish request/);
  const empty = await grpcCode(s.agent.publish(Buffer.alloc(0)));
  assert.equal(empty.code, CODES.INVALID_ARGUMENT, 'no event');
  assert.match(empty.details, /no event/);
  assert.equal((await storedSequence(s.ts, s.id)) ?? null, null, 'nothing stored');
  // the broker still serves well-formed requests afterwards
  await s.agent.publish(
    statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: nextSequenceId() }),
  );
  await waitFor(() => storedSequence(s.ts, s.id), 'status stored');
});

test('a spec resync answer supersedes the pending outbox events it covers; newer ones stay', async (t) => {
  const s = await setup(t);
  if (!s) return;
  // the dispatcher is stopped so pending events stay pending while the agent resyncs
  await s.ts.server.context?.dispatcher.stop();
  const deleting = randomUUID();
  await s.source.publish(specRequest('create_request', { resourceId: deleting, cluster: 'c1' }));
  await s.source.publish(specRequest('delete_request', { resourceId: deleting, cluster: 'c1' }));
  const pending = async (id: string): Promise<string[]> =>
    (
      await s.ts.pool.query<{ kind: string }>(
        'SELECT event_type AS kind FROM spec_outbox WHERE resource_id = $1 ORDER BY id',
        [id],
      )
    ).rows.map((r) => r.kind);
  assert.deepEqual(await pending(s.id), ['create']);
  assert.deepEqual(await pending(deleting), ['create', 'delete']);

  const sub = await s.agent.subscribe({
    source: '',
    cluster_name: 'c1',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  // the agent already holds s.id at version 1 and has never seen `deleting`
  await s.agent.publish(specResyncRequest('c1', [{ id: s.id, version: 1 }]));
  const answer = await sub.next((e) => e.resourceid === deleting, 'resync answer');
  assert.ok(answer.deletiontimestamp, 'the resource is sent as deleting');
  await waitFor(
    async () => (await pending(deleting)).length === 0,
    'covered events of the deleting resource removed',
  );
  assert.deepEqual(await pending(s.id), [], 'the create the agent already holds is removed');

  await s.source.publish(
    specRequest('update_request', { resourceId: s.id, cluster: 'c1', data: bundle('web', 'v2') }),
  );
  await s.agent.publish(specResyncRequest('c1', [{ id: s.id, version: 1 }]));
  await sub.next((e) => e.resourceid === s.id && e.resourceversion === 2, 'resync sends version 2');
  await waitFor(async () => (await pending(s.id)).length === 0, 'the sent update is covered');

  // back to normal delivery: nothing the resyncs covered is sent again
  const received = sub.events().length;
  const dispatcher = s.ts.server.context?.dispatcher;
  dispatcher?.start();
  await dispatcher?.flush();
  assert.equal(sub.events().length, received, 'each change reaches the agent once');
});

test('a source subscribing later gets the statuses stored from then on, none from before', async (t) => {
  const s = await setup(t);
  if (!s) return;
  s.watch.cancel();
  await waitFor(
    async () => (await s.ts.pool.query('SELECT 1 FROM resources WHERE id = $1', [s.id])).rowCount === 1,
    'the resource created',
  );
  const earlier = nextSequenceId();
  await s.agent.publish(statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: earlier }));
  assert.equal(await storedSequence(s.ts, s.id), earlier);

  const later = await s.source.subscribe({
    source: 'test-source',
    cluster_name: '',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });
  t.after(() => later.cancel());
  const laterSequence = nextSequenceId();
  await s.agent.publish(
    statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: laterSequence }),
  );
  await later.next(
    (e) => e.type === STATUS_UPDATE && e.sequenceid === laterSequence,
    'the status stored after',
  );
  assert.deepEqual(
    later
      .events()
      .filter((e) => e.type === STATUS_UPDATE)
      .map((e) => e.sequenceid),
    [laterSequence],
  );
});

test('a repeat of a stored status is ignored even when its sequence id is not a snowflake id', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const odd = statusUpdate({ resourceId: s.id, cluster: 'c1', version: 1, sequenceId: 'not-a-snowflake' });
  await s.agent.publish(odd);
  assert.equal(await storedSequence(s.ts, s.id), 'not-a-snowflake');
  await s.agent.publish(odd);
  const count = await s.ts.pool.query('SELECT count(*)::int AS n FROM status_events');
  assert.equal(count.rows[0].n, 1);
});
