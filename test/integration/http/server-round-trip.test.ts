import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { createMaestroServer } from '../../../src/server/server.ts';
import { stopTestCluster, useTestDatabase } from '../../support/postgres.ts';
import { rawClient, specRequest } from '../server/helpers.ts';

after(() => stopTestCluster());

test('maestro server: REST, health and metrics listen on port 0; a gRPC round trip moves the counters', async (t) => {
  const db = await useTestDatabase(t);
  if (!db) return;
  const config = resolveServerConfig({
    flags: {
      dbUrl: db.url,
      serverHostname: '127.0.0.1',
      grpcServerBindport: '0',
      grpcBrokerBindport: '0',
      httpServerBindport: '0',
      healthCheckServerBindport: '0',
      metricsServerBindport: '0',
      dbMaxOpenConnections: '10',
    },
    env: {},
  });
  const server = createMaestroServer({ config, logger: createSilentLogger() });
  const listening = await server.start();
  t.after(() => server.stop());
  const port = (name: string): number => {
    const entry = listening.find((l) => l.listener === name);
    assert.ok(entry && entry.port > 0, `${name} listens on a real port`);
    return entry.port;
  };
  const rest = `http://127.0.0.1:${port('http')}/api/maestro/v1`;
  const metricsUrl = `http://127.0.0.1:${port('metrics')}/metrics`;
  const health = `http://127.0.0.1:${port('health')}`;

  const consumer = await fetch(`${rest}/consumers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'cluster-rt' }),
  });
  assert.equal(consumer.status, 201);

  const resourceId = '11111111-2222-5333-8444-555555555555';
  const client = rawClient(port('grpc-source'));
  t.after(() => client.close());
  await client.publish(
    specRequest('create_request', { resourceId, cluster: 'cluster-rt', source: 'rt-source' }),
  );

  const bundle = await fetch(`${rest}/resource-bundles/${resourceId}`);
  assert.equal(bundle.status, 200);
  const body = (await bundle.json()) as Record<string, unknown>;
  assert.equal(body.consumer_name, 'cluster-rt');
  assert.equal(body.version, 1);
  assert.equal((await fetch(`${rest}/resource-bundles/${resourceId}`, { method: 'DELETE' })).status, 204);

  const text = await (await fetch(metricsUrl)).text();
  assert.match(text, /^grpc_server_called_total\{type="Publish",source="rt-source"\} 1$/m);
  assert.match(text, /^grpc_server_message_received_total\{type="Publish",source="rt-source"\} 1$/m);
  assert.match(text, /^grpc_server_processed_total\{type="Publish",source="rt-source",code="OK"\} 1$/m);
  assert.match(
    text,
    /^grpc_server_processed_duration_seconds_count\{type="Publish",source="rt-source"\} 1$/m,
  );
  assert.match(text, /^resource_processed_total\{action="create"\} 1$/m);
  assert.match(
    text,
    /^rest_api_inbound_request_count\{method="DELETE",path="\/api\/maestro\/v1\/resource-bundles\/-",code="204"\} 1$/m,
  );
  assert.match(text, /^maestro_outbox_depth \d+$/m);

  const ready = await fetch(`${health}/healthcheck`);
  assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ok' }]);
});
