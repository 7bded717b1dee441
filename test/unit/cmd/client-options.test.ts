import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addConnectionFlags, parseDuration, resolveClientSettings } from '../../../cmd/client-options.ts';
import { UsageError } from '../../../cmd/program-context.ts';

test('durations read Go style or as seconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('1h'), 3_600_000);
  for (const bad of ['', 'abc', '10x', '0s', '1m foo'])
    assert.throws(() => parseDuration(bad), UsageError, bad);
});

function parse(args: string[]): Command {
  const program = new Command('maestro').exitOverride();
  const parent = addConnectionFlags(program.command('resourcebundle'), true);
  const leaf = parent
    .command('get')
    .argument('<id>')
    .action(() => undefined);
  program.parse(['node', 'maestro', 'resourcebundle', 'get', 'x', ...args]);
  return leaf;
}

test('connection settings: flags win over MAESTRO_* environment, which wins over local defaults', () => {
  assert.deepEqual(resolveClientSettings(parse([]), {}), {
    restUrl: 'http://127.0.0.1:8000',
    insecureSkipVerify: false,
    timeoutMs: 30_000,
    grpcServerAddress: '127.0.0.1:8090',
    grpcSourceId: 'maestro-cli',
  });
  const env = {
    MAESTRO_REST_URL: 'http://env:1',
    MAESTRO_GRPC_SERVER_ADDRESS: 'env:2',
    MAESTRO_REST_TIMEOUT: '5s',
    MAESTRO_REST_INSECURE_SKIP_VERIFY: 'true',
    MAESTRO_GRPC_CA_FILE: '/env/ca.crt',
  };
  const fromEnv = resolveClientSettings(parse([]), env);
  assert.equal(fromEnv.restUrl, 'http://env:1');
  assert.equal(fromEnv.grpcServerAddress, 'env:2');
  assert.equal(fromEnv.timeoutMs, 5000);
  assert.equal(fromEnv.insecureSkipVerify, true);
  assert.equal(fromEnv.caFile, '/env/ca.crt');
  const fromFlags = resolveClientSettings(
    parse([
      '--rest-url',
      'http://flag:1',
      '--grpc-source-id',
      'me',
      '--timeout',
      '2s',
      '--grpc-token-file',
      '/t',
    ]),
    env,
  );
  assert.equal(fromFlags.restUrl, 'http://flag:1');
  assert.equal(fromFlags.grpcSourceId, 'me');
  assert.equal(fromFlags.timeoutMs, 2000);
  assert.equal(fromFlags.tokenFile, '/t');
  assert.equal(fromFlags.grpcServerAddress, 'env:2');
});
