import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after } from 'node:test';
import { stopTestCluster } from '../../support/postgres.ts';
import { gunzipJson, startRestHarness } from './rest-harness.ts';

after(() => stopTestCluster());

const CONSUMERS = '/api/maestro/v1/consumers';
const CONSUMER = '/api/maestro/v1/consumers/{id}';

function assertError(body: Record<string, unknown>, code: number, reason: RegExp): void {
  assert.equal(body.kind, 'Error');
  assert.equal(body.id, String(code));
  assert.equal(body.code, `maestro-${code}`);
  assert.equal(body.href, `/api/maestro/v1/errors/${code}`);
  assert.match(String(body.reason), reason);
  assert.equal(typeof body.operation_id, 'string');
}

test('consumer create, get, patch labels, list and delete', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;

  const created = await api.call('POST', CONSUMERS, undefined, {
    body: { name: 'cluster1', labels: { env: 'prod' } },
  });
  assert.equal(created.status, 201);
  const consumer = created.body;
  assert.equal(consumer.kind, 'Consumer');
  assert.equal(consumer.name, 'cluster1');
  assert.deepEqual(consumer.labels, { env: 'prod' });
  assert.equal(consumer.href, `/api/maestro/v1/consumers/${consumer.id}`);
  assert.match(consumer.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  const got = await api.call('GET', CONSUMER, consumer.id);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, consumer);

  const patched = await api.call('PATCH', CONSUMER, consumer.id, {
    body: { labels: { env: 'dev', tier: '1' } },
  });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.labels, { env: 'dev', tier: '1' });
  assert.equal(patched.body.name, 'cluster1');

  const unchanged = await api.call('PATCH', CONSUMER, consumer.id, { body: {} });
  assert.deepEqual(unchanged.body.labels, { env: 'dev', tier: '1' });

  const cleared = await api.call('PATCH', CONSUMER, consumer.id, { body: { labels: {} } });
  assert.equal(cleared.status, 200);
  assert.equal('labels' in cleared.body, false, 'labels are omitted when empty');

  const unnamed = await api.call('POST', CONSUMERS, undefined, { body: {} });
  assert.equal(unnamed.status, 201);
  assert.equal(unnamed.body.name, unnamed.body.id, 'name defaults to the id');

  const list = await api.call('GET', CONSUMERS);
  assert.equal(list.status, 200);
  assert.equal(list.body.kind, 'ConsumerList');
  assert.equal(list.body.total, 2);
  assert.deepEqual(
    list.body.items.map((c: { name: string }) => c.name),
    ['cluster1', unnamed.body.name],
  );

  const deleted = await api.call('DELETE', CONSUMER, consumer.id);
  assert.equal(deleted.status, 204);
  assert.equal((await api.call('GET', CONSUMER, consumer.id)).status, 404);
  assert.equal((await api.call('DELETE', CONSUMER, consumer.id)).status, 404);
});

test('consumer errors: malformed body, id given, bad name, duplicate, unknown id, referenced', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('taken');

  const malformed = await api.call('POST', CONSUMERS, undefined, { rawBody: '{"name": ' });
  assert.equal(malformed.status, 400);
  assertError(malformed.body, 17, /invalid request format/);

  const notObject = await api.call('POST', CONSUMERS, undefined, { body: ['a'] });
  assert.equal(notObject.status, 400);
  assertError(notObject.body, 17, /json object/i);

  const withId = await api.call('POST', CONSUMERS, undefined, { body: { id: 'x', name: 'c2' } });
  assert.equal(withId.status, 400);
  assertError(withId.body, 8, /id must be empty/);

  for (const name of ['Upper', 'under_score', '-dash', 'a'.repeat(64), 'dot.ted']) {
    const bad = await api.call('POST', CONSUMERS, undefined, { body: { name } });
    assert.equal(bad.status, 400, `name ${name}`);
    assertError(bad.body, 8, /consumer name/);
  }

  const badLabels = await api.call('POST', CONSUMERS, undefined, { body: { name: 'c3', labels: { a: 1 } } });
  assert.equal(badLabels.status, 400);
  assertError(badLabels.body, 8, /label 'a' must be a string/);

  const duplicate = await api.call('POST', CONSUMERS, undefined, { body: { name: 'taken' } });
  assert.equal(duplicate.status, 409);
  assertError(duplicate.body, 6, /'taken' already exists/);

  const missing = await api.call('GET', CONSUMER, 'no-such-id');
  assert.equal(missing.status, 404);
  assertError(missing.body, 7, /consumer 'no-such-id' not found/);
  assert.equal((await api.call('PATCH', CONSUMER, 'no-such-id', { body: { labels: {} } })).status, 404);

  const owner = await api.createConsumer('owner');
  await api.createWork({ id: '00000000-0000-5000-8000-000000000001', consumer: 'owner' });
  const refused = await api.call('DELETE', CONSUMER, owner.id);
  assert.equal(refused.status, 403);
  assertError(refused.body, 4, /resource bundles still reference it/);
  assert.equal((await api.call('GET', CONSUMER, owner.id)).status, 200);
});

