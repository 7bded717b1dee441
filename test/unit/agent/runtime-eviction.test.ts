import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvictionLoop } from '../../../src/agent/eviction.ts';
import { createAgentMetrics } from '../../../src/agent/metrics.ts';
import { createWorkStore } from '../../../src/agent/work-store.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { appliedManifestWork, createFakeRegistry } from './runtime-fakes.ts';

const HOUR = 3_600_000;

function setup(gracePeriodMs = HOUR) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const registry = createFakeRegistry([appliedManifestWork('claimed'), appliedManifestWork('orphaned')]);
  const store = createWorkStore();
  store.receive({
    metadata: { uid: 'claimed', name: 'claimed', namespace: 'c1', generation: 1 },
    spec: { workload: {} },
  });
  const metrics = createAgentMetrics({ processMetrics: false });
  const loop = createEvictionLoop({
    registry,
    store,
    gracePeriodMs,
    metrics,
    logger: createSilentLogger(),
    now: () => clock,
  });
  return { registry, store, loop, metrics, advance: (ms: number) => (clock += ms) };
}

test('an unclaimed AMW is marked, then evicted after the grace period; a claimed one is left alone', async () => {
  const { registry, loop, advance, metrics } = setup();
  await loop.sweep();
  assert.equal(registry.amws.get('hub-orphaned')?.status?.evictionStartTime, '2026-01-01T00:00:00Z');
  assert.equal(registry.amws.get('hub-claimed')?.status?.evictionStartTime, undefined);
  advance(HOUR - 1000);
  await loop.sweep();
  assert.deepEqual(registry.evicted, []);
  advance(1000);
  await loop.sweep();
  assert.deepEqual(registry.evicted, ['hub-orphaned']);
  assert.equal((await metrics.evictions.get()).values[0]?.value, 1);
});

test('eviction is cancelled when the work comes back', async () => {
  const { registry, store, loop, advance } = setup();
  await loop.sweep();
  store.receive({
    metadata: { uid: 'orphaned', name: 'orphaned', namespace: 'c1', generation: 1 },
    spec: { workload: {} },
  });
  advance(2 * HOUR);
  await loop.sweep();
  assert.deepEqual(registry.evicted, []);
  assert.equal(registry.amws.get('hub-orphaned')?.status?.evictionStartTime, undefined);
});

test('a grace period of 100 years disables eviction', async () => {
  const { registry, loop } = setup(876000 * HOUR);
  await loop.sweep();
  assert.equal(registry.amws.get('hub-orphaned')?.status?.evictionStartTime, undefined);
});
