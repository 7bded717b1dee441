import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from '../../../src/common/duration.ts';

test('parses Go durations into milliseconds', () => {
  assert.equal(parseGoDuration('60s'), 60_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('0'), 0);
});

test('a bare number means seconds, as upstream config files and integer flags do', () => {
  assert.equal(parseGoDuration(30), 30_000);
  assert.equal(parseGoDuration('2'), 2000);
});

test('refuses what is not a duration', () => {
  for (const bad of ['5 minutes', '', 's', '10x', '1m30', '-5s'])
    assert.equal(parseGoDuration(bad), undefined, bad);
  assert.equal(parseGoDuration(-1), undefined);
});
