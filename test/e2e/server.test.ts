import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { MANIFEST_BUNDLE_DATA_TYPE } from '../../src/cloudevents/event-types.ts';
import { createConsumer } from '../../src/server/store/consumer-store.ts';
import { createGrpcTransport } from '../../src/transport/grpc/client.ts';
import {
  bundle,
  CODES,
  DELETED_CONDITION,
  grpcCode,
  rawClient,
  specRequest,
  specResyncRequest,
  statusUpdate,
  waitFor,
} from '../integration/server/helpers.ts';
import { embeddedDatabaseUrl, startServerProcess } from './server-process.ts';

const type = (sub: string, action: string) => `${MANIFEST_BUNDLE_DATA_TYPE}.${sub}.${action}`;
const FAST_RECONNECT = { initialMs: 100, maxMs: 500, jitter: 0 };

test('maestro server end to end: spec, status, deletion handshake, kill -9 and restart lose nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  let server = await startServerProcess(['--data-dir', dataDir]);
  t.after(() => server.kill());
  assert.ok(server.databasePort, 'embedded database port logged');
  const pool = new pg.Pool({ connectionString: embeddedDatabaseUrl(server.databasePort as number), max: 2 });
  pool.on('error', () => undefined);
  await createConsumer(pool, { name: 'cluster1' });
  await pool.end();

  // the source (SDK-style transport) watches statuses; a raw agent stream checks the exact wire form
  const statuses: MaestroEvent[] = [];
  const source = createGrpcTransport(
    { role: 'source', sourceId: 'e2e-source' },
    { url: `127.0.0.1:${server.sourcePort}`, reconnectBackoff: FAST_RECONNECT },
  );
  await source.start(async (event) => void statuses.push(event));
  t.after(() => source.stop());
  let sourceResubscriptions = 0;
  source.onStatus((status) => {
    if (status.state === 'connected') sourceResubscriptions += 1;
  });
  const raw = rawClient(server.brokerPort);
  const rawSub = await raw.subscribe({
    source: '',
    cluster_name: 'cluster1',
    data_type: MANIFEST_BUNDLE_DATA_TYPE,
  });

  const first = randomUUID();
  await source.publish(
    specRequest('create_request', { resourceId: first, cluster: 'cluster1', source: 'e2e-source' }),
  );
  const wire = await waitFor(
    () => rawSub.received.find((e) => e.type === type('spec', 'create_request')),
    'raw create',
  );
  const attrs = wire.attributes ?? {};
  assert.ok(attrs['ce-resourceversion']?.ce_integer === 1, 'resourceversion is ce_integer');
  assert.ok(typeof attrs['ce-resourceid']?.ce_string === 'string', 'resourceid is ce_string');
  assert.ok(typeof attrs['ce-metadata']?.ce_string === 'string', 'metadata is ce_string');
  assert.ok(attrs['ce-time']?.ce_timestamp !== undefined, 'time is ce_timestamp');
  assert.equal(attrs.contenttype?.ce_string, 'application/json');
  assert.ok(wire.binary_data && wire.binary_data.length > 0, 'data travels as binary_data');
  rawSub.cancel();
  raw.close();

  // kill -9 with an event pending for an agent that is not connected yet
  const second = randomUUID();
  await source.publish(
    specRequest('create_request', { resourceId: second, cluster: 'cluster1', source: 'e2e-source' }),
  );
  await server.kill();
  server = await startServerProcess([
    '--data-dir',
    dataDir,
    '--grpc-server-bindport',
    String(server.sourcePort),
    '--grpc-broker-bindport',
    String(server.brokerPort),
  ]);

  const received: MaestroEvent[] = [];
  const agent = createGrpcTransport(
    { role: 'agent', clusterName: 'cluster1' },
    { url: `127.0.0.1:${server.brokerPort}`, reconnectBackoff: FAST_RECONNECT },
  );
  await agent.start(async (event) => void received.push(event));
  t.after(() => agent.stop());
  await waitFor(
    () => received.some((e) => e.resourceid === second),
    'the event pending across kill -9',
    20_000,
  );
  // like a real agent, resync after subscribing: the server answers with everything the agent lacks
  await agent.publish(specResyncRequest('cluster1', []));
  await waitFor(
    () => received.some((e) => e.resourceid === first && e.type === type('spec', 'resync_response')),
    'the first resource through the spec resync',
  );

  // statuses are relayed to the subscribers of the moment (no replay, as upstream; the SDK relists
  // after a reconnect), so the source must be back before the agent reports
  await waitFor(() => sourceResubscriptions > 0, 'the source resubscribed after the restart', 20_000);
  await agent.publish(statusUpdate({ resourceId: second, cluster: 'cluster1', version: 1 }));
  const relayed = await waitFor(
    () => statuses.find((e) => e.resourceid === second && e.type === type('status', 'update_request')),
    'relayed status (the source reconnected by itself)',
    20_000,
  );
  assert.deepEqual((relayed.data as { manifestBundle: unknown }).manifestBundle, bundle());

  await source.publish(
    specRequest('delete_request', { resourceId: second, cluster: 'cluster1', source: 'e2e-source' }),
  );
  const deletion = await waitFor(
    () => received.find((e) => e.resourceid === second && e.type === type('spec', 'delete_request')),
    'delete request at the agent',
  );
  assert.ok(deletion.deletiontimestamp);
  await agent.publish(
    statusUpdate({ resourceId: second, cluster: 'cluster1', version: 1, conditions: [DELETED_CONDITION] }),
  );
  await waitFor(
    () =>
      statuses.some(
        (e) =>
          e.resourceid === second &&
          (e.data as { conditions?: { type: string }[] }).conditions?.some((c) => c.type === 'Deleted'),
      ),
    'final Deleted status at the source',
  );
  const probe = rawClient(server.sourcePort);
  const gone = await grpcCode(
    probe.publish(
      specRequest('update_request', { resourceId: second, cluster: 'cluster1', source: 'e2e-source' }),
    ),
  );
  probe.close();
  assert.equal(gone.code, CODES.NOT_FOUND, 'the resource is gone');

  await agent.stop();
  await source.stop();
  assert.equal(await server.stop(), 0, 'SIGTERM drains and exits 0');
});
