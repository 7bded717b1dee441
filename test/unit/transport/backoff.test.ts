import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff } from '../../../src/transport/backoff.ts';

describe('createBackoff', () => {
  it('grows by the multiplier up to the cap, with jitter on top, and resets', () => {
    const noJitter = createBackoff({ initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.5 }, () => 0);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map(() => noJitter.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
    noJitter.reset();
    assert.equal(noJitter.next(), 100);
    const fullJitter = createBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => fullJitter.next()),
      [150, 300, 600, 1000],
    );
  });

  it('has defaults of 1 s doubling to 60 s', () => {
    const backoff = createBackoff({}, () => 0);
    const delays = Array.from({ length: 10 }, () => backoff.next());
    assert.equal(delays[0], 1000);
    assert.equal(delays[1], 2000);
    assert.equal(delays.at(-1), 60_000);
  });
});
