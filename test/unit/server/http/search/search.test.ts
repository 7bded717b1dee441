import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileSearch,
  isSearchError,
  parseSearch,
  tokenize,
} from '../../../../../src/server/http/search/index.ts';
import type { SearchColumns } from '../../../../../src/server/http/search/index.ts';

const columns: SearchColumns = {
  id: { type: 'text', sql: 'r.id' },
  name: { type: 'text', sql: 'r.name' },
  consumer_name: { type: 'text', sql: 'r.consumer_name' },
  source: { type: 'text', sql: 'r.source' },
  version: { type: 'number', sql: 'r.version' },
  created_at: { type: 'timestamp', sql: 'r.created_at' },
  deleted_at: { type: 'timestamp', sql: 'r.deleted_at' },
  payload: { type: 'jsonb', sql: 'r.payload' },
};

function compile(query: string): { sql: string; params: unknown[] } {
  return compileSearch(query, columns);
}

function assertSearchError(query: string, position: number, fragment?: RegExp): void {
  assert.throws(
    () => compile(query),
    (err: unknown) => {
      assert.ok(isSearchError(err), `expected a SearchError for ${query}, got ${String(err)}`);
      assert.equal(err.position, position, `position for ${query}: ${err.message}`);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, new RegExp(`at position ${position}$`));
      if (fragment) assert.match(err.message, fragment);
      return true;
    },
  );
}

test('comparisons bind values as parameters', () => {
  assert.deepEqual(compile("consumer_name = 'c1'"), { sql: '(r.consumer_name = $1::text)', params: ['c1'] });
  assert.deepEqual(compile("name <> 'x'"), { sql: '(r.name <> $1::text)', params: ['x'] });
  assert.deepEqual(compile('version >= 2'), { sql: '(r.version >= $1::numeric)', params: ['2'] });
  assert.deepEqual(compile("created_at < '2025-01-02T03:04:05Z'"), {
    sql: '(r.created_at < $1::timestamptz)',
    params: ['2025-01-02T03:04:05Z'],
  });
});

test('keywords and column names are case-insensitive, precedence is not > and > or', () => {
  const { sql, params } = compile("NAME = 'a' OR Name = 'b' AND NOT source = 'c'");
  assert.equal(sql, '((r.name = $1::text) OR ((r.name = $2::text) AND (NOT (r.source = $3::text))))');
  assert.deepEqual(params, ['a', 'b', 'c']);
});

test('parentheses group', () => {
  const { sql } = compile("source='s1' and (consumer_name='a' or consumer_name='b')");
  assert.equal(
    sql,
    '((r.source = $1::text) AND ((r.consumer_name = $2::text) OR (r.consumer_name = $3::text)))',
  );
});

test('like, in, between, is null and their negations', () => {
  assert.equal(compile("name like 'prod%'").sql, '(r.name LIKE $1::text)');
  assert.equal(compile("name not ilike 'P%'").sql, '(r.name NOT ILIKE $1::text)');
  assert.deepEqual(compile("consumer_name in ('a', 'b','c')"), {
    sql: '(r.consumer_name IN ($1::text, $2::text, $3::text))',
    params: ['a', 'b', 'c'],
  });
  assert.equal(compile("id not in ('x')").sql, '(r.id NOT IN ($1::text))');
  assert.equal(compile('version between 1 and 3').sql, '(r.version BETWEEN $1::numeric AND $2::numeric)');
  assert.equal(
    compile('version not between 1 and 3').sql,
    '(r.version NOT BETWEEN $1::numeric AND $2::numeric)',
  );
  assert.equal(compile('deleted_at is null').sql, '(r.deleted_at IS NULL)');
  assert.equal(compile('deleted_at IS NOT NULL').sql, '(r.deleted_at IS NOT NULL)');
});

test('the Go SDK label selector forms compile to JSONB predicates with bound keys', () => {
  assert.deepEqual(compile(`payload->'metadata'->'labels'@>'{"app":"web","tier":"1"}'`), {
    sql: '((r.payload -> $1::text -> $2::text) @> $3::jsonb)',
    params: ['metadata', 'labels', '{"app":"web","tier":"1"}'],
  });
  assert.deepEqual(compile(`payload->'metadata'->'labels'->>'env'<>'prod'`), {
    sql: '((r.payload -> $1::text -> $2::text ->> $3::text) <> $4::text)',
    params: ['metadata', 'labels', 'env', 'prod'],
  });
  assert.deepEqual(compile(`payload->'metadata'->'labels'->>'tier'in('a','b')`).params, [
    'metadata',
    'labels',
    'tier',
    'a',
    'b',
  ]);
  // The SDK's "exists" form; `<> null` would match nothing in SQL, so it means `is not null`.
  assert.equal(
    compile(`payload->'metadata'->'labels'->>'app'<>null`).sql,
    '((r.payload -> $1::text -> $2::text ->> $3::text) IS NOT NULL)',
  );
  const sdk = compile(
    `source='mw-client' and consumer_name='cluster1' and payload->'metadata'->'labels'@>'{"app":"web"}' and payload->'metadata'->'labels'->>'env'<>'dev'`,
  );
  assert.equal(sdk.params.length, 9);
});

