import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFeedbackRules } from '../../../../src/agent/status/feedback.ts';

const gvk = (apiVersion: string, kind: string) => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group, version, kind };
};

test('WellKnownStatus reads Deployment replicas', () => {
  const deployment = { status: { readyReplicas: 2, replicas: 3, availableReplicas: 1 } };
  const result = evaluateFeedbackRules(deployment, gvk('apps/v1', 'Deployment'), [
    { type: 'WellKnownStatus' },
  ]);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.values, [
    { name: 'ReadyReplicas', fieldValue: { type: 'Integer', integer: 2 } },
    { name: 'Replicas', fieldValue: { type: 'Integer', integer: 3 } },
    { name: 'AvailableReplicas', fieldValue: { type: 'Integer', integer: 1 } },
  ]);
});

test('WellKnownStatus reads DaemonSet counts', () => {
  const ds = { status: { numberReady: 4, desiredNumberScheduled: 5, numberAvailable: 3 } };
  const result = evaluateFeedbackRules(ds, gvk('apps/v1', 'DaemonSet'), [{ type: 'WellKnownStatus' }]);
  assert.deepEqual(
    result.values.map((v) => [v.name, v.fieldValue.integer]),
    [
      ['NumberReady', 4],
      ['DesiredNumberScheduled', 5],
      ['NumberAvailable', 3],
    ],
  );
});

test('WellKnownStatus reads Job completion and successes', () => {
  const job = { status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } };
  const result = evaluateFeedbackRules(job, gvk('batch/v1', 'Job'), [{ type: 'WellKnownStatus' }]);
  assert.deepEqual(result.values, [
    { name: 'JobComplete', fieldValue: { type: 'String', string: 'True' } },
    { name: 'JobSucceeded', fieldValue: { type: 'Integer', integer: 1 } },
  ]);
});

test('WellKnownStatus reads Pod readiness and phase', () => {
  const pod = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  const result = evaluateFeedbackRules(pod, gvk('v1', 'Pod'), [{ type: 'WellKnownStatus' }]);
  assert.deepEqual(result.values, [
    { name: 'PodReady', fieldValue: { type: 'String', string: 'True' } },
    { name: 'PodPhase', fieldValue: { type: 'String', string: 'Running' } },
  ]);
});

test('WellKnownStatus leaves out fields the object does not have yet', () => {
  const result = evaluateFeedbackRules({ status: { replicas: 1 } }, gvk('apps/v1', 'Deployment'), [
    { type: 'WellKnownStatus' },
  ]);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.values, [{ name: 'Replicas', fieldValue: { type: 'Integer', integer: 1 } }]);
});

test('WellKnownStatus on an unknown kind (StatefulSet) is an error naming the gvk', () => {
  const result = evaluateFeedbackRules({ status: {} }, gvk('apps/v1', 'StatefulSet'), [
    { type: 'WellKnownStatus' },
  ]);
  assert.deepEqual(result.values, []);
  assert.equal(
    result.error,
    'cannot find the wellknown statuses for resource with gvk apps/v1, Kind=StatefulSet',
  );
});

test('JSONPaths types scalars and turns other values into Go-style JsonRaw', () => {
  const object = {
    apiVersion: 'example.io/v1',
    spec: { size: 3, enabled: true, ratio: 0.5, name: 'n' },
    status: {
      conditions: [
        { type: 'A', status: 'True' },
        { type: 'B', message: '<b>&' },
      ],
    },
  };
  const result = evaluateFeedbackRules(object, gvk('example.io/v1', 'Thing'), [
    {
      type: 'JSONPaths',
      jsonPaths: [
        { name: 'size', path: '.spec.size' },
        { name: 'enabled', path: '.spec.enabled' },
        { name: 'name', path: '.spec.name' },
        { name: 'ratio', path: '.spec.ratio' },
        { name: 'second', path: '.status.conditions[1]' },
        { name: 'types', path: '.status.conditions[*].type' },
        { name: 'missing', path: '.status.nothing' },
      ],
    },
  ]);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.values, [
    { name: 'size', fieldValue: { type: 'Integer', integer: 3 } },
    { name: 'enabled', fieldValue: { type: 'Boolean', boolean: true } },
    { name: 'name', fieldValue: { type: 'String', string: 'n' } },
    { name: 'ratio', fieldValue: { type: 'JsonRaw', jsonRaw: '0.5' } },
    {
      name: 'second',
      fieldValue: { type: 'JsonRaw', jsonRaw: '{"message":"\\u003cb\\u003e\\u0026","type":"B"}' },
    },
    { name: 'types', fieldValue: { type: 'JsonRaw', jsonRaw: '["A","B"]' } },
  ]);
});

test('JSONPaths evaluates against the whole object, not only status', () => {
  const result = evaluateFeedbackRules({ metadata: { name: 'x' } }, gvk('v1', 'ConfigMap'), [
    { type: 'JSONPaths', jsonPaths: [{ name: 'n', path: '.metadata.name' }] },
  ]);
  assert.deepEqual(result.values, [{ name: 'n', fieldValue: { type: 'String', string: 'x' } }]);
});

test('a null value adds nothing and no error', () => {
  const result = evaluateFeedbackRules({ status: { x: null } }, gvk('v1', 'ConfigMap'), [
    { type: 'JSONPaths', jsonPaths: [{ name: 'x', path: '.status.x' }] },
  ]);
  assert.deepEqual(result, { values: [] });
});

test('JsonRaw longer than the cap is an error while other values are still reported', () => {
  const object = { data: { big: { text: 'x'.repeat(20) } }, spec: { n: 1 } };
  const rules = [
    {
      type: 'JSONPaths' as const,
      jsonPaths: [
        { name: 'big', path: '.data.big' },
        { name: 'n', path: '.spec.n' },
      ],
    },
  ];
  const capped = evaluateFeedbackRules(object, gvk('v1', 'ConfigMap'), rules, 10);
  assert.deepEqual(capped.values, [{ name: 'n', fieldValue: { type: 'Integer', integer: 1 } }]);
  assert.equal(
    capped.error,
    'the length of returned json raw string for name big is larger than the maximum length 10',
  );
  const exact = evaluateFeedbackRules(
    object,
    gvk('v1', 'ConfigMap'),
    rules,
    '{"text":"xxxxxxxxxxxxxxxxxxxx"}'.length,
  );
  assert.equal(exact.error, undefined);
  assert.equal(exact.values.length, 2);
});

test('a version mismatch and a bad path are reported together, deduplicated in aggregate form', () => {
  const result = evaluateFeedbackRules({ spec: { n: 1 } }, gvk('apps/v1', 'Deployment'), [
    {
      type: 'JSONPaths',
      jsonPaths: [
        { name: 'v', path: '.spec.n', version: 'v2' },
        { name: 'bad', path: '.spec[' },
      ],
    },
    { type: 'JSONPaths', jsonPaths: [{ name: 'v', path: '.spec.n', version: 'v2' }] },
  ]);
  assert.deepEqual(result.values, []);
  assert.match(
    result.error ?? '',
    /^\[version set in the path v is not matched for the related resource, failed to parse json path \.spec\[ of bad with error: [^,]+\]$/,
  );
});
