import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStampedBufferCache } from '../../../../src/server/http/stamped-buffer-cache.ts';

const bytes = (n: number, fill = 'x'): Buffer => Buffer.alloc(n, fill);

test('an entry is served only at the stamp it was stored with; a new version replaces it', () => {
  const cache = createStampedBufferCache({ maxBytes: 1_000 });
  cache.set('a', '1', Buffer.from('one'));
  assert.equal(cache.get('a', '1')?.toString(), 'one');
  assert.equal(cache.get('a', '2'), undefined, 'a later version is a miss');
  assert.equal(cache.get('b', '1'), undefined);

  cache.set('a', '2', Buffer.from('two!'));
  assert.equal(cache.get('a', '1'), undefined, 'the old version is gone');
  assert.equal(cache.get('a', '2')?.toString(), 'two!');
  assert.deepEqual([cache.size, cache.bytes], [1, 4]);
});

test('the byte bound holds: the least recently used entries are evicted first', () => {
  const cache = createStampedBufferCache({ maxBytes: 300 });
  for (const key of ['a', 'b', 'c']) cache.set(key, 's', bytes(100));
  assert.deepEqual([cache.size, cache.bytes], [3, 300]);
  assert.ok(cache.get('a', 's'), 'a is now the most recently used');

  cache.set('d', 's', bytes(100));
  assert.equal(cache.get('b', 's'), undefined, 'b was the least recently used');
  assert.ok(cache.get('a', 's') && cache.get('c', 's') && cache.get('d', 's'));
  assert.deepEqual([cache.size, cache.bytes], [3, 300]);

  cache.set('e', 's', bytes(250));
  assert.ok(cache.bytes <= 300, `${cache.bytes} bytes held`);
  assert.ok(cache.get('e', 's'));
  assert.deepEqual([cache.get('a', 's'), cache.get('c', 's')], [undefined, undefined]);

  for (let i = 0; i < 1_000; i++) {
    cache.set(`k${i % 37}`, String(i), bytes(1 + ((i * 13) % 120)));
    assert.ok(cache.bytes <= 300, `${cache.bytes} bytes held after ${i} sets`);
  }
});

test('a value larger than the bound is not kept, and does not leave an old version behind', () => {
  const cache = createStampedBufferCache({ maxBytes: 10 });
  cache.set('a', '1', bytes(5));
  cache.set('a', '2', bytes(11));
  assert.deepEqual(
    [cache.get('a', '1'), cache.get('a', '2'), cache.size, cache.bytes],
    [undefined, undefined, 0, 0],
  );

  const none = createStampedBufferCache({ maxBytes: 0 });
  none.set('a', '1', bytes(1));
  assert.equal(none.get('a', '1'), undefined);
});
