import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createManifestWorkClient,
  createMaestroConnection,
  InvalidError,
  NotFoundError,
  toManifestWork,
} from '../../../src/client/index.ts';
import type { ResourceBundle } from '../../../src/client/index.ts';
import { errorBody, startFakeRest } from './fake-rest.ts';

const NAMESPACE = '7ff1a8f4-8811-49b4-8c19-9271bc51975e';

function bundle(id: string, name: string, version = 1): ResourceBundle {
  return {
    id,
    kind: 'ResourceBundle',
    href: `/api/maestro/v1/resource-bundles/${id}`,
    name: id,
    consumer_name: 'c1',
    version,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    metadata: { name, namespace: 'c1', uid: id, resourceVersion: '0', labels: { app: 'web' } },
    manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } }],
    manifest_configs: [],
    delete_option: {},
  };
}

test('the work id is the upstream UUIDv5 of source, consumer and name (golden)', () => {
  const connection = createMaestroConnection({ sourceId: 'mw-client-example' });
  const works = createManifestWorkClient(connection, NAMESPACE);
  assert.equal(works.idOf('e44ec579-9646-549a-b679-db8d19d6da37'), '55c61e54-a3f6-563d-9fec-b1fe297bdfdb');
});

test('get fetches the bundle of the work id and converts it; a 404 is NotFoundError naming the work', async (t) => {
  const goneId = createManifestWorkClient(createMaestroConnection({ sourceId: 'src' }), 'c1').idOf('gone');
  const status = {
    ObservedVersion: 3,
    SequenceID: '42',
    conditions: [
      {
        type: 'Applied',
        status: 'True',
        reason: 'x',
        message: 'y',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
    resourceStatus: [],
  };
  const fake = await startFakeRest(t, (request) => {
    const id = request.path.split('/').pop()!;
    return id === goneId
      ? { status: 404, body: errorBody(7, `resource bundle '${id}' not found`) }
      : { status: 200, body: { ...bundle(id, 'web', 3), status } };
  });
  const works = createManifestWorkClient(
    createMaestroConnection({ sourceId: 'src', restUrl: fake.url }),
    'c1',
  );
  const work = await works.get('web');
  assert.equal(fake.requests[0]!.path, `/api/maestro/v1/resource-bundles/${works.idOf('web')}`);
  assert.equal(work.metadata.name, 'web');
  assert.equal(work.metadata.uid, works.idOf('web'));
  assert.equal(work.metadata.namespace, 'c1');
  assert.equal(work.metadata.generation, 3);
  assert.equal(work.metadata.resourceVersion, '3');
  assert.equal(work.metadata.annotations?.['cloudevents.open-cluster-management.io/sequenceid'], '42');
  assert.equal(work.spec.workload.manifests?.[0]?.kind, 'ConfigMap');
  assert.equal(work.spec.deleteOption, undefined, 'an empty delete_option is no delete option');
  assert.equal(work.status?.conditions?.[0]?.type, 'Applied');

  await assert.rejects(works.get('gone'), (err: unknown) => {
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.message, "manifestwork 'c1/gone' not found");
    return true;
  });
  await works.delete('gone'); // deleting a missing work is not an error (and needs no gRPC)
  await assert.rejects(works.get(''), InvalidError);
});

test('list asks for this source and consumer with the label search, in pages of at most 400', async (t) => {
  const total = 5;
  const fake = await startFakeRest(t, (request) => {
    const page = Number(request.query.get('page'));
    const size = Number(request.query.get('size'));
    const items = Array.from({ length: total }, (_, i) => bundle(`id-${i}`, `w${i}`)).slice(
      (page - 1) * size,
      page * size,
    );
    return { status: 200, body: { kind: 'ResourceBundleList', page, size: items.length, total, items } };
  });
  const works = createManifestWorkClient(
    createMaestroConnection({ sourceId: 'src', restUrl: fake.url }),
    'c1',
  );

  const all = await works.list({ labelSelector: 'app=web' });
  assert.equal(all.items.length, 5);
  assert.equal(all.continue, undefined);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]!.query.get('size'), '400');
  assert.equal(
    fake.requests[0]!.query.get('search'),
    `source='src' and consumer_name='c1' and payload->'metadata'->'labels'@>'{"app":"web"}'`,
  );

  fake.requests.length = 0;
  const first = await works.list({ limit: 2 });
  assert.deepEqual(
    first.items.map((w) => w.metadata.name),
    ['w0', 'w1'],
  );
  assert.equal(first.continue, '2');
  assert.equal(fake.requests[0]!.query.get('search'), `source='src' and consumer_name='c1'`);
  const second = await works.list({ limit: 2, continue: first.continue! });
  assert.deepEqual(
    second.items.map((w) => w.metadata.name),
    ['w2', 'w3'],
  );
  const last = await works.list({ limit: 2, continue: second.continue! });
  assert.deepEqual(
    last.items.map((w) => w.metadata.name),
    ['w4'],
  );
  assert.equal(last.continue, undefined);

  const big = await works.list({ limit: 1000 });
  assert.equal(fake.requests.at(-1)!.query.get('size'), '400', 'a page never exceeds 400');
  assert.equal(big.items.length, 5);
  await assert.rejects(works.list({ limit: 2, continue: 'x' }), InvalidError);
  await assert.rejects(works.list({ labelSelector: 'a in (' }), InvalidError);
});

test('toManifestWork keeps metadata, spec parts and status of an upstream-shaped bundle', () => {
  const work = toManifestWork({
    ...bundle('id-1', 'web', 2),
    manifest_configs: [{ resourceIdentifier: { resource: 'configmaps', name: 'cm' } }],
    delete_option: { propagationPolicy: 'Orphan' },
    deleted_at: '2026-01-02T00:00:00Z',
    metadata: { name: 'web', namespace: 'c1', deletionTimestamp: '2026-01-02T00:00:00Z' },
  });
  assert.equal(work.spec.deleteOption?.propagationPolicy, 'Orphan');
  assert.equal(work.spec.manifestConfigs?.length, 1);
  assert.equal(work.metadata.deletionTimestamp, '2026-01-02T00:00:00Z');
  assert.equal(work.status, undefined);
});
