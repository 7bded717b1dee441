import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AlreadyExistsError,
  ConflictError,
  createConsumerClient,
  createMaestroConnection,
  createManifestWorkClient,
  NotFoundError,
} from '../../src/client/index.ts';
import type { MaestroConnection, ManifestWork, WatchEvent } from '../../src/client/index.ts';
import {
  appliedConditions,
  FAST_RECONNECT,
  startMaestro,
  startSimulatedAgent,
  waitFor,
} from './client-harness.ts';

function configMapWork(
  name: string,
  labels: Record<string, string>,
  data: Record<string, string> = {},
): ManifestWork {
  return {
    metadata: { name, labels },
    spec: {
      workload: {
        manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data }],
      },
    },
  };
}

/** Collects a watch's events in the background. */
function collect(iterator: AsyncIterableIterator<WatchEvent>): { events: WatchEvent[]; done: Promise<void> } {
  const events: WatchEvent[] = [];
  const done = (async () => {
    for await (const event of iterator) events.push(event);
  })();
  return { events, done };
}

/** Runs `examples/create-and-watch.ts` with `args` and `env`. */
function runExample(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['examples/create-and-watch.ts', ...args], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function connect(
  t: { after: (fn: () => Promise<void>) => void },
  restUrl: string,
  grpcAddress: string,
  sourceId: string,
): MaestroConnection {
  const connection = createMaestroConnection({
    sourceId,
    restUrl,
    grpcAddress,
    reconnectBackoff: FAST_RECONNECT,
    deadlines: { connectMs: 20_000 },
  });
  t.after(() => connection.close());
  return connection;
}

test('SDK against maestro server: create, get, list, patch, watch, delete, conflict', async (t) => {
  const maestro = await startMaestro(t);
  const connection = connect(t, maestro.restUrl, maestro.grpcAddress, `e2e-sdk-${randomUUID().slice(0, 8)}`);
  const consumers = createConsumerClient(connection);
  await consumers.create({ name: 'c1', labels: { env: 'dev' } });
  await consumers.create({ name: 'c2' });
  await startSimulatedAgent(t, maestro.brokerAddress, 'c1');
  await startSimulatedAgent(t, maestro.brokerAddress, 'c2');
  const c1 = createManifestWorkClient(connection, 'c1');
  const c2 = createManifestWorkClient(connection, 'c2');

  const controller = new AbortController();
  const watch = collect(c1.watch({ labelSelector: 'app=web', signal: controller.signal }));

  const created = await c1.create(configMapWork('web-1', { app: 'web' }));
  assert.equal(created.metadata.uid, c1.idOf('web-1'));
  assert.equal(created.metadata.namespace, 'c1');
  assert.equal(created.metadata.generation, 1);
  await c1.create(configMapWork('web-2', { app: 'web' }));
  await c1.create(configMapWork('db-1', { app: 'db' }));
  await c2.create(configMapWork('web-1', { app: 'web' }));
  await assert.rejects(c1.create(configMapWork('web-1', { app: 'web' })), AlreadyExistsError);

  const got = await c1.get('web-1');
  assert.equal(got.metadata.name, 'web-1');
  assert.deepEqual(got.metadata.labels, { app: 'web' });
  assert.equal(got.spec.workload.manifests?.[0]?.kind, 'ConfigMap');
  assert.notEqual(c2.idOf('web-1'), c1.idOf('web-1'), 'the same name in two consumers is two works');

  const names = (works: ManifestWork[]) => works.map((w) => w.metadata.name).sort();
  assert.deepEqual(names((await c1.list()).items), ['db-1', 'web-1', 'web-2']);
  assert.deepEqual(names((await c1.list({ labelSelector: 'app=web' })).items), ['web-1', 'web-2']);
  assert.deepEqual(names((await c1.list({ labelSelector: 'app!=web' })).items), ['db-1']);
  assert.deepEqual(names((await c1.list({ labelSelector: 'app in (db,cache)' })).items), ['db-1']);
  assert.deepEqual(names((await c2.list({ labelSelector: 'app=web' })).items), ['web-1']);
  const page1 = await c1.list({ limit: 2 });
  assert.equal(page1.items.length, 2);
  assert.equal(page1.continue, '2');
  const page2 = await c1.list({ limit: 2, continue: page1.continue! });
  assert.equal(page2.continue, undefined);
  assert.deepEqual(names([...page1.items, ...page2.items]), ['db-1', 'web-1', 'web-2']);

  // the agent's status arrives through the watch
  const hasApplied = (e: WatchEvent, name: string, generation: number) =>
    e.type === 'MODIFIED' &&
    e.object.metadata.name === name &&
    e.object.metadata.generation === generation &&
    e.object.status?.conditions?.some(
      (c) => c.type === 'Applied' && c.status === 'True' && c.observedGeneration === generation,
    );
  await waitFor(() => watch.events.some((e) => hasApplied(e, 'web-1', 1)), 'web-1 applied in the watch');
  await waitFor(() => watch.events.some((e) => hasApplied(e, 'web-2', 1)), 'web-2 applied in the watch');
  assert.equal(
    (await c1.get('web-1')).status?.conditions?.[0]?.type,
    'Applied',
    'status is readable over REST',
  );

  const patched = await c1.patch('web-1', {
    metadata: { labels: { tier: 'front' } },
    spec: { workload: { manifests: configMapWork('web-1', {}, { k: 'v' }).spec.workload.manifests } },
  });
  assert.equal(patched.metadata.generation, 2);
  assert.deepEqual(patched.metadata.labels, { app: 'web', tier: 'front' });
  assert.deepEqual(patched.spec.workload.manifests?.[0]?.data, { k: 'v' });
  await waitFor(() => watch.events.some((e) => hasApplied(e, 'web-1', 2)), 'web-1 v2 applied in the watch');

  await assert.rejects(
    c1.patch('web-1', { metadata: { labels: { stale: 'yes' } } }, { resourceVersion: '1' }),
    (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.match(err.message, /version 1 is not the latest/);
      return true;
    },
  );

  await c1.delete('web-1');
  await waitFor(
    () => watch.events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'web-1'),
    'web-1 deleted in the watch',
  );
  await waitFor(
    () =>
      c1.get('web-1').then(
        () => false,
        (err: unknown) => err instanceof NotFoundError,
      ),
    'web-1 gone',
  );
  await c1.delete('web-1'); // deleting again is not an error
  assert.equal((await c2.get('web-1')).metadata.name, 'web-1', "c2's web-1 is untouched");

  // the shipped example runs against this server and ends once its work is Available
  const example = await runExample(['c1'], {
    MAESTRO_REST_URL: maestro.restUrl,
    MAESTRO_GRPC_SERVER_ADDRESS: maestro.grpcAddress,
  });
  assert.equal(example.code, 0, example.stderr);
  assert.match(example.stdout, /^created manifestwork c1\/nginx-example \(id [0-9a-f-]{36}\)\n/);
  assert.match(example.stdout, /MODIFIED nginx-example v1: Applied=True Available=True\n$/);

  controller.abort();
  await watch.done;
  assert.ok(
    watch.events.every(
      (e) => e.object.metadata.namespace === 'c1' && e.object.metadata.labels?.app === 'web',
    ),
    'the watch saw only c1 works selected by app=web',
  );
});

