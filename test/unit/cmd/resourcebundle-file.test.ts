import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidError } from '../../../src/client/index.ts';
import { parseApplyDocument } from '../../../cmd/resourcebundle-file.ts';

test('a JSON resource bundle is read as one', () => {
  const doc = parseApplyDocument(
    JSON.stringify({ id: 'b1', consumer_name: 'c1', version: 2, manifests: [{ kind: 'ConfigMap' }] }),
    "'b.json'",
  );
  assert.equal(doc.kind, 'ResourceBundle');
  assert.deepEqual(doc.kind === 'ResourceBundle' && doc.bundle.version, 2);
});

test('a YAML ManifestWork is read as one', () => {
  const doc = parseApplyDocument(
    [
      'apiVersion: work.open-cluster-management.io/v1',
      'kind: ManifestWork',
      'metadata:',
      '  name: web',
      '  namespace: cluster1',
      'spec:',
      '  workload:',
      '    manifests:',
      '      - apiVersion: v1',
      '        kind: ConfigMap',
      '        metadata: {name: cm, namespace: default}',
    ].join('\n'),
    "'w.yaml'",
  );
  assert.equal(doc.kind, 'ManifestWork');
  assert.equal(doc.kind === 'ManifestWork' && doc.work.spec.workload.manifests?.[0]?.kind, 'ConfigMap');
});

test('unusable files are InvalidErrors that name the file and the problem', () => {
  const cases: [string, RegExp][] = [
    ['{not json', /'f' is not valid JSON or YAML/],
    ['- a\n- b', /must hold one JSON or YAML object/],
    ['{"hello": 1}', /neither a ResourceBundle nor a ManifestWork/],
    ['{"manifests": [{}]}', /needs consumer_name/],
    ['{"consumer_name": "c1", "manifests": []}', /at least one manifest/],
    ['{"consumer_name": "c1", "manifests": [{}], "version": "x"}', /version must be an integer/],
    ['{"kind": "ManifestWork", "spec": {"workload": {}}}', /needs metadata.name/],
    ['{"kind": "ManifestWork", "metadata": {"name": "w"}}', /needs spec.workload/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseApplyDocument(text, "'f'"),
      (err: unknown) => {
        assert.ok(err instanceof InvalidError, text);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});
