import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startMaestro, startSimulatedAgent, waitFor } from './client-harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `maestro` binary with `args`; `env` adds to a clean MAESTRO_* environment. */
function maestro(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAESTRO_')));
  const child = spawn(process.execPath, ['cmd/maestro.ts', ...args], {
    cwd: ROOT,
    env: { ...clean, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function ok(run: Run): Run {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(run.stderr, '', 'nothing on stderr');
  return run;
}

function failed(run: Run, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, message);
}

test('maestro consumer and resourcebundle commands against maestro server', async (t) => {
  const server = await startMaestro(t);
  const dir = await mkdtemp(join(tmpdir(), 'maestro-e2e-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { MAESTRO_REST_URL: server.restUrl, MAESTRO_GRPC_SERVER_ADDRESS: server.grpcAddress };
  const cli = (args: string[], input?: string) => maestro(args, env, input);

  // consumers
  const created = JSON.parse(
    ok(await cli(['consumer', 'create', 'c1', '--label', 'env=dev', '--label', 'team=a', '-o', 'json']))
      .stdout,
  );
  assert.equal(created.kind, 'Consumer');
  assert.equal(created.name, 'c1');
  assert.deepEqual(created.labels, { env: 'dev', team: 'a' });
  assert.equal(created.href, `/api/maestro/v1/consumers/${created.id}`);
  // independent invocations run side by side: each one loads the whole binary
  const [duplicate, badLabel, getTable, getMissing] = await Promise.all([
    cli(['consumer', 'create', 'c1']),
    cli(['consumer', 'create', 'c2', '--label', 'novalue']),
    cli(['consumer', 'get', created.id]),
    cli(['consumer', 'get', 'nope']),
    cli(['consumer', 'create', 'c2']).then(ok),
  ]);
  failed(duplicate, 1, /^error: .*already exists/);
  failed(badLabel, 2, /invalid --label 'novalue'/);
  const table = ok(getTable).stdout.split('\n');
  assert.match(table[0]!, /^ID\s+NAME\s+LABELS\s+CREATED$/);
  assert.match(table[1]!, new RegExp(`^${created.id}\\s+c1\\s+env=dev,team=a\\s+\\d+s ago$`));
  // search past the id column: a generated id can itself contain 'c1'
  assert.equal(table[0]!.indexOf('NAME'), table[1]!.indexOf('c1', created.id.length), 'columns are aligned');
  failed(getMissing, 1, /^error: consumer 'nope' not found\n$/);

  const [listRun, searchRun, yamlRun, badPage, updateRun, updateNothing] = await Promise.all([
    cli(['consumer', 'list', '-o', 'json']),
    cli(['consumer', 'list', '--search', "name = 'c2'", '--size', '1', '-o', 'json']),
    cli(['consumer', 'list', '-o', 'yaml']),
    cli(['consumer', 'list', '--page', 'x']),
    cli(['consumer', 'update', created.id, '--label', 'tier=1', '--remove-label', 'env', '-o', 'json']),
    cli(['consumer', 'update', created.id]),
  ]);
  const list = JSON.parse(ok(listRun).stdout);
  assert.equal(list.kind, 'ConsumerList');
  assert.equal(list.total, 2);
  const searched = JSON.parse(ok(searchRun).stdout);
  assert.deepEqual(
    searched.items.map((c: { name: string }) => c.name),
    ['c2'],
  );
  assert.match(ok(yamlRun).stdout, /^kind: ConsumerList\n/);
  failed(badPage, 2, /invalid --page 'x'/);
  assert.deepEqual(JSON.parse(ok(updateRun).stdout).labels, { team: 'a', tier: '1' });
  failed(updateNothing, 2, /nothing to update/);

  // resource bundles, with an agent reporting status for c1
  await startSimulatedAgent(t, server.brokerAddress, 'c1');
  const bundleFile = join(dir, 'bundle.json');
  await writeFile(
    bundleFile,
    JSON.stringify({
      consumer_name: 'c1',
      metadata: { labels: { app: 'cli' } },
      manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } }],
    }),
  );
  const applied = JSON.parse(
    ok(await cli(['resourcebundle', 'apply', '-f', bundleFile, '-o', 'json'])).stdout,
  );
  assert.equal(applied.kind, 'ResourceBundle');
  assert.equal(applied.consumer_name, 'c1');
  assert.equal(applied.version, 1);
  const id: string = applied.id;

  const workFile = join(dir, 'work.yaml');
  const work = (data: string) =>
    [
      'apiVersion: work.open-cluster-management.io/v1',
      'kind: ManifestWork',
      'metadata: {name: web, namespace: c1, labels: {app: web}}',
      'spec:',
      '  workload:',
      '    manifests:',
      `      - {apiVersion: v1, kind: ConfigMap, metadata: {name: web, namespace: default}, data: {v: "${data}"}}`,
    ].join('\n');
  await writeFile(workFile, work('1'));
  const stale = join(dir, 'stale.json');
  await writeFile(
    stale,
    JSON.stringify({ id, version: 7, consumer_name: 'c1', manifests: applied.manifests }),
  );
  const invalid = join(dir, 'invalid.json');
  await writeFile(invalid, '{"hello": "world"}');
  const [workRun, staleRun, invalidRun, missingRun, noFileRun, getJson, getTableRun, getMissingRun] =
    await Promise.all([
      cli(['resourcebundle', 'apply', '-f', workFile]),
      cli(['resourcebundle', 'apply', '-f', stale]),
      cli(['resourcebundle', 'apply', '-f', invalid]),
      cli(['resourcebundle', 'apply', '-f', join(dir, 'missing.json')]),
      cli(['resourcebundle', 'apply']),
      cli(['resourcebundle', 'get', id, '-o', 'json']),
      cli(['resourcebundle', 'get', id]),
      cli(['resourcebundle', 'get', 'nope']),
    ]);
  assert.match(ok(workRun).stdout, /^resource bundle '.+' created\n/);
  failed(staleRun, 1, new RegExp(`'${id}' is at version 1, not 7`));
  failed(invalidRun, 1, /neither a ResourceBundle nor a ManifestWork/);
  failed(missingRun, 1, /cannot read/);
  failed(noFileRun, 2, /required option '-f, --filename <file>'/);
  const again = ok(await cli(['resourcebundle', 'apply', '-f', '-', '-o', 'json'], work('2'))).stdout;
  assert.equal(JSON.parse(again).version, 2, 'applying a changed ManifestWork from stdin updates it');

  const got = JSON.parse(ok(getJson).stdout);
  for (const key of ['id', 'kind', 'href', 'name', 'consumer_name', 'version', 'created_at', 'updated_at']) {
    assert.ok(key in got, `resource bundle json has '${key}'`);
  }
  for (const key of ['metadata', 'manifests', 'manifest_configs', 'delete_option']) {
    assert.ok(key in got, `resource bundle json has '${key}'`);
  }
  assert.match(ok(getTableRun).stdout, /^ID\s+NAME\s+CONSUMER\s+VERSION\s+CONDITIONS\s+UPDATED\n/);
  failed(getMissingRun, 1, /^error: resource bundle 'nope' not found\n$/);
  const bundles = JSON.parse(ok(await cli(['resourcebundle', 'list', '-o', 'json'])).stdout);
  assert.equal(bundles.kind, 'ResourceBundleList');
  assert.equal(bundles.total, 2);

  const status = await waitFor(async () => {
    const run = await cli(['resourcebundle', 'status', id]);
    return run.stdout.includes('Applied') ? run : undefined;
  }, 'the agent status in `status`');
  assert.match(
    status.stdout,
    /^RESOURCE\s+CONDITION\s+STATUS\s+REASON\s+SINCE\s+MESSAGE\nwork\s+Applied\s+True\s+AppliedManifestWorkComplete/,
  );

  // watch streams until interrupted
  const watcher = spawn(process.execPath, ['cmd/maestro.ts', 'resourcebundle', 'watch', '-o', 'json'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let watched = '';
  watcher.stdout.on('data', (chunk: Buffer) => (watched += chunk.toString('utf8')));
  const watchExit = new Promise<number | null>((resolve) => watcher.on('close', resolve));
  await waitFor(() => watched.includes(id), 'the bundle in the watch', 20_000);
  ok(await cli(['resourcebundle', 'delete', id]));
  await waitFor(() => /"type":"DELETED"/.test(watched), 'DELETED in the watch', 20_000);
  watcher.kill('SIGINT');
  assert.equal(await watchExit, 0);
  const events = watched
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; object: { metadata: { uid: string } } });
  assert.ok(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.uid === id));
  const c2 = searched.items[0].id as string;
  const grpcDownArgs = ['resourcebundle', 'apply', '-f', bundleFile, '--grpc-server-address', '127.0.0.1:1'];
  const [goneRun, deleteMissing, deleteRefused, deleteC2, unconfirmed, restDown, grpcDown] =
    await Promise.all([
      waitFor(async () => {
        const run = await cli(['resourcebundle', 'get', id]);
        return run.code === 1 ? run : undefined;
      }, 'the deleted bundle gone'),
      cli(['resourcebundle', 'delete', 'nope']),
      // refused while bundles (the ManifestWork 'web') still reference it
      cli(['consumer', 'delete', created.id, '-y']),
      cli(['consumer', 'delete', c2, '-y']),
      cli(['consumer', 'delete', created.id], 'n\n'),
      maestro(['consumer', 'list', '--rest-url', 'http://127.0.0.1:1'], {}),
      maestro([...grpcDownArgs, '--timeout', '1s'], { MAESTRO_REST_URL: server.restUrl }),
    ]);
  failed(goneRun, 1, /not found/);
  failed(deleteMissing, 1, /not found/);
  failed(deleteRefused, 1, /still reference/);
  assert.equal(ok(deleteC2).stdout, `consumer '${c2}' deleted\n`);
  failed(unconfirmed, 2, /not confirmed/);
  failed(restDown, 1, /^error: cannot reach the maestro rest api at 'http:\/\/127\.0\.0\.1:1'/);
  failed(grpcDown, 1, /^error: cannot reach the maestro grpc server at '127\.0\.0\.1:1' within 1000 ms/);
});