test('SDK watch across a server restart delivers the status reported while it was away', async (t) => {
  const maestro = await startMaestro(t);
  const connection = createMaestroConnection({
    sourceId: 'e2e-restart',
    restUrl: maestro.restUrl,
    grpcAddress: maestro.grpcAddress,
    // slower than the agent, so its status lands before this client is back
    reconnectBackoff: { initialMs: 2000, maxMs: 2000, jitter: 0 },
    deadlines: { connectMs: 20_000 },
  });
  t.after(() => connection.close());
  await createConsumerClient(connection).create({ name: 'c1' });
  const agent = await startSimulatedAgent(t, maestro.brokerAddress, 'c1');
  agent.autoStatus = false;
  const works = createManifestWorkClient(connection, 'c1');
  await works.create(configMapWork('w', { app: 'web' }));
  const uid = works.idOf('w');
  await waitFor(() => agent.works.has(uid), 'the agent received the work');

  const controller = new AbortController();
  const watch = collect(works.watch({ signal: controller.signal }));
  await waitFor(() => watch.events.some((e) => e.object.metadata.uid === uid), 'the listed work');
  assert.equal(watch.events[0]!.object.status, undefined);

  await maestro.restart();
  await agent.publishStatus(uid, appliedConditions(agent.works.get(uid)!));
  const seen = await waitFor(
    () => watch.events.find((e) => e.object.status?.conditions?.some((c) => c.type === 'Applied')),
    'the missed status after the restart',
    30_000,
  );
  assert.equal(seen.type, 'MODIFIED');
  assert.equal(seen.object.metadata.name, 'w');
  controller.abort();
  await watch.done;
});