test('paging edges, orderBy and fields on consumers', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  const names = ['c-a', 'c-b', 'c-c', 'c-d', 'c-e'];
  for (const name of names) await api.createConsumer(name, { idx: name.slice(2) });

  const first = await api.call('GET', CONSUMERS, undefined, { query: { size: 2 } });
  assert.deepEqual([first.body.page, first.body.size, first.body.total], [1, 2, 5]);
  assert.deepEqual(
    first.body.items.map((c: { name: string }) => c.name),
    ['c-a', 'c-b'],
  );

  const last = await api.call('GET', CONSUMERS, undefined, { query: { size: 2, page: 3 } });
  assert.deepEqual([last.body.page, last.body.size, last.body.total], [3, 1, 5]);
  assert.deepEqual(
    last.body.items.map((c: { name: string }) => c.name),
    ['c-e'],
  );

  const past = await api.call('GET', CONSUMERS, undefined, { query: { size: 2, page: 9 } });
  assert.deepEqual([past.body.page, past.body.size, past.body.total, past.body.items], [9, 0, 5, []]);

  const countOnly = await api.call('GET', CONSUMERS, undefined, { query: { size: 0 } });
  assert.deepEqual([countOnly.body.size, countOnly.body.total, countOnly.body.items], [0, 5, []]);

  const negative = await api.call('GET', CONSUMERS, undefined, { query: { size: -1 } });
  assert.equal(negative.body.size, 5, 'negative size means "all" (upstream)');

  for (const page of ['0', '-1', 'abc']) {
    const bad = await api.call('GET', CONSUMERS, undefined, { query: { page } });
    assert.equal(bad.status, 400, `page ${page}`);
    assertError(bad.body, 21, /page/);
  }

  const desc = await api.call('GET', CONSUMERS, undefined, { query: { orderBy: 'name desc' } });
  assert.deepEqual(
    desc.body.items.map((c: { name: string }) => c.name),
    [...names].reverse(),
  );
  const multi = await api.call('GET', CONSUMERS, undefined, {
    query: { orderBy: 'created_at DESC, name asc' },
  });
  assert.equal(multi.status, 200);
  for (const orderBy of ['labels', 'name sideways', 'nope', 'name; drop table consumers', 'name asc asc']) {
    const bad = await api.call('GET', CONSUMERS, undefined, { query: { orderBy } });
    assert.equal(bad.status, 400, orderBy);
    assertError(bad.body, 21, /bad order value/);
  }

  const projected = await api.call('GET', CONSUMERS, undefined, {
    query: { fields: 'name,labels.idx', size: 1 },
  });
  assert.deepEqual(Object.keys(projected.body.items[0]).sort(), ['id', 'labels', 'name']);
  assert.deepEqual(projected.body.items[0].labels, { idx: 'a' });
  const badFields = await api.call('GET', CONSUMERS, undefined, { query: { fields: 'name,secret' } });
  assert.equal(badFields.status, 400);
  assertError(badFields.body, 8, /secret/);

  const searched = await api.call('GET', CONSUMERS, undefined, {
    query: { search: "name in ('c-b','c-d') or labels->>'idx' = 'e'" },
  });
  assert.deepEqual(
    searched.body.items.map((c: { name: string }) => c.name),
    ['c-b', 'c-d', 'c-e'],
  );
  const labelled = await api.call('GET', CONSUMERS, undefined, {
    query: { search: `labels @> '{"idx":"c"}'` },
  });
  assert.deepEqual(
    labelled.body.items.map((c: { name: string }) => c.name),
    ['c-c'],
  );
  const badSearch = await api.call('GET', CONSUMERS, undefined, { query: { search: "name = 'x' oops" } });
  assert.equal(badSearch.status, 400);
  assertError(badSearch.body, 23, /at position 12/);
});

