import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationFlag, resolveAgentConfig } from '../../../src/agent/config.ts';
import { isMaestroError } from '../../../src/common/errors.ts';

test('defaults follow upstream', () => {
  const config = resolveAgentConfig({ consumerName: 'cluster1' });
  assert.deepEqual(config, {
    consumerName: 'cluster1',
    kubeconfig: undefined,
    workloadSourceDriver: 'grpc',
    workloadSourceConfig: undefined,
    cloudEventsClientId: 'cluster1-work-agent',
    statusSyncIntervalMs: 10_000,
    maxJsonRawLength: 1048576,
    maxFeedbackWatch: 50,
    kubeApiQps: 50,
    kubeApiBurst: 100,
    evictionGracePeriodMs: 3_600_000,
    healthPort: 8083,
    healthBindAddress: '0.0.0.0',
  });
});

test('flags win over MAESTRO_* environment variables', () => {
  const config = resolveAgentConfig(
    { consumerName: 'flag', statusSyncInterval: '30s' },
    { MAESTRO_CONSUMER_NAME: 'env', MAESTRO_STATUS_SYNC_INTERVAL: '5s', MAESTRO_KUBE_API_QPS: '7.5' },
  );
  assert.equal(config.consumerName, 'flag');
  assert.equal(config.statusSyncIntervalMs, 30_000);
  assert.equal(config.kubeApiQps, 7.5);
});

test('the consumer name is required and bad values name their flag', () => {
  const cases: [Parameters<typeof resolveAgentConfig>[0], RegExp][] = [
    [{}, /--consumer-name/],
    [{ consumerName: 'c', workloadSourceDriver: 'kafka' }, /--workload-source-driver 'kafka'/],
    [{ consumerName: 'c', statusSyncInterval: '10' }, /--status-sync-interval '10'/],
    [{ consumerName: 'c', statusSyncInterval: '0s' }, /greater than 0/],
    [{ consumerName: 'c', maxJsonRawLength: '-1' }, /--max-json-raw-length/],
    [{ consumerName: 'c', maxFeedbackWatch: 'many' }, /--max-feedback-watch 'many'/],
    [{ consumerName: 'c', kubeApiBurst: 'x' }, /--kube-api-burst/],
    [{ consumerName: 'c', healthPort: 70000 }, /--health-port/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => resolveAgentConfig(flags),
      (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT') && message.test(err.message),
    );
  }
});

test('Go durations parse like time.ParseDuration', () => {
  assert.equal(parseDurationFlag('1h30m', 'x'), 5_400_000);
  assert.equal(parseDurationFlag('1.5s', 'x'), 1500);
  assert.equal(parseDurationFlag('250ms', 'x'), 250);
  assert.equal(parseDurationFlag('0', 'x'), 0);
  assert.equal(parseDurationFlag('876000h', 'x'), 876000 * 3_600_000);
  assert.throws(() => parseDurationFlag('', 'x'));
  assert.throws(() => parseDurationFlag('5 m', 'x'));
  assert.throws(() => parseDurationFlag('1d', 'x'));
});
