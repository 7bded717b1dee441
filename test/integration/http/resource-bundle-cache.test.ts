import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { request } from 'node:http';
import { fromJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import { decodeSpecRequest } from '../../../src/server/services/spec-events.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import { fixture, gunzipJson, startRestHarness, workEvent } from './rest-harness.ts';
import type { RestHarness } from './rest-harness.ts';

after(() => stopTestCluster());

const BUNDLES = '/api/maestro/v1/resource-bundles';
const BUNDLE = '/api/maestro/v1/resource-bundles/{id}';
const id = (n: number): string => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

/** A bundle as the API sent it; the tests assert on it field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Bundle = any;

/** Every item of every page of `query`, `size` at a time, and the totals each page reported. */
async function pageThrough(
  api: RestHarness,
  query: Record<string, string | number>,
  size: number,
): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await api.call('GET', BUNDLES, undefined, { query: { ...query, page, size } });
    assert.equal(status, 200, JSON.stringify(body));
    ids.push(...body.items.map((b: { id: string }) => b.id));
    totals.push(body.total);
    if (body.size < size) return { ids, totals };
  }
}

async function cacheLookups(api: RestHarness): Promise<{ hit: number; miss: number }> {
  const { values } = await api.metrics.restBundleCacheLookups.get();
  const count = (result: string): number => values.find((v) => v.labels.result === result)?.value ?? 0;
  return { hit: count('hit'), miss: count('miss') };
}

test('a bundle changed after it was listed is listed and got with its new spec, status and deletion', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  await api.createWork({ id: id(1), consumer: 'c1', manifestName: 'before' });
  await api.createWork({ id: id(2), consumer: 'c1' });

  const listed = async (): Promise<Bundle> => {
    const { body } = await api.call('GET', BUNDLES, undefined, { query: { search: `id='${id(1)}'` } });
    assert.equal(body.items.length, 1);
    return body.items[0];
  };
  const got = async (): Promise<Bundle> => (await api.call('GET', BUNDLE, id(1))).body;

  for (const bundle of [await listed(), await got(), await listed(), await got()]) {
    assert.equal(bundle.manifests[0].metadata.name, 'before');
    assert.equal(bundle.status, undefined);
  }
  const warm = await cacheLookups(api);
  assert.ok(warm.hit >= 3, `the repeated reads were served from the cache: ${JSON.stringify(warm)}`);

  // a spec update through the source path (version 0: the latest)
  const update = { ...workEvent({ id: id(1), consumer: 'c1', manifestName: 'after' }), resourceversion: 0 };
  await api.resources.apply(decodeSpecRequest(fromJsonEvent(update), 'update'));
  for (const bundle of [await listed(), await got()]) {
    assert.equal(bundle.manifests[0].metadata.name, 'after');
    assert.equal(bundle.version, 2);
  }

  // a status written straight into the row (no updated_at change): still seen
  const status = fixture('cloudevents.agent.json');
  await api.pool.query('UPDATE resources SET status = $1::jsonb WHERE id = $2', [
    JSON.stringify({ ...status, resourceid: id(1), metadata: JSON.parse(status.metadata as string) }),
    id(1),
  ]);
  for (const bundle of [await listed(), await got()]) {
    assert.equal(bundle.status.SequenceID, '2000808179721572352');
    assert.deepEqual(bundle.status.conditions, (status.data as Record<string, unknown>).conditions);
  }

  assert.equal((await api.call('DELETE', BUNDLE, id(1))).status, 204);
  for (const bundle of [await listed(), await got()]) {
    assert.match(bundle.deleted_at, /Z$/);
    assert.match(bundle.metadata.deletionTimestamp, /Z$/);
  }

  // the untouched bundle is unchanged, and one removed from the table is gone from both
  assert.equal((await api.call('GET', BUNDLE, id(2))).body.id, id(2));
  await api.pool.query('DELETE FROM resources WHERE id = $1', [id(2)]);
  assert.equal((await api.call('GET', BUNDLE, id(2))).status, 404);
  const all = await api.call('GET', BUNDLES);
  assert.deepEqual(
    all.body.items.map((b: { id: string }) => b.id),
    [id(1)],
  );
  assert.equal(all.body.total, 1);
});

test('paging through search and orderBy gives every match once, in order, with the same total', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  await api.createConsumer('c2');
  // names are a permutation of the creation order, so `name desc` and the default order differ
  for (let n = 1; n <= 14; n++) {
    await api.createWork({
      id: id(n),
      consumer: n % 3 === 0 ? 'c2' : 'c1',
      source: n % 2 === 0 ? 's2' : 's1',
      manifestName: `m${n}`,
    });
  }
  await api.pool.query("UPDATE resources SET name = 'n' || lpad((right(id, 2)::int * 7 % 15)::text, 2, '0')");
  const everything = (await api.call('GET', BUNDLES, undefined, { query: { size: 100 } })).body;
  const named = [...everything.items].sort((a: Bundle, b: Bundle) => (a.name < b.name ? 1 : -1));
  assert.notDeepEqual(named, everything.items);

  const cases: Array<[Record<string, string>, string[]]> = [
    [{}, everything.items.map((b: { id: string }) => b.id)],
    [{ orderBy: 'name desc' }, named.map((b: { id: string }) => b.id)],
    [
      { search: "source='s1' and consumer_name='c1'" },
      [1, 5, 7, 11, 13].map(id), // odd and not a multiple of 3
    ],
    [{ search: "consumer_name='c2'", orderBy: 'id desc' }, [12, 9, 6, 3].map(id)],
  ];
  for (const [query, expected] of cases) {
    for (const size of [1, 3, 5]) {
      // twice: once reading the bundles, once from the cache
      for (const round of [1, 2]) {
        const { ids, totals } = await pageThrough(api, query, size);
        const what = `${JSON.stringify(query)} size ${size} round ${round}`;
        assert.deepEqual(ids, expected, what);
        assert.ok(
          totals.every((total) => total === expected.length),
          `${what}: ${totals.join(',')}`,
        );
      }
    }
  }
});

test('a gzip-accepting client gets the page gzipped; others get it as they ask', async (t) => {
  const api = await startRestHarness(t);
  if (!api) return;
  await api.createConsumer('c1');
  for (let n = 1; n <= 3; n++) await api.createWork({ id: id(n), consumer: 'c1', padding: 2_000 });
  const raw = (encoding: string): Promise<{ headers: Record<string, unknown>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${api.baseUrl}${BUNDLES}?size=2`,
        { headers: { 'accept-encoding': encoding } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const plain = JSON.parse((await raw('identity')).body.toString());
  assert.deepEqual(
    [plain.size, plain.total, plain.items.map((b: { id: string }) => b.id)],
    [2, 3, [id(1), id(2)]],
  );

  for (const encoding of ['gzip', 'deflate;q=0.5, gzip', '*']) {
    const gzipped = await raw(encoding);
    assert.equal(gzipped.headers['content-encoding'], 'gzip', encoding);
    assert.match(String(gzipped.headers.vary), /accept-encoding/i, encoding);
    assert.match(String(gzipped.headers.vary), /Authorization/, encoding);
    assert.deepEqual(gunzipJson(gzipped.body), plain, encoding);
  }
  const identity = await raw('gzip;q=0');
  assert.equal(identity.headers['content-encoding'], undefined);
  assert.deepEqual(JSON.parse(identity.body.toString()), plain);
});
