import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateConditionRules } from '../../../../src/agent/status/condition-rules.ts';
import type { ManifestCondition } from '../../../../src/work/types.ts';
import { updateManifestStatus } from '../../../../src/agent/status/manifest-status.ts';

const job = { group: 'batch', version: 'v1', kind: 'Job' };
const pod = { group: '', version: 'v1', kind: 'Pod' };
const deploy = { group: 'apps', version: 'v1', kind: 'Deployment' };

test('WellKnownCompletions: a Job is complete once Complete or Failed is True', () => {
  const done = { status: { conditions: [{ type: 'Failed', status: 'True' }] } };
  const running = { status: {} };
  assert.deepEqual(
    evaluateConditionRules(done, job, [{ type: 'WellKnownCompletions', condition: 'Complete' }]),
    [{ type: 'Complete', status: 'True', reason: 'ConditionRuleEvaluated', message: 'Job is finished' }],
  );
  assert.deepEqual(evaluateConditionRules(running, job, [{ type: 'WellKnownCompletions' }]), [
    { type: 'Complete', status: 'False', reason: 'ConditionRuleEvaluated', message: 'Job is not finished' },
  ]);
});

test('WellKnownCompletions: a Pod is complete in phase Succeeded or Failed; overrides apply', () => {
  const [c] = evaluateConditionRules({ status: { phase: 'Succeeded' } }, pod, [
    { type: 'WellKnownCompletions', condition: 'Done', message: 'custom' },
  ]);
  assert.deepEqual(c, {
    type: 'Done',
    status: 'True',
    reason: 'ConditionRuleEvaluated',
    message: 'Pod is in phase Succeeded',
  });
  const [r] = evaluateConditionRules({ status: { phase: 'Running' } }, pod, [
    { type: 'WellKnownCompletions', condition: 'Complete' },
  ]);
  assert.equal(r.status, 'False');
});

test('WellKnownCompletions on another kind is Unknown / ConditionRuleInvalid', () => {
  assert.deepEqual(
    evaluateConditionRules({}, deploy, [{ type: 'WellKnownCompletions', condition: 'Complete' }]),
    [
      {
        type: 'Complete',
        status: 'Unknown',
        reason: 'ConditionRuleInvalid',
        message: 'cannot find the wellknown conditions for resource with gvk apps/v1, Kind=Deployment',
      },
    ],
  );
});

test('CEL: all expressions must hold; messages come from messageExpression, message, or the default', () => {
  const object = { spec: { replicas: 3 }, status: { readyReplicas: 3 } };
  const rule = (extra: object) => ({ type: 'CEL' as const, condition: 'Ready', ...extra });
  const exprs = [
    { expression: 'object.status.readyReplicas == object.spec.replicas' },
    { expression: 'object.spec.replicas > 2' },
  ];
  assert.deepEqual(evaluateConditionRules(object, deploy, [rule({ celExpressions: exprs })]), [
    { type: 'Ready', status: 'True', reason: 'ConditionRuleEvaluated', message: 'Manifest is Ready' },
  ]);
  assert.equal(
    evaluateConditionRules(object, deploy, [
      rule({ celExpressions: [{ expression: 'object.spec.replicas > 5' }] }),
    ])[0].message,
    'Manifest is not Ready',
  );
  assert.equal(
    evaluateConditionRules(object, deploy, [rule({ celExpressions: exprs, message: 'm' })])[0].message,
    'm',
  );
  assert.equal(
    evaluateConditionRules(object, deploy, [
      rule({
        celExpressions: exprs,
        message: 'm',
        messageExpression: 'result ? "ready " + string(object.spec.replicas) : ""',
      }),
    ])[0].message,
    'ready 3',
  );
});

test('CEL errors: compile, evaluation and non-bool results are ConditionRuleExpressionError', () => {
  const eval1 = (expression: string) =>
    evaluateConditionRules({ spec: {} }, deploy, [
      { type: 'CEL', condition: 'X', celExpressions: [{ expression }] },
    ])[0];
  assert.deepEqual(
    [eval1('object.spec.(').status, eval1('object.spec.(').reason],
    ['False', 'ConditionRuleExpressionError'],
  );
  assert.equal(eval1('object.spec.missing == 1').reason, 'ConditionRuleExpressionError');
  assert.equal(eval1('1 + 1').message, 'expected bool result, got int64');
  const invalid = evaluateConditionRules({}, deploy, [{ type: 'Bogus' as 'CEL', condition: 'X' }])[0];
  assert.deepEqual(invalid, {
    type: 'X',
    status: 'Unknown',
    reason: 'ConditionRuleInvalid',
    message: 'unrecognized condition rule type Bogus',
  });
});

test('a status pass sets Available, feedback and rule conditions on one manifest', () => {
  const manifest: ManifestCondition = {
    resourceMeta: {
      ordinal: 0,
      group: 'batch',
      version: 'v1',
      kind: 'Job',
      resource: 'jobs',
      name: 'j',
      namespace: 'ns',
    },
    statusFeedback: {},
    conditions: [],
  };
  const object = { status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } };
  const config = {
    feedbackRules: [{ type: 'WellKnownStatus' as const }],
    conditionRules: [{ type: 'WellKnownCompletions' as const, condition: 'Complete' }],
  };
  updateManifestStatus(manifest, { kind: 'found', object }, config, 4, 1024, '2024-01-01T00:00:00Z');
  assert.deepEqual(
    manifest.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
    [
      ['Available', 'True', 'ResourceAvailable', undefined],
      ['StatusFeedbackSynced', 'True', 'StatusFeedbackSynced', undefined],
      ['Complete', 'True', 'ConditionRuleEvaluated', 4],
    ],
  );
  assert.equal(manifest.statusFeedback?.values?.length, 2);

  updateManifestStatus(manifest, { kind: 'notFound' }, config, 5, 1024, '2024-01-01T00:01:00Z');
  const available = manifest.conditions?.find((c) => c.type === 'Available');
  assert.deepEqual(
    [available?.status, available?.reason, available?.message],
    ['False', 'ResourceNotAvailable', 'Resource is not available'],
  );
  assert.equal(manifest.statusFeedback?.values?.length, 2, 'feedback is kept when the object cannot be read');
});

test('a manifest without feedback rules reports NoStatusFeedbackSynced', () => {
  const manifest: ManifestCondition = {
    resourceMeta: {
      ordinal: 0,
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      resource: 'configmaps',
      name: 'c',
      namespace: 'ns',
    },
    conditions: null,
  };
  updateManifestStatus(manifest, { kind: 'found', object: {} }, undefined, 1, 1024);
  assert.deepEqual(
    manifest.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'ResourceAvailable', 'Resource is available'],
      ['StatusFeedbackSynced', 'True', 'NoStatusFeedbackSynced', ''],
    ],
  );
  assert.deepEqual(manifest.statusFeedback, {});
});
