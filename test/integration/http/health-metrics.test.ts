import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger, createSilentLogger } from '../../../src/common/logger.ts';
import { createInstanceRegistry } from '../../../src/server/dispatch/instance-registry.ts';
import { createHealthServer } from '../../../src/server/health/index.ts';
import { createRestServer } from '../../../src/server/http/index.ts';
import { createMetricsServer, createServerMetrics } from '../../../src/server/metrics/index.ts';
import { createDatabase } from '../../../src/server/store/database.ts';
import { migrate } from '../../../src/server/store/migrations.ts';
import { restartTestCluster, stopTestCluster, useTestDatabase } from '../../support/postgres.ts';
import { waitFor } from '../../support/wait.ts';

after(() => stopTestCluster());

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

test('/livez stays 200 while the database is down; /healthcheck follows the database and registration', async (t) => {
  const db = await useTestDatabase(t);
  if (!db) return;
  const logger = createSilentLogger();
  const database = createDatabase({ url: db.url, maxConnections: 4, logger });
  await migrate(database.pool, logger);
  const registry = createInstanceRegistry({
    pool: database.pool,
    logger,
    instanceId: 'replica-1',
    heartbeatMs: 300,
  });
  const health = createHealthServer({
    pool: database.pool,
    instanceId: 'replica-1',
    host: '127.0.0.1',
    port: 0,
    logger,
    readinessTimeoutMs: 1_000,
  });
  const stranger = createHealthServer({
    pool: database.pool,
    instanceId: 'never-registered',
    host: '127.0.0.1',
    port: 0,
    logger,
  });
  t.after(async () => {
    await health.stop();
    await stranger.stop();
    await registry.stop();
    await database.close();
  });
  const { port } = await health.start();
  const base = `http://127.0.0.1:${port}`;

  assert.deepEqual(await getJson(`${base}/healthcheck`), { status: 503, body: { status: 'not ready' } });
  await registry.start();
  assert.deepEqual(await getJson(`${base}/livez`), { status: 200, body: { status: 'ok' } });
  assert.deepEqual(await getJson(`${base}/healthcheck`), { status: 200, body: { status: 'ok' } });
  const other = await stranger.start();
  assert.equal((await getJson(`http://127.0.0.1:${other.port}/healthcheck`)).status, 503);

  await restartTestCluster(async () => {
    assert.deepEqual(await getJson(`${base}/livez`), { status: 200, body: { status: 'ok' } });
    const down = await waitFor(
      async () => {
        const r = await getJson(`${base}/healthcheck`);
        return r.status !== 200 && r;
      },
      'not ready',
      20_000,
      100,
    );
    assert.deepEqual(down, { status: 503, body: { status: 'not ready' } });
    assert.deepEqual(await getJson(`${base}/livez`), { status: 200, body: { status: 'ok' } });
  });
  const back = await waitFor(
    async () => {
      const r = await getJson(`${base}/healthcheck`);
      return r.status === 200 && r;
    },
    'ready again',
    20_000,
    100,
  );
  assert.deepEqual(back.body, { status: 'ok' });
});

test('/metrics shows process metrics and REST counters moving; one log line per request', async (t) => {
  const db = await useTestDatabase(t);
  if (!db) return;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  const database = createDatabase({ url: db.url, maxConnections: 4, logger: createSilentLogger() });
  await migrate(database.pool, createSilentLogger());
  const metrics = createServerMetrics();
  metrics.setGaugeSources({ outboxDepth: () => 7, connectedAgents: () => 2 });
  const resources = { markAsDeleting: async () => ({ version: 1, changed: true }) };
  const rest = createRestServer({
    pool: database.pool,
    resources,
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
  });
  const scrape = createMetricsServer({ registry: metrics.registry, host: '127.0.0.1', port: 0, logger });
  t.after(async () => {
    await rest.stop();
    await scrape.stop();
    await database.close();
  });
  const restBase = `http://127.0.0.1:${(await rest.start()).port}`;
  const metricsUrl = `http://127.0.0.1:${(await scrape.start()).port}/metrics`;

  const created = await fetch(`${restBase}/api/maestro/v1/consumers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-operation-id': 'op-metrics' },
    body: JSON.stringify({ name: 'm1' }),
  });
  const consumer = (await created.json()) as { id: string };
  await fetch(`${restBase}/api/maestro/v1/consumers/${consumer.id}`);
  await fetch(`${restBase}/api/maestro/v1/consumers/${consumer.id}`);

  const response = await fetch(metricsUrl);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  assert.match(text, /^process_cpu_user_seconds_total \d/m);
  assert.match(text, /^nodejs_heap_size_total_bytes \d/m);
  assert.match(
    text,
    /^rest_api_inbound_request_count\{method="POST",path="\/api\/maestro\/v1\/consumers",code="201"\} 1$/m,
  );
  assert.match(
    text,
    /^rest_api_inbound_request_count\{method="GET",path="\/api\/maestro\/v1\/consumers\/-",code="200"\} 2$/m,
  );
  assert.doesNotMatch(text, new RegExp(consumer.id), 'ids never become label values');
  assert.match(text, /^rest_api_inbound_request_duration_bucket\{le="0.1",method="GET"/m);
  assert.match(text, /^maestro_outbox_depth 7$/m);
  assert.match(text, /^maestro_connected_agents 2$/m);
  assert.match(text, /^# TYPE grpc_server_processed_total counter$/m);
  assert.match(text, /^# TYPE spec_controller_event_oldest_unreconciled_age_seconds gauge$/m);

  const requests = lines.filter((l) => l.msg === 'request');
  const post = requests.find((l) => l.method === 'POST');
  assert.ok(post, 'the POST is logged');
  assert.equal(post.level, 'info');
  assert.equal(post.path, '/api/maestro/v1/consumers');
  assert.equal(post.status, 201);
  assert.equal(post.operationId, 'op-metrics');
  assert.equal(typeof post.durationMs, 'number');
  assert.equal(requests.filter((l) => l.level === 'info').length, 3, 'one line per REST request');
  const scrapeLine = await waitFor(
    () => lines.find((l) => l.msg === 'request' && l.path === '/metrics'),
    'the scrape to be logged',
    20_000,
  );
  assert.equal(scrapeLine?.level, 'debug', 'metrics scrapes are logged at debug');
});
