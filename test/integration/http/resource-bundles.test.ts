import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { stopTestCluster } from '../../support/postgres.ts';
import { fixture, startRestHarness } from './rest-harness.ts';
import type { RestHarness } from './rest-harness.ts';

after(() => stopTestCluster());

const BUNDLES = '/api/maestro/v1/resource-bundles';
const BUNDLE = '/api/maestro/v1/resource-bundles/{id}';
const id = (n: number): string => `00000000-0000-5000-8000-00000000000${n}`;

/** The agent's status fixture as the store keeps it (metadata as an object), for resource `resourceId`. */
function storedStatus(resourceId: string): Record<string, unknown> {
  const status = fixture('cloudevents.agent.json');
  return { ...status, resourceid: resourceId, metadata: JSON.parse(status.metadata as string) };
}

async function setStatus(api: RestHarness, resourceId: string): Promise<void> {
  await api.pool.query('UPDATE resources SET status = $1::jsonb WHERE id = $2', [
    JSON.stringify(storedStatus(resourceId)),
    resourceId,
  ]);
}

test('compatibility: a work from the upstream grpc client fixture has every field upstream shows', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  const event = fixture('cloudevents.grpcclient.json');
  const consumer = await api.createConsumer(event.clustername as string, { env: 'production' });
  assert.deepEqual(Object.keys(consumer).sort(), [
    'created_at',
    'href',
    'id',
    'kind',
    'labels',
    'name',
    'updated_at',
  ]);

  const workId = event.resourceid as string;
  await api.createWork({ id: workId, consumer: event.clustername as string });
  // the exact fixture (not the harness's variation) through the same path
  await api.pool.query('UPDATE resources SET payload = payload || $1::jsonb WHERE id = $2', [
    JSON.stringify({ metadata: JSON.parse(event.metadata as string), data: event.data }),
    workId,
  ]);
  await setStatus(api, workId);

  const { status, body } = await api.call('GET', BUNDLE, workId);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body).sort(), [
    'consumer_name',
    'created_at',
    'delete_option',
    'href',
    'id',
    'kind',
    'manifest_configs',
    'manifests',
    'metadata',
    'name',
    'status',
    'updated_at',
    'version',
  ]);
  assert.equal(body.id, workId);
  assert.equal(body.kind, 'ResourceBundle');
  assert.equal(body.href, `/api/maestro/v1/resource-bundles/${workId}`);
  assert.equal(body.name, workId);
  assert.equal(body.consumer_name, event.clustername);
  assert.equal(body.version, 1);
  assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
  assert.deepEqual(body.delete_option, {});
  const data = event.data as Record<string, unknown>;
  assert.deepEqual(body.manifests, data.manifests);
  assert.deepEqual(body.manifest_configs, data.manifestConfigs);
  assert.deepEqual(Object.keys(body.metadata).sort(), [
    'creationTimestamp',
    'labels',
    'name',
    'namespace',
    'resourceVersion',
    'uid',
  ]);
  assert.equal(body.metadata.uid, workId);
  assert.equal(body.metadata.name, 'e44ec579-9646-549a-b679-db8d19d6da37');
  assert.match(body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const agent = fixture('cloudevents.agent.json');
  const agentData = agent.data as Record<string, unknown>;
  assert.deepEqual(body.status, {
    ObservedVersion: 1,
    SequenceID: '2000808179721572352',
    conditions: agentData.conditions,
    resourceStatus: agentData.resourceStatus,
  });
});

