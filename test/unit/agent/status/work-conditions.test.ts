import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, ManifestCondition } from '../../../../src/work/types.ts';
import { setCondition } from '../../../../src/agent/status/conditions.ts';
import {
  aggregateManifestConditions,
  mergeManifestConditions,
  pruneRuleConditions,
  workAppliedCondition,
} from '../../../../src/agent/status/work-conditions.ts';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:05:00Z';

function cond(type: string, status: string, reason = 'R', extra: Partial<Condition> = {}): Condition {
  return { type, status, lastTransitionTime: T0, reason, message: '', ...extra };
}

function manifest(name: string, conditions: Condition[], ordinal = 0): ManifestCondition {
  return {
    resourceMeta: {
      ordinal,
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      resource: 'configmaps',
      name,
      namespace: 'ns',
    },
    statusFeedback: {},
    conditions,
  };
}

test('setCondition keeps the transition time unless the status changes', () => {
  const list: Condition[] = [];
  assert.equal(setCondition(list, { type: 'A', status: 'True', reason: 'r', message: 'm' }, T0), true);
  assert.equal(
    setCondition(list, { type: 'A', status: 'True', reason: 'r2', message: 'm2', observedGeneration: 2 }, T1),
    true,
  );
  assert.deepEqual(list, [
    { type: 'A', status: 'True', observedGeneration: 2, lastTransitionTime: T0, reason: 'r2', message: 'm2' },
  ]);
  assert.equal(
    setCondition(list, { type: 'A', status: 'True', reason: 'r2', message: 'm2', observedGeneration: 2 }, T1),
    false,
  );
  setCondition(list, { type: 'A', status: 'False', reason: 'r2', message: 'm2', observedGeneration: 2 }, T1);
  assert.equal(list[0].lastTransitionTime, T1);
});

test('work Applied is True unless a manifest failed, and absent without manifest Applied conditions', () => {
  assert.equal(workAppliedCondition([], 3), undefined);
  assert.equal(workAppliedCondition([manifest('a', [cond('Available', 'True')])], 3), undefined);
  assert.deepEqual(
    workAppliedCondition(
      [manifest('a', [cond('Applied', 'True')]), manifest('b', [cond('Applied', 'Unknown')])],
      3,
    ),
    {
      type: 'Applied',
      status: 'True',
      observedGeneration: 3,
      reason: 'AppliedManifestWorkComplete',
      message: 'Apply manifest work complete',
    },
  );
  assert.deepEqual(
    workAppliedCondition(
      [manifest('a', [cond('Applied', 'True')]), manifest('b', [cond('Applied', 'False')])],
      3,
    ),
    {
      type: 'Applied',
      status: 'False',
      observedGeneration: 3,
      reason: 'AppliedManifestWorkFailed',
      message: 'Failed to apply manifest work',
    },
  );
});

test('work Available: False beats Unknown beats none-available beats True, counted over all manifests', () => {
  const available = (list: ManifestCondition[]) => aggregateManifestConditions(5, list)[0];
  const a = manifest('a', [cond('Available', 'True')]);
  const b = manifest('b', [cond('Available', 'False')]);
  const c = manifest('c', [cond('Available', 'Unknown')]);
  const d = manifest('d', []);
  assert.deepEqual(available([a, b, c]), {
    type: 'Available',
    observedGeneration: 5,
    status: 'False',
    reason: 'ResourcesNotAvailable',
    message: '1 of 3 resources are not available',
  });
  assert.equal(available([a, c, d]).message, '1 of 3 resources have unknown status');
  assert.equal(available([a, c, d]).status, 'Unknown');
  assert.deepEqual(
    [available([d]).status, available([d]).reason, available([d]).message],
    ['Unknown', 'ResourcesStatusUnknown', 'cannot get any available resource '],
  );
  assert.deepEqual(
    [available([a, d]).status, available([a, d]).reason, available([a, d]).message],
    ['True', 'ResourcesAvailable', 'All resources are available'],
  );
});

