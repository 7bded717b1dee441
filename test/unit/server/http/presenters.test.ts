import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, toApiErrorResponse } from '../../../../src/server/http/api-errors.ts';
import { parseListParams } from '../../../../src/server/http/list-params.ts';
import {
  goTimestamp,
  PROJECTABLE_FIELDS,
  presentConsumer,
  presentList,
  presentListJson,
  presentResourceBundle,
  projectFields,
  validateFields,
} from '../../../../src/server/http/presenters.ts';
import { SearchError } from '../../../../src/server/http/search/index.ts';
import { MaestroError } from '../../../../src/common/errors.ts';
import { CONSUMER_COLUMNS, RESOURCE_COLUMNS } from '../../../../src/server/store/rest-queries.ts';
import type { ResourceBundleRow } from '../../../../src/server/store/rest-bundle-queries.ts';

test('timestamps use Go time.Time JSON form (trailing fraction zeros dropped)', () => {
  assert.equal(goTimestamp('2025-12-13T13:32:30.311894Z'), '2025-12-13T13:32:30.311894Z');
  assert.equal(goTimestamp('2025-12-13T13:32:30.300000Z'), '2025-12-13T13:32:30.3Z');
  assert.equal(goTimestamp('2025-12-13T13:32:30.000000Z'), '2025-12-13T13:32:30Z');
});

test('consumer omits empty labels', () => {
  const row = {
    id: 'i',
    name: 'n',
    labels: null,
    createdAt: '2025-01-01T00:00:00.000000Z',
    updatedAt: '2025-01-01T00:00:00.5Z',
  };
  assert.deepEqual(presentConsumer(row), {
    id: 'i',
    kind: 'Consumer',
    href: '/api/maestro/v1/consumers/i',
    name: 'n',
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00.5Z',
  });
});

const BUNDLE_ROW: ResourceBundleRow = {
  id: 'r1',
  name: 'r1',
  consumerName: 'c1',
  version: 3,
  createdAt: '2025-01-01T00:00:00.123456Z',
  updatedAt: '2025-01-01T00:00:01.000000Z',
  deletedAt: '2025-01-02T00:00:00.100000Z',
  metadata: { name: 'w', creationTimestamp: 'stale' },
  spec: { manifests: '[{"kind": "A"}]', manifestConfigs: null, deleteOption: null },
  specEvent: null,
  status: {
    resourceVersion: 2,
    sequenceId: '42',
    conditions: '[{"type": "Applied"}]',
    manifestBundle: null,
    resourceStatus: null,
    event: null,
  },
};

test('resource bundle: metadata timestamps from the row, defaults for configs/option, status keys', () => {
  const text = presentResourceBundle(BUNDLE_ROW);
  const bundle = JSON.parse(text);
  assert.deepEqual(Object.keys(bundle), [...(PROJECTABLE_FIELDS.ResourceBundle ?? [])]);
  assert.equal(bundle.href, '/api/maestro/v1/resource-bundles/r1');
  assert.equal(bundle.version, 3);
  assert.deepEqual(bundle.metadata, {
    name: 'w',
    creationTimestamp: '2025-01-01T00:00:00Z',
    deletionTimestamp: '2025-01-02T00:00:00Z',
  });
  assert.equal(bundle.created_at, '2025-01-01T00:00:00.123456Z');
  assert.equal(bundle.updated_at, '2025-01-01T00:00:01Z');
  assert.equal(bundle.deleted_at, '2025-01-02T00:00:00.1Z');
  assert.deepEqual(bundle.manifests, [{ kind: 'A' }]);
  assert.deepEqual(bundle.manifest_configs, []);
  assert.deepEqual(bundle.delete_option, {});
  assert.deepEqual(bundle.status, {
    ObservedVersion: 2,
    SequenceID: '42',
    conditions: [{ type: 'Applied' }],
    resourceStatus: [],
  });
});

test('resource bundle: no deleted_at or status before deletion and first status', () => {
  const bundle = JSON.parse(presentResourceBundle({ ...BUNDLE_ROW, deletedAt: null, status: null }));
  assert.equal('deleted_at' in bundle, false);
  assert.equal('status' in bundle, false);
  assert.equal('deletionTimestamp' in bundle.metadata, false);
});

