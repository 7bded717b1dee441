import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Consumer, ResourceBundle } from '../../../src/client/index.ts';
import {
  consumerTable,
  formatOutput,
  humanTime,
  renderTable,
  resourceBundleTable,
  statusTables,
} from '../../../cmd/client-output.ts';

const NOW = new Date('2026-08-04T15:30:00Z');

test('tables align every column to its widest cell', () => {
  const text = renderTable({
    headers: ['ID', 'NAME', 'LABELS'],
    rows: [
      ['1', 'cluster-one', 'env=prod'],
      ['22222', 'c2', '-'],
    ],
  });
  assert.equal(
    text,
    'ID      NAME          LABELS\n1       cluster-one   env=prod\n22222   c2            -\n',
  );
});

test('times read as how long ago', () => {
  assert.equal(humanTime('2026-08-04T15:29:58.5Z', NOW), '1s ago');
  assert.equal(humanTime('2026-08-04T15:25:00Z', NOW), '5m ago');
  assert.equal(humanTime('2026-08-04T12:00:00Z', NOW), '3h ago');
  assert.equal(humanTime('2026-08-01T15:30:00Z', NOW), '3d ago');
  assert.equal(humanTime('2026-08-04T15:31:00Z', NOW), '0s ago', 'clock skew never reads as negative');
  assert.equal(humanTime(undefined, NOW), '-');
  assert.equal(humanTime('garbage', NOW), '-');
});

const consumer: Consumer = {
  id: '6a8b1c3e',
  kind: 'Consumer',
  href: '/api/maestro/v1/consumers/6a8b1c3e',
  name: 'cluster1',
  labels: { env: 'production', tier: '1' },
  created_at: '2026-08-04T15:20:11.123456Z',
  updated_at: '2026-08-04T15:20:11.123456Z',
};

test('consumer table, and json/yaml print the REST object unchanged', () => {
  assert.equal(
    renderTable(consumerTable([consumer], NOW)),
    [
      'ID         NAME       LABELS                  CREATED',
      '6a8b1c3e   cluster1   env=production,tier=1   9m ago',
      '',
    ].join('\n'),
  );
  assert.deepEqual(JSON.parse(formatOutput('json', consumer, () => [])), consumer);
  assert.match(
    formatOutput('yaml', consumer, () => []),
    /^id: 6a8b1c3e\nkind: Consumer\n/,
  );
});

const bundle: ResourceBundle = {
  id: '55c61e54',
  kind: 'ResourceBundle',
  href: '/api/maestro/v1/resource-bundles/55c61e54',
  name: '55c61e54',
  consumer_name: 'cluster1',
  version: 2,
  created_at: '2026-08-04T15:00:00Z',
  updated_at: '2026-08-04T15:28:00Z',
  metadata: { name: 'web', namespace: 'cluster1' },
  manifests: [],
  manifest_configs: [],
  delete_option: {},
  status: {
    ObservedVersion: 2,
    SequenceID: '1',
    conditions: [
      {
        type: 'Applied',
        status: 'True',
        reason: 'AppliedManifestWorkComplete',
        message: 'done',
        lastTransitionTime: '2026-08-04T15:29:00Z',
      },
      {
        type: 'Available',
        status: 'False',
        reason: 'NotYet',
        message: 'waiting',
        lastTransitionTime: '2026-08-04T15:29:00Z',
      },
    ],
    resourceStatus: [
      {
        resourceMeta: {
          ordinal: 0,
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          resource: 'deployments',
          name: 'web',
          namespace: 'default',
        },
        conditions: [
          {
            type: 'Applied',
            status: 'True',
            reason: 'AppliedManifestComplete',
            message: 'ok',
            lastTransitionTime: '2026-08-04T15:29:30Z',
          },
        ],
      },
    ],
  },
};

test('resource bundle and status tables', () => {
  const table = resourceBundleTable(
    [bundle, { ...bundle, id: 'x', status: undefined, deleted_at: '2026-08-04T15:29:00Z' }],
    NOW,
  );
  assert.deepEqual(table.rows, [
    ['55c61e54', 'web', 'cluster1', '2', 'Applied', '2m ago'],
    ['x', 'web', 'cluster1', '2 (deleting)', '-', '2m ago'],
  ]);
  const [status] = statusTables(bundle, NOW);
  assert.deepEqual(status!.rows, [
    ['work', 'Applied', 'True', 'AppliedManifestWorkComplete', '1m ago', 'done'],
    ['work', 'Available', 'False', 'NotYet', '1m ago', 'waiting'],
    ['Deployment/default/web', 'Applied', 'True', 'AppliedManifestComplete', '30s ago', 'ok'],
  ]);
});
