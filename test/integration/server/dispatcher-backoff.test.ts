import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import type pg from 'pg';
import { fromJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { MaestroError } from '../../../src/common/errors.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import type { AgentBroker } from '../../../src/server/dispatch/agent-broker.ts';
import { createSpecDispatcher } from '../../../src/server/dispatch/spec-dispatcher.ts';
import type { SpecDispatcher, SpecDispatcherOptions } from '../../../src/server/dispatch/spec-dispatcher.ts';
import { createResourceService } from '../../../src/server/services/resource-service.ts';
import { decodeSpecRequest } from '../../../src/server/services/spec-events.ts';
import { workEvent } from '../http/rest-harness.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import { openMigratedDatabase } from './helpers.ts';
import { waitFor } from '../../support/wait.ts';

after(() => stopTestCluster());

/** Starts a dispatcher (stopped after the test) that retries after 50 ms and never sweeps on its own. */
function startDispatcher(
  t: TestContext,
  pool: pg.Pool,
  broker: AgentBroker,
  options: Partial<SpecDispatcherOptions> = {},
): SpecDispatcher {
  const dispatcher = createSpecDispatcher({
    pool,
    broker,
    logger: createSilentLogger(),
    minBackoffMs: 50,
    sweepIntervalMs: 60_000,
    ...options,
  });
  dispatcher.start();
  t.after(() => dispatcher.stop());
  return dispatcher;
}

/**
 * An agent-facing broker whose agents are all connected here; `down` consumers refuse events,
 * `refuseOnce` consumers refuse their next one.
 */
function scriptedBroker(
  consumers: string[],
): AgentBroker & { down: Set<string>; refuseOnce: Set<string>; delivered: MaestroEvent[] } {
  const down = new Set<string>();
  const refuseOnce = new Set<string>();
  const delivered: MaestroEvent[] = [];
  return {
    down,
    refuseOnce,
    delivered,
    async publish(event) {
      const consumer = String(event.clustername);
      if (down.has(consumer) || refuseOnce.delete(consumer)) {
        throw new MaestroError('UNAVAILABLE', `agent of '${consumer}' is away`);
      }
      delivered.push(event);
    },
    connectedClusters: () => consumers,
    onAgentSubscriptionChange: () => () => undefined,
  };
}

test('a failing consumer backs off without holding up the others, then gets its events in order', async (t) => {
  const database = await openMigratedDatabase(t, ['c1', 'c2']);
  if (database === undefined) return;
  const logger = createSilentLogger();
  const resources = createResourceService({ pool: database.pool, logger, sourceId: 'maestro' });
  const create = (consumer: string, n: number) =>
    resources.apply(
      decodeSpecRequest(
        fromJsonEvent(
          workEvent({
            id: `00000000-0000-5000-8000-${consumer === 'c1' ? '1' : '2'}0000000000${n}`,
            consumer,
            source: 'src',
          }),
        ),
        'create',
      ),
    );
  await create('c1', 1);
  await create('c1', 2);
  await create('c2', 1);

  const broker = scriptedBroker(['c1', 'c2']);
  broker.down.add('c1');
  startDispatcher(t, database.pool, broker);

  await waitFor(() => broker.delivered.some((e) => e.clustername === 'c2'), "c2's event delivered");
  const pending = async () =>
    (
      await database.pool.query<{ consumer_name: string; attempts: number }>(
        'SELECT consumer_name, attempts FROM spec_outbox ORDER BY id',
      )
    ).rows;
  await waitFor(async () => (await pending()).some((r) => r.attempts > 0), "c1's failed attempt recorded");
  assert.deepEqual(
    broker.delivered.map((e) => e.clustername),
    ['c2'],
    'nothing of c1 delivered while its agent refuses',
  );
  assert.ok((await pending()).every((r) => r.consumer_name === 'c1'));

  // the agent comes back: the retry after the backoff delivers both events, in order
  broker.down.delete('c1');
  await waitFor(async () => (await pending()).length === 0, 'outbox drained');
  assert.deepEqual(
    broker.delivered.filter((e) => e.clustername === 'c1').map((e) => e.resourceid),
    ['00000000-0000-5000-8000-100000000001', '00000000-0000-5000-8000-100000000002'],
  );
});

test('a wake-up naming consumers sends only their events; one naming none sends every eligible one', async (t) => {
  const database = await openMigratedDatabase(t, ['c1', 'c2']);
  if (database === undefined) return;
  const logger = createSilentLogger();
  const broker = scriptedBroker(['c1', 'c2']);
  const dispatcher = startDispatcher(t, database.pool, broker);
  await dispatcher.flush();

  // written without waking this dispatcher (as by another replica, before its NOTIFY arrives)
  const resources = createResourceService({ pool: database.pool, logger, sourceId: 'maestro' });
  for (const consumer of ['c1', 'c2']) {
    await resources.apply(
      decodeSpecRequest(
        fromJsonEvent(
          workEvent({
            id: `00000000-0000-5000-8000-${consumer === 'c1' ? 3 : 4}00000000001`,
            consumer,
            source: 'src',
          }),
        ),
        'create',
      ),
    );
  }
  const pendingConsumers = async () =>
    (await database.pool.query<{ consumer_name: string }>('SELECT consumer_name FROM spec_outbox')).rows.map(
      (r) => r.consumer_name,
    );

  dispatcher.wake(['c1']);
  await waitFor(async () => !(await pendingConsumers()).includes('c1'), "c1's event sent and removed");
  assert.deepEqual(
    broker.delivered.map((e) => e.clustername),
    ['c1'],
  );
  assert.deepEqual(await pendingConsumers(), ['c2'], "c2's event waits for a wake-up that concerns it");

  dispatcher.wake();
  await waitFor(async () => (await pendingConsumers()).length === 0, 'outbox drained');
  assert.deepEqual(
    broker.delivered.map((e) => e.clustername),
    ['c1', 'c2'],
  );
});

test('a consumer failing in a full batch gets its events in order after the backoff', async (t) => {
  const database = await openMigratedDatabase(t, ['c1']);
  if (database === undefined) return;
  const logger = createSilentLogger();
  const resources = createResourceService({ pool: database.pool, logger, sourceId: 'maestro' });
  const ids = [1, 2, 3].map((n) => `00000000-0000-5000-8000-50000000000${n}`);
  for (const id of ids) {
    await resources.apply(
      decodeSpecRequest(fromJsonEvent(workEvent({ id, consumer: 'c1', source: 'src' })), 'create'),
    );
  }
  const broker = scriptedBroker(['c1']);
  broker.refuseOnce.add('c1');
  // rounds of two rows: the failure happens in a full round, and the next round must not go on with c1
  startDispatcher(t, database.pool, broker, { batchSize: 2 });
  await waitFor(
    async () => (await database.pool.query('SELECT 1 FROM spec_outbox')).rowCount === 0,
    'outbox drained',
  );
  assert.deepEqual(
    broker.delivered.map((e) => e.resourceid),
    ids,
  );
});