test('resource bundle: spec and status data sent as text or base64 are decoded', () => {
  const specData = { manifests: [{ kind: 'B' }], deleteOption: { propagationPolicy: 'Orphan' } };
  const statusData = { conditions: [], manifestBundle: null, resourceStatus: [{ k: 1 }] };
  const bundle = JSON.parse(
    presentResourceBundle({
      ...BUNDLE_ROW,
      metadata: JSON.stringify({ name: 'from-text' }),
      spec: { manifests: null, manifestConfigs: null, deleteOption: null },
      specEvent: { data: JSON.stringify(specData) },
      status: {
        resourceVersion: null,
        sequenceId: null,
        conditions: null,
        manifestBundle: null,
        resourceStatus: null,
        event: { data_base64: Buffer.from(JSON.stringify(statusData)).toString('base64') },
      },
    }),
  );
  assert.equal(bundle.metadata.name, 'from-text');
  assert.deepEqual(bundle.manifests, [{ kind: 'B' }]);
  assert.deepEqual(bundle.delete_option, { propagationPolicy: 'Orphan' });
  assert.deepEqual(bundle.status, {
    ObservedVersion: 0,
    SequenceID: '',
    conditions: [],
    manifestBundle: null,
    resourceStatus: [{ k: 1 }],
  });
});

test('list JSON is the list envelope around the items', () => {
  const items = [Buffer.from('{"id":"a"}'), Buffer.from('{"id":"ü"}')];
  const json = Buffer.concat(presentListJson('ResourceBundleList', 2, 7, items));
  assert.deepEqual(
    JSON.parse(json.toString()),
    presentList('ResourceBundleList', 2, 7, [{ id: 'a' }, { id: 'ü' }]),
  );
  const empty = Buffer.concat(presentListJson('ResourceBundleList', 9, 7, []));
  assert.deepEqual(JSON.parse(empty.toString()), presentList('ResourceBundleList', 9, 7, []));
});

test('fields projection keeps id, selects inside objects and rejects unknown names', () => {
  const item = { id: 'x', name: 'n', metadata: { name: 'm', uid: 'u' }, labels: { a: '1' } };
  assert.deepEqual(projectFields(item, ['id', 'metadata.uid', 'labels.*']), {
    id: 'x',
    metadata: { uid: 'u' },
    labels: { a: '1' },
  });
  assert.doesNotThrow(() => validateFields('ResourceBundle', ['id', 'metadata.labels', 'status']));
  assert.throws(() => validateFields('ResourceBundle', ['payload', 'name.x']), /payload, name\.x/);
});

test('list parameters: defaults, size clamping, orderBy allow-list, search compiled with parameters', () => {
  const defaults = parseListParams({}, RESOURCE_COLUMNS);
  assert.deepEqual(defaults, { page: 1, query: { where: undefined, orderBy: [], offset: 0, limit: 100 } });
  const request = parseListParams(
    { page: '3', size: '70000', orderBy: 'Name DESC,version', search: "name = 'a'", fields: 'name' },
    RESOURCE_COLUMNS,
  );
  assert.equal(request.query.limit, 65_500);
  assert.equal(request.query.offset, 131_000);
  assert.deepEqual(request.query.orderBy, ['r.name DESC', 'r.version ASC']);
  assert.deepEqual(request.query.where, { sql: '(r.name = $1::text)', params: ['a'] });
  assert.deepEqual(request.fields, ['id', 'name']);
  assert.throws(() => parseListParams({ orderBy: 'labels' }, CONSUMER_COLUMNS), /bad order value 'labels'/);
  assert.throws(() => parseListParams({ page: '1e3' }, CONSUMER_COLUMNS), /not an integer/);
});

test('errors map to upstream codes and HTTP statuses', () => {
  const cases: [unknown, number, string][] = [
    [new SearchError('bad', 3), 400, 'maestro-23'],
    [new MaestroError('NOT_FOUND', 'x'), 404, 'maestro-7'],
    [new MaestroError('ALREADY_EXISTS', 'x'), 409, 'maestro-6'],
    [new MaestroError('INVALID_ARGUMENT', 'x'), 400, 'maestro-8'],
    [new MaestroError('UNAVAILABLE', 'x'), 503, 'maestro-9'],
    [new ApiError(4, 'no'), 403, 'maestro-4'],
    [new Error('boom'), 500, 'maestro-9'],
  ];
  for (const [err, status, code] of cases) {
    const response = toApiErrorResponse(err, 'op');
    assert.equal(response.httpStatus, status, code);
    assert.equal(response.body.code, code);
    assert.equal(response.body.operation_id, 'op');
  }
  assert.equal(toApiErrorResponse(new Error('secret detail'), 'op').body.reason, 'internal error');
});
