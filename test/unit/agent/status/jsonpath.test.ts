import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonPath } from '../../../../src/agent/status/jsonpath.ts';

const pod = {
  metadata: { name: 'p', labels: { app: 'web', tier: 'front' } },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', order: 1 },
      { type: 'Ready', status: 'False', order: 2 },
      { type: 'PodScheduled', status: 'True', order: 3 },
    ],
    containerStatuses: [
      { name: 'a', restartCount: 0 },
      { name: 'b', restartCount: 4 },
    ],
  },
};

const find = (path: string): unknown[] => parseJsonPath(path).find(pod);

test('field chains, braces and a leading $ select the same value', () => {
  assert.deepEqual(find('.status.phase'), ['Running']);
  assert.deepEqual(find('{.status.phase}'), ['Running']);
  assert.deepEqual(find('$.status.phase'), ['Running']);
  assert.deepEqual(find("['status']['phase']"), ['Running']);
});

test('missing keys and out-of-range indexes select nothing instead of failing', () => {
  assert.deepEqual(find('.status.nope'), []);
  assert.deepEqual(find('.status.nope.deeper'), []);
  assert.deepEqual(find('.status.conditions[7]'), []);
  assert.deepEqual(find('.status.phase.length'), []);
});

test('indexes, negative indexes, slices, unions and wildcards', () => {
  assert.deepEqual(find('.status.conditions[0].type'), ['Initialized']);
  assert.deepEqual(find('.status.conditions[-1].type'), ['PodScheduled']);
  assert.deepEqual(find('.status.conditions[0:2].type'), ['Initialized', 'Ready']);
  assert.deepEqual(find('.status.conditions[::2].type'), ['Initialized', 'PodScheduled']);
  assert.deepEqual(find('.status.conditions[0,2].order'), [1, 3]);
  assert.deepEqual(find('.status.conditions[*].status'), ['True', 'False', 'True']);
  assert.deepEqual(find('.metadata.labels.*'), ['web', 'front']);
  assert.deepEqual(find("['metadata']['labels']['app','tier']"), ['web', 'front']);
});

test('filters compare strings and numbers, and a bare path tests existence', () => {
  assert.deepEqual(find('.status.conditions[?(@.type=="Ready")].status'), ['False']);
  assert.deepEqual(find(".status.conditions[?(@.type == 'Ready')].status"), ['False']);
  assert.deepEqual(find('.status.conditions[?(@.type!="Ready")].type'), ['Initialized', 'PodScheduled']);
  assert.deepEqual(find('.status.conditions[?(@.order>1)].type'), ['Ready', 'PodScheduled']);
  assert.deepEqual(find('.status.conditions[?(@.order<=1)].type'), ['Initialized']);
  assert.deepEqual(find('.status.containerStatuses[?(@.restartCount)].name'), ['a', 'b']);
  assert.deepEqual(find('.status.conditions[?(@.reason)].type'), []);
  assert.deepEqual(find('.status.conditions[?(@.type=="Missing")].status'), []);
});

test('recursive descent finds a field at any depth', () => {
  assert.deepEqual(find('..restartCount'), [0, 4]);
  assert.deepEqual(find('.status..name'), ['a', 'b']);
});

test('syntax errors are rejected with the path in the message', () => {
  assert.throws(() => parseJsonPath('.status.conditions[?(@.type=="Ready"].status'), /invalid jsonpath/);
  assert.throws(() => parseJsonPath('.status.conditions[0'), /missing \]/);
  assert.throws(() => parseJsonPath('status'), /invalid jsonpath 'status'/);
});