test('delete marks the bundle deleting once, enqueues the delete event and is idempotent', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  await api.createWork({ id: id(1), consumer: 'c1' });
  const outbox = async (): Promise<number> =>
    Number(
      (
        await api.pool.query(
          "SELECT count(*) AS n FROM spec_outbox WHERE resource_id = $1 AND event_type = 'delete'",
          [id(1)],
        )
      ).rows[0].n,
    );

  assert.equal((await api.call('DELETE', BUNDLE, id(1))).status, 204);
  const deleting = await api.call('GET', BUNDLE, id(1));
  assert.match(deleting.body.deleted_at, /Z$/);
  assert.match(deleting.body.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(await outbox(), 1);

  assert.equal((await api.call('DELETE', BUNDLE, id(1))).status, 204);
  assert.equal(await outbox(), 1, 'a repeated delete enqueues nothing');

  const listed = await api.call('GET', BUNDLES);
  assert.equal(listed.body.total, 1, 'bundles being deleted stay listed (upstream)');

  const missing = await api.call('DELETE', BUNDLE, 'nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'maestro-7');
  assert.equal((await api.call('GET', BUNDLE, 'nope')).status, 404);
});

/** Expected ids (by number) for each search; `error` gives the 1-based position instead. */
const SEARCHES: ReadonlyArray<[string, number[] | { error: number | string }]> = [
  ["consumer_name = 'c1'", [1, 2, 3]],
  ["consumer_name != 'c1'", [4, 5]],
  ["consumer_name <> 'c1'", [4, 5]],
  ["source='s1' and consumer_name='c1'", [1, 2]],
  ["source='s1' and (consumer_name='c1' or consumer_name='c2')", [1, 2, 4]],
  ["CONSUMER_NAME = 'c1' AND SOURCE = 's2'", [3]],
  ["consumer_name in ('c2')", [4, 5]],
  ["consumer_name not in ('c2', 'c3')", [1, 2, 3]],
  ["id like '%0001'", [1]],
  ["id not like '%0001'", [2, 3, 4, 5]],
  ["name ilike '%0002'", [2]],
  ['version = 1', [1, 2, 3, 4, 5]],
  ['version > 1', []],
  ['version between 1 and 2', [1, 2, 3, 4, 5]],
  ['version not between 1 and 2', []],
  ['deleted_at is null', [1, 2, 3, 4]],
  ['deleted_at is not null', [5]],
  ['status is not null', [1]],
  ["not consumer_name = 'c1'", [4, 5]],
  ["not (source = 's1' or source = 's2')", []],
  ["created_at > '2000-01-01T00:00:00Z'", [1, 2, 3, 4, 5]],
  ["created_at < '2000-01-01'", []],
  [`payload->'metadata'->'labels'@>'{"app":"web"}'`, [1, 2]],
  [`payload->'metadata'->'labels'@>'{"app":"web","env":"prod"}'`, [1]],
  [`payload->'metadata'->'labels'->>'env'<>'prod'`, [2]],
  [`payload->'metadata'->'labels'->>'app' in('db','api')`, [3, 4]],
  [`payload->'metadata'->'labels'->>'tier'<>null`, [3]],
  [
    `source='s1' and consumer_name='c1' and payload->'metadata'->'labels'@>'{"app":"web"}' and payload->'metadata'->'labels'->>'env'<>'dev'`,
    [1],
  ],
  [
    `payload->'metadata'->'labels'@>'{"app":"web"}' or payload->'metadata'->'labels'->>'app' = 'api'`,
    [1, 2, 4],
  ],
  ["payload->'metadata'->>'namespace' = 'c2'", [4, 5]],
  ["status->>'sequenceid' = '2000808179721572352'", [1]],
  ["source = 'it''s'", []],
  ["consumer_name = 'c1'' or 1=1 --'", []],
  ["consumer_name = 'c1;drop table resources'", []],
  ["consumer_name = 'c1' or 1=1 --", { error: 29 }],
  [';drop table resources', { error: 1 }],
  ["consumer_name = 'c1'; drop table resources", { error: 21 }],
  ['consumer_name = ', { error: 17 }],
  ["secret = 'x'", { error: 1 }],
  ["resources.id = 'x'", { error: 1 }],
  ["version = 'abc'", { error: 11 }],
  ["(consumer_name = 'c1'", { error: 22 }],
  [`payload->'metadata' @> '{bad'`, { error: 24 }],
  ['consumer_name = "c1"', { error: 17 }],
];

test(`search: ${SEARCHES.length} expressions incl. label selectors, quoting, injection and syntax errors`, async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  await api.createConsumer('c2');
  await api.createWork({ id: id(1), consumer: 'c1', source: 's1', labels: { app: 'web', env: 'prod' } });
  await api.createWork({ id: id(2), consumer: 'c1', source: 's1', labels: { app: 'web', env: 'dev' } });
  await api.createWork({ id: id(3), consumer: 'c1', source: 's2', labels: { app: 'db', tier: '1' } });
  await api.createWork({ id: id(4), consumer: 'c2', source: 's1', labels: { app: 'api' } });
  await api.createWork({ id: id(5), consumer: 'c2', source: 's2' });
  await setStatus(api, id(1));
  assert.equal((await api.call('DELETE', BUNDLE, id(5))).status, 204);

  for (const [search, expected] of SEARCHES) {
    const response = await api.call('GET', BUNDLES, undefined, { query: { search } });
    if (Array.isArray(expected)) {
      assert.equal(response.status, 200, `${search}: ${JSON.stringify(response.body)}`);
      assert.deepEqual(
        response.body.items.map((b: { id: string }) => b.id),
        expected.map(id),
        search,
      );
      assert.equal(response.body.total, expected.length, search);
    } else {
      assert.equal(response.status, 400, search);
      assert.equal(response.body.code, 'maestro-23', search);
      assert.match(response.body.reason, new RegExp(`at position ${expected.error}$`), search);
    }
  }
  const all = await api.call('GET', BUNDLES);
  assert.equal(all.body.total, 5, 'the table survived the injection attempts');
});

test('resource bundle paging, orderBy and fields', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  for (let n = 1; n <= 5; n++) await api.createWork({ id: id(n), consumer: 'c1', manifestName: `m${n}` });

  const page2 = await api.call('GET', BUNDLES, undefined, { query: { page: 2, size: 2 } });
  assert.deepEqual(
    [page2.body.kind, page2.body.page, page2.body.size, page2.body.total],
    ['ResourceBundleList', 2, 2, 5],
  );
  assert.deepEqual(
    page2.body.items.map((b: { id: string }) => b.id),
    [id(3), id(4)],
  );
  const past = await api.call('GET', BUNDLES, undefined, { query: { page: 4, size: 2 } });
  assert.deepEqual([past.body.size, past.body.items], [0, []]);
  const zero = await api.call('GET', BUNDLES, undefined, { query: { size: 0 } });
  assert.deepEqual([zero.body.size, zero.body.total], [0, 5]);

  const desc = await api.call('GET', BUNDLES, undefined, { query: { orderBy: 'id desc', size: 2 } });
  assert.deepEqual(
    desc.body.items.map((b: { id: string }) => b.id),
    [id(5), id(4)],
  );
  const badOrder = await api.call('GET', BUNDLES, undefined, { query: { orderBy: 'payload' } });
  assert.equal(badOrder.status, 400);

  const projected = await api.call('GET', BUNDLES, undefined, {
    query: { fields: 'consumer_name,version,metadata.uid', size: 1 },
  });
  assert.deepEqual(projected.body.items[0], {
    id: id(1),
    consumer_name: 'c1',
    version: 1,
    metadata: { uid: id(1) },
  });
  const badFields = await api.call('GET', BUNDLES, undefined, { query: { fields: 'payload' } });
  assert.equal(badFields.status, 400);
  assert.equal(badFields.body.code, 'maestro-8');
});
