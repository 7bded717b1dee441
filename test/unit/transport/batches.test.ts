import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { splitIntoBatches } from '../../../src/transport/batches.ts';

describe('splitIntoBatches', () => {
  const hashes = Array.from({ length: 3000 }, () => ({
    resourceID: randomUUID(),
    statusHash: 'a'.repeat(64),
  }));
  const wrap = (batch: unknown[]) => JSON.stringify({ clusterName: 'cluster1', hashes: batch });
  const overheadBytes = Buffer.byteLength(wrap([])) - 2;

  it('keeps every encoded batch within the budget, in order, losing nothing', () => {
    const maxBytes = 128 * 1024;
    const batches = splitIntoBatches(hashes, { maxBytes, overheadBytes, maxItems: 1000 });
    assert.ok(
      batches.length > 3,
      `expected the 128 KiB budget to force more than 3 batches, got ${batches.length}`,
    );
    for (const batch of batches) {
      assert.ok(Buffer.byteLength(wrap(batch)) <= maxBytes);
      assert.ok(batch.length <= 1000);
    }
    assert.deepEqual(batches.flat(), hashes);
    // batches are filled: merging the first item of the next batch would overflow
    const first = batches[0] ?? [];
    const next = batches[1]?.[0];
    assert.ok(Buffer.byteLength(wrap([...first, next])) > maxBytes);
  });

  it('honours maxItems when bytes are plentiful', () => {
    const batches = splitIntoBatches(hashes, { maxBytes: 10 * 1024 * 1024, overheadBytes, maxItems: 1000 });
    assert.deepEqual(
      batches.map((b) => b.length),
      [1000, 1000, 1000],
    );
  });

  it('gives one empty batch for an empty list', () => {
    assert.deepEqual(splitIntoBatches([], { maxBytes: 100, overheadBytes: 10 }), [[]]);
  });

  it('rejects an item that can never fit with RESOURCE_EXHAUSTED', () => {
    assert.throws(() => splitIntoBatches([{ big: 'x'.repeat(200) }], { maxBytes: 100, overheadBytes: 10 }), {
      code: 'RESOURCE_EXHAUSTED',
    });
  });
});
