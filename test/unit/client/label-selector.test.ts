import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidError,
  matchesLabelSelector,
  parseLabelSelector,
  toLabelSearch,
} from '../../../src/client/index.ts';
import { compileSearch } from '../../../src/server/http/search/index.ts';
import { RESOURCE_COLUMNS } from '../../../src/server/store/rest-queries.ts';

test('selectors parse into requirements with every Kubernetes operator', () => {
  assert.deepEqual(parseLabelSelector(''), []);
  assert.deepEqual(parseLabelSelector('app=web, tier==1,env!=prod,zone in (a, b),x notin (c),has,!legacy'), [
    { key: 'app', operator: 'equals', values: ['web'] },
    { key: 'tier', operator: 'equals', values: ['1'] },
    { key: 'env', operator: 'notEquals', values: ['prod'] },
    { key: 'zone', operator: 'in', values: ['a', 'b'] },
    { key: 'x', operator: 'notIn', values: ['c'] },
    { key: 'has', operator: 'exists', values: [] },
    { key: 'legacy', operator: 'doesNotExist', values: [] },
  ]);
  assert.deepEqual(parseLabelSelector('example.com/team=a'), [
    { key: 'example.com/team', operator: 'equals', values: ['a'] },
  ]);
  assert.deepEqual(parseLabelSelector('app='), [{ key: 'app', operator: 'equals', values: [''] }]);
});

test('malformed selectors are InvalidErrors naming the requirement', () => {
  for (const bad of ["app='web'", 'a in ()', 'a in (b', '=x', 'a b', "a=x' or '1'='1", 'zone in (a,b c)']) {
    assert.throws(
      () => parseLabelSelector(bad),
      (err: unknown) => {
        assert.ok(err instanceof InvalidError, bad);
        assert.match(err.message, /invalid label selector requirement/);
        return true;
      },
    );
  }
});

test('equalities fold into one JSONB containment as the Go SDK sends it', () => {
  assert.equal(
    toLabelSearch(parseLabelSelector('app=web,tier=1')),
    `payload->'metadata'->'labels'@>'{"app":"web","tier":"1"}'`,
  );
  assert.equal(toLabelSearch([]), '');
});

test('the other operators become ->> predicates; != and notin also match works without the label', () => {
  const L = `payload->'metadata'->'labels'->>`;
  assert.equal(toLabelSearch(parseLabelSelector('env!=prod')), `(${L}'env' is null or ${L}'env'<>'prod')`);
  assert.equal(toLabelSearch(parseLabelSelector('zone in (a,b)')), `${L}'zone' in ('a','b')`);
  assert.equal(
    toLabelSearch(parseLabelSelector('zone notin (a)')),
    `(${L}'zone' is null or ${L}'zone' not in ('a'))`,
  );
  assert.equal(toLabelSearch(parseLabelSelector('has')), `${L}'has' is not null`);
  assert.equal(toLabelSearch(parseLabelSelector('!legacy')), `${L}'legacy' is null`);
});

test('every translated selector is accepted by the server search compiler, values as bind parameters', () => {
  const selector = 'app=web,env!=prod,zone in (a,b),x notin (c),has,!legacy';
  const search = `source='s' and consumer_name='c1' and ${toLabelSearch(parseLabelSelector(selector))}`;
  const compiled = compileSearch(search, RESOURCE_COLUMNS);
  assert.ok(compiled.params.includes('{"app":"web"}'));
  assert.ok(compiled.params.includes('prod'));
  assert.doesNotMatch(compiled.sql, /prod|web/);
});

test('local matching follows Kubernetes semantics', () => {
  const match = (selector: string, labels?: Record<string, string>) =>
    matchesLabelSelector(parseLabelSelector(selector), labels);
  assert.equal(match('', undefined), true);
  assert.equal(match('app=web', { app: 'web' }), true);
  assert.equal(match('app=web', { app: 'db' }), false);
  assert.equal(match('app=web', undefined), false);
  assert.equal(match('env!=prod', {}), true);
  assert.equal(match('env!=prod', { env: 'prod' }), false);
  assert.equal(match('zone in (a,b)', { zone: 'b' }), true);
  assert.equal(match('zone in (a,b)', {}), false);
  assert.equal(match('zone notin (a,b)', {}), true);
  assert.equal(match('zone notin (a,b)', { zone: 'a' }), false);
  assert.equal(match('has,!legacy', { has: '' }), true);
  assert.equal(match('has,!legacy', { has: '', legacy: 'x' }), false);
  assert.equal(match('toString', {}), false, 'prototype keys are not labels');
});