test('rule conditions aggregate per type; Progressing is reversed; one contributor keeps its message', () => {
  const rule = (type: string, status: string, message = '') =>
    cond(type, status, 'ConditionRuleEvaluated', { observedGeneration: 5, message });
  const list = [
    manifest('a', [
      cond('Available', 'True'),
      rule('Complete', 'True', 'a done'),
      rule('Progressing', 'False'),
    ]),
    manifest('b', [
      cond('Available', 'True'),
      rule('Progressing', 'True'),
      rule('Degraded', 'Unknown', 'hmm'),
    ]),
    manifest('c', [cond('Available', 'True'), rule('Complete', 'False')]),
  ];
  const [, ...rules] = aggregateManifestConditions(5, list);
  assert.deepEqual(rules, [
    {
      type: 'Complete',
      status: 'False',
      observedGeneration: 5,
      reason: 'ConditionRulesAggregated',
      message: 'Aggregated from 2 manifest conditions',
    },
    {
      type: 'Progressing',
      status: 'True',
      observedGeneration: 5,
      reason: 'ConditionRulesAggregated',
      message: 'Aggregated from 2 manifest conditions',
    },
    {
      type: 'Degraded',
      status: 'Unknown',
      observedGeneration: 5,
      reason: 'ConditionRulesAggregated',
      message: 'hmm',
    },
  ]);
  const allTrue = aggregateManifestConditions(5, [
    manifest('a', [rule('Complete', 'True', 'x')]),
    manifest('b', [rule('Complete', 'True', 'y')]),
  ]);
  assert.equal(allTrue[1].status, 'True');
  const progressing = aggregateManifestConditions(5, [
    manifest('a', [rule('Progressing', 'False')]),
    manifest('b', [rule('Progressing', 'Unknown')]),
  ]);
  assert.equal(progressing[1].status, 'Unknown');
});

test('stale rule conditions are pruned, other conditions kept', () => {
  const list = [
    cond('Applied', 'True', 'AppliedManifestWorkComplete', { observedGeneration: 1 }),
    cond('Complete', 'True', 'ConditionRulesAggregated', { observedGeneration: 1 }),
    cond('Ready', 'True', 'ConditionRuleEvaluated', { observedGeneration: 2 }),
  ];
  pruneRuleConditions(list, 2);
  assert.deepEqual(
    list.map((c) => c.type),
    ['Applied', 'Ready'],
  );
});

test('merging manifest lists keeps feedback and other conditions, and resets Applied on a new generation', () => {
  const oldA = manifest('a', [
    cond('Applied', 'True', 'AppliedManifestComplete', { observedGeneration: 1 }),
    cond('Available', 'True'),
  ]);
  oldA.statusFeedback = { values: [{ name: 'x', fieldValue: { type: 'Integer', integer: 1 } }] };
  const oldGone = manifest('gone', [cond('Applied', 'True')], 1);
  const freshA = manifest(
    'a',
    [cond('Applied', 'True', 'AppliedManifestComplete', { observedGeneration: 2, lastTransitionTime: T1 })],
    0,
  );
  freshA.resourceMeta.ordinal = 1; // moved in the spec: matched without ordinal
  const freshNew = manifest(
    'new',
    [cond('Applied', 'False', 'AppliedManifestFailed', { observedGeneration: 2, lastTransitionTime: T0 })],
    0,
  );
  const merged = mergeManifestConditions([oldA, oldGone], [freshA, freshNew], T1);
  assert.equal(merged.length, 2);
  assert.equal(merged[0].resourceMeta.ordinal, 1);
  assert.deepEqual(merged[0].statusFeedback, oldA.statusFeedback);
  assert.deepEqual(
    merged[0].conditions?.map((c) => [c.type, c.observedGeneration, c.lastTransitionTime]),
    [
      ['Available', undefined, T0],
      ['Applied', 2, T1],
    ],
  );
  assert.equal(merged[1].resourceMeta.name, 'new');
  assert.equal(merged[1].conditions?.[0].lastTransitionTime, T1);
});

test('merging with the same generation keeps Applied in place and its transition time', () => {
  const old = manifest('a', [
    cond('Applied', 'True', 'AppliedManifestComplete', { observedGeneration: 2 }),
    cond('Available', 'True'),
  ]);
  const fresh = manifest('a', [
    cond('Applied', 'True', 'AppliedManifestComplete', { observedGeneration: 2, lastTransitionTime: T1 }),
  ]);
  const [merged] = mergeManifestConditions([old], [fresh], T1);
  assert.deepEqual(
    merged.conditions?.map((c) => [c.type, c.lastTransitionTime]),
    [
      ['Applied', T0],
      ['Available', T0],
    ],
  );
});
