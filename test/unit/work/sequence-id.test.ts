import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import {
  compareSequenceIds,
  parseSequenceId,
  SequenceIdGenerator,
  SNOWFLAKE_EPOCH_MS,
} from '../../../src/work/index.ts';

/** Builds an id from its parts, independently of the generator. */
const idOf = (timestampMs: number, node: number, step: number): string =>
  ((BigInt(timestampMs - SNOWFLAKE_EPOCH_MS) << 22n) | (BigInt(node) << 12n) | BigInt(step)).toString();

describe('sequence id golden (protocol.md §12.1)', () => {
  it('decodes the upstream example to node 1 at 2025-12-16T06:00:17.921Z', () => {
    const parts = parseSequenceId('2000808179721572352');
    assert.equal(parts.node, 1);
    assert.equal(parts.step, 0);
    assert.equal(new Date(parts.timestampMs).toISOString(), '2025-12-16T06:00:17.921Z');
    assert.deepEqual(parseSequenceId(2000808179721572352n), parts);
  });

  it('rejects text that is not a snowflake id', () => {
    for (const bad of ['', 'abc', '-1', '1.5', '99999999999999999999']) {
      assert.throws(
        () => parseSequenceId(bad),
        (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
      );
    }
  });
});

describe('sequence id ordering', () => {
  const t = Date.parse('2025-12-16T06:00:17.921Z');

  it('orders by time first, then by step', () => {
    assert.equal(compareSequenceIds(idOf(t, 1, 5), idOf(t + 1, 1, 0)), -1);
    assert.equal(compareSequenceIds(idOf(t + 1, 1, 0), idOf(t, 1, 5)), 1);
    assert.equal(compareSequenceIds(idOf(t, 1, 1), idOf(t, 1, 2)), -1);
    assert.equal(compareSequenceIds(idOf(t, 1, 2), idOf(t, 1, 2)), 0);
    assert.equal(compareSequenceIds('2000808179721572352', '2000808179729960960'), -1);
  });

  it('refuses to compare ids from different nodes, as upstream', () => {
    assert.throws(
      () => compareSequenceIds(idOf(t, 1, 0), idOf(t + 5, 2, 0)),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT') && /not from the same node/.test(err.message),
    );
  });
});

describe('sequence id generator', () => {
  it('issues ids for its node at the clock time', () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    const generator = new SequenceIdGenerator({ node: 7, now: () => now });
    assert.deepEqual(parseSequenceId(generator.next()), { timestampMs: now, node: 7, step: 0 });
    assert.deepEqual(parseSequenceId(generator.next()), { timestampMs: now, node: 7, step: 1 });
  });

  it('stays strictly increasing past 4096 ids in one millisecond and when the clock steps back', () => {
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    const generator = new SequenceIdGenerator({ now: () => now });
    const ids: bigint[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i === 6000) now -= 50;
      ids.push(generator.nextBigInt());
    }
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `id ${i} not increasing`);
    assert.equal(parseSequenceId(ids[0]).node, 1);
  });

  it('is monotonic with the real clock and orders with compareSequenceIds', () => {
    const generator = new SequenceIdGenerator();
    let previous = generator.next();
    for (let i = 0; i < 2000; i++) {
      const next = generator.next();
      assert.equal(compareSequenceIds(previous, next), -1);
      previous = next;
    }
    assert.ok(Math.abs(parseSequenceId(previous).timestampMs - Date.now()) < 60_000);
  });

  it('rejects node ids outside 0..1023', () => {
    assert.doesNotThrow(() => new SequenceIdGenerator({ node: 1023 }));
    assert.throws(
      () => new SequenceIdGenerator({ node: 1024 }),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
  });
});
