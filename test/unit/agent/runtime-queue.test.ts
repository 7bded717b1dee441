import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHealthServer } from '../../../src/agent/health-server.ts';
import { createAgentMetrics } from '../../../src/agent/metrics.ts';
import { createTokenBucket } from '../../../src/agent/token-bucket.ts';
import { createWorkQueue } from '../../../src/agent/work-queue.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';

test('a key is never processed twice at once; requests during a run cause exactly one more run', async () => {
  let active = 0;
  let maxActive = 0;
  const runs: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const queue = createWorkQueue({
    logger: createSilentLogger(),
    process: async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      if (runs.length === 1) await gate;
      active--;
    },
  });
  queue.enqueue('a');
  queue.enqueue('a');
  queue.enqueue('a');
  queue.enqueue('b');
  release();
  await queue.idle();
  assert.deepEqual(runs.sort(), ['a', 'a', 'b']);
  assert.ok(maxActive <= 2);
  await queue.stop();
});

test('failures are retried with backoff until they succeed', async () => {
  let attempts = 0;
  let done: () => void = () => {};
  const succeeded = new Promise<void>((resolve) => (done = resolve));
  const queue = createWorkQueue({
    logger: createSilentLogger(),
    retryBaseMs: 5,
    process: async () => {
      attempts++;
      if (attempts < 3) throw new Error('boom');
      done();
    },
  });
  queue.enqueue('k');
  await succeeded;
  assert.equal(attempts, 3);
  await queue.stop();
});

test('the token bucket allows a burst, then paces', async () => {
  let now = 0;
  const bucket = createTokenBucket({ ratePerSecond: 1000, burst: 3, now: () => now });
  for (let i = 0; i < 3; i++) await bucket.take();
  let fourth = false;
  const pending = bucket.take().then(() => (fourth = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fourth, false, 'no token while the clock stands still');
  now += 1;
  await pending;
  assert.equal(fourth, true);
});

test('health server: livez, readyz follows readiness, metrics from the own registry', async () => {
  let reason: string | undefined = 'broker connection is reconnecting';
  const metrics = createAgentMetrics({ processMetrics: false });
  metrics.works.set(3);
  const server = createHealthServer({
    port: 0,
    host: '127.0.0.1',
    registry: metrics.registry,
    notReadyReason: () => reason,
    logger: createSilentLogger(),
  });
  const port = await server.start();
  try {
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    assert.equal((await get('/livez')).status, 200);
    const notReady = await get('/readyz');
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /reconnecting/);
    reason = undefined;
    assert.equal((await get('/readyz')).status, 200);
    assert.match(await (await get('/metrics')).text(), /^maestro_agent_works 3$/m);
    assert.equal((await get('/nope')).status, 404);
  } finally {
    await server.stop();
  }
});