test('discovery routes, error catalogue, unknown paths and 405s', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  const root = await api.call('GET', '/api/maestro');
  assert.deepEqual(root.body.versions[0], { id: 'v1', kind: 'APIVersion', href: '/api/maestro/v1' });
  const v1 = await api.call('GET', '/api/maestro/v1');
  assert.equal(v1.body.kind, 'APIVersion');
  const slash = await fetch(`${api.baseUrl}/api/maestro/v1/`);
  assert.equal(slash.status, 200, 'trailing slash is ignored');

  const errors = await api.call('GET', '/api/maestro/v1/errors');
  assert.equal(errors.body.kind, 'ErrorList');
  assert.equal(errors.body.total, 13);
  assert.ok(errors.body.items.some((e: { code: string }) => e.code === 'maestro-23'));
  const paged = await api.call('GET', '/api/maestro/v1/errors', undefined, { query: { page: 2, size: 5 } });
  assert.deepEqual(
    paged.body.items.map((e: { id: string }) => e.id),
    ['9', '10', '11', '15', '17'],
  );
  const one = await api.call('GET', '/api/maestro/v1/errors/{id}', '7');
  assert.deepEqual(one.body, {
    kind: 'Error',
    id: '7',
    href: '/api/maestro/v1/errors/7',
    code: 'maestro-7',
    reason: 'Resource not found',
  });
  assert.equal((await api.call('GET', '/api/maestro/v1/errors/{id}', '999')).status, 404);

  const unknown = await api.call('GET', '/api/maestro/v1/nothing-here', undefined, { unchecked: true });
  assert.equal(unknown.status, 404);
  assertError(unknown.body, 7, /'\/api\/maestro\/v1\/nothing-here' doesn't exist/);

  const post = await api.call('POST', '/api/maestro/v1/resource-bundles', undefined, { body: {} });
  assert.equal(post.status, 405);
  assertError(post.body, 10, /over grpc/i);
  for (const method of ['PATCH', 'PUT']) {
    const res = await api.call(method, '/api/maestro/v1/resource-bundles/{id}', 'x', { body: {} });
    assert.equal(res.status, 405);
  }
});

test('operation id is honoured and echoed; gzip when accepted; CORS as upstream', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  const given = await api.call('GET', CONSUMER, 'missing', { headers: { 'X-Operation-ID': 'op-123' } });
  assert.equal(given.headers.get('x-operation-id'), 'op-123');
  assert.equal(given.body.operation_id, 'op-123');
  const generated = await api.call('GET', CONSUMER, 'missing');
  const id = generated.headers.get('x-operation-id');
  assert.match(id ?? '', /^[0-9A-Za-z]{27}$/);
  assert.equal(generated.body.operation_id, id);
  assert.equal(generated.headers.get('access-control-allow-origin'), '*');

  for (let i = 0; i < 20; i++) await api.createConsumer(`gz-${i}`, { padding: 'p'.repeat(50) });
  const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
    const req = request(`${api.baseUrl}${CONSUMERS}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(raw.encoding, 'gzip');
  assert.equal((gunzipJson(raw.body) as { total: number }).total, 20);
});