test('quoting: doubled quotes are one quote, and hostile text stays a value', () => {
  assert.deepEqual(compile("name = 'it''s'").params, ["it's"]);
  const injected = compile("name = ''' or 1=1 --'");
  assert.deepEqual(injected, { sql: '(r.name = $1::text)', params: ["' or 1=1 --"] });
  assert.deepEqual(compile("name = 'x;drop table resources'").params, ['x;drop table resources']);
  assert.deepEqual(compile("payload->'x''); drop table r; --'->>'y' = 'z'").params, [
    "x'); drop table r; --",
    'y',
    'z',
  ]);
});

test('offsets placeholders after existing parameters', () => {
  const { sql, params } = compileSearch("name = 'a'", columns, ['already', 'bound']);
  assert.equal(sql, '(r.name = $3::text)');
  assert.deepEqual(params, ['already', 'bound', 'a']);
});

test('syntax errors name the position', () => {
  assertSearchError("name = 'x' or 1=1 --", 19, /unexpected character '-'/);
  assertSearchError("name = 'x' or 1=1", 15, /field name/);
  assertSearchError("name = 'x';drop table resources", 11, /unexpected character ';'/);
  assertSearchError("name = 'abc", 8, /unterminated string/);
  assertSearchError('', 1, /empty query/);
  assertSearchError('name =', 7, /expected a value but found the end of the query/);
  assertSearchError("(name = 'a'", 12, /expected '\)'/);
  assertSearchError("name = 'a')", 11, /end of the query/);
  assertSearchError("name 'a'", 6, /expected an operator/);
  assertSearchError("name = 'a' and", 15, /field name/);
  assertSearchError("name in 'a'", 9, /'\('/);
  assertSearchError("name in ('a',)", 14, /value/);
  assertSearchError('version between 1 3', 19, /'and'/);
  assertSearchError('deleted_at is not 1', 19, /'null'/);
  assertSearchError("name not = 'a'", 10, /after 'not'/);
  assertSearchError('name > null', 8, /value/);
  assertSearchError(`name = "a"`, 8, /unexpected character '"'/);
});

test('semantic errors name the position', () => {
  assertSearchError("password = 'x'", 1, /unknown field 'password'/);
  assertSearchError("consumers.name = 'x'", 1, /unknown field 'consumers.name'/);
  assertSearchError("constructor = 'x'", 1, /unknown field/);
  assertSearchError("version = 'abc'", 11, /expected a number/);
  assertSearchError('created_at > 5', 14, /timestamp/);
  assertSearchError("created_at > 'yesterday'", 14, /timestamp/);
  assertSearchError("payload = 'x'", 1, /JSON/);
  assertSearchError("payload->'a' like 'x'", 1, /JSON/);
  assertSearchError(`name @> '{}'`, 1, /JSON field/);
  assertSearchError(`payload->'metadata' @> '{not json'`, 24, /JSON document/);
  assertSearchError("name->'a' = 'x'", 1, /not JSON/);
  assertSearchError("version like '1%'", 1, /text field/);
});

test('limits bound the work a query can cause', () => {
  const deep = `${'('.repeat(100)}name = 'a'${')'.repeat(100)}`;
  assertSearchError(deep, 65, /nesting deeper/);
  const many = Array.from({ length: 1001 }, () => "name='a'").join(' or ');
  assert.throws(() => compile(many), /more than 1000 predicates/);
  assert.throws(() => compile(`name = '${'x'.repeat(20_000)}'`), /longer than/);
});

test('parse tree shape', () => {
  assert.deepEqual(parseSearch("not name = 'a'"), {
    kind: 'not',
    operand: {
      kind: 'compare',
      field: { column: 'name', path: [], asText: false, position: 5 },
      operator: '=',
      value: { kind: 'string', value: 'a', position: 12 },
    },
  });
  assert.deepEqual(
    tokenize("a->>'b'>=-1.5").map((t) => t.kind),
    ['identifier', 'text-arrow', 'string', 'operator', 'number', 'end'],
  );
});
