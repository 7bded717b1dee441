import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadMqttBrokerConfig,
  loadPubSubBrokerConfig,
  parseMqttBrokerConfig,
  parsePubSubBrokerConfig,
} from '../../../src/transport/broker-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'broker-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('broker config files', () => {
  it('loads the upstream MQTT YAML with defaults and durations', () => {
    const path = file(
      'mqtt.yaml',
      [
        'brokerHost: maestro-mqtt.maestro:1883',
        'username: maestro',
        'password: secret',
        'dialTimeout: 1m30s',
        'insecure: true',
        'topics:',
        '  sourceEvents: sources/maestro/consumers/+/sourceevents',
        '  agentEvents: $share/statussubscribers/sources/maestro/consumers/+/agentevents',
      ].join('\n'),
    );
    const config = loadMqttBrokerConfig(path);
    assert.equal(config.brokerHost, 'maestro-mqtt.maestro:1883');
    assert.equal(config.dialTimeoutMs, 90_000);
    assert.equal(config.keepAliveSeconds, 60);
    assert.equal(config.pubQoS, 1);
    assert.equal(
      config.topics.agentEvents,
      '$share/statussubscribers/sources/maestro/consumers/+/agentevents',
    );
    assert.deepEqual(config.unknownKeys, ['insecure']);
  });

  it('accepts JSON too', () => {
    const path = file(
      'mqtt.json',
      JSON.stringify({
        brokerHost: 'h:1',
        topics: { sourceEvents: 'a/b/c/+/sourceevents', agentEvents: 'a/b/c/+/agentevents' },
      }),
    );
    assert.equal(loadMqttBrokerConfig(path).brokerHost, 'h:1');
  });

  it('names the bad key', () => {
    assert.throws(() => parseMqttBrokerConfig({ topics: {} }, 'mqtt config x'), {
      code: 'INVALID_ARGUMENT',
      message: "mqtt config x: 'brokerHost' is required",
    });
    assert.throws(() => parseMqttBrokerConfig({ brokerHost: 'h', keepAlive: 'soon', topics: {} }), {
      message: "mqtt config: 'keepAlive' must be a non-negative whole number",
    });
    assert.throws(() => parseMqttBrokerConfig({ brokerHost: 'h', dialTimeout: '10 parsecs', topics: {} }), {
      message: 'mqtt config: \'dialTimeout\' must be a duration like 60s or 1m30s, got "10 parsecs"',
    });
    assert.throws(() => parseMqttBrokerConfig({ brokerHost: 'h', topics: { agentEvents: 'x' } }), {
      message: "mqtt config: 'topics.sourceEvents' is required",
    });
    assert.throws(() => parseMqttBrokerConfig({ brokerHost: 'h', caFile: '/nope/ca.crt', topics: {} }), {
      message: /^mqtt config: 'caFile' names a file that cannot be read/,
    });
  });

  it('loads the upstream Pub/Sub config and validates names', () => {
    const path = file(
      'pubsub.yaml',
      [
        'projectID: my-project',
        'endpoint: localhost:8085',
        'disableTLS: true',
        'topics:',
        '  sourceEvents: projects/my-project/topics/sourceevents',
        '  sourceBroadcast: projects/my-project/topics/sourcebroadcast',
        'subscriptions:',
        '  agentEvents: projects/my-project/subscriptions/agentevents-maestro',
        '  agentBroadcast: projects/my-project/subscriptions/agentbroadcast-maestro',
        'keepaliveSettings: {time: 5m, timeout: 20s}',
      ].join('\n'),
    );
    const config = loadPubSubBrokerConfig(path);
    assert.equal(config.keepalive.timeMs, 300_000);
    assert.equal(config.subscriptions.agentEvents, 'projects/my-project/subscriptions/agentevents-maestro');
    assert.throws(() => parsePubSubBrokerConfig({ projectID: 'Bad_Project' }), {
      message: /^pubsub config: 'projectID' 'Bad_Project' is not a valid project id/,
    });
    assert.throws(() => parsePubSubBrokerConfig({ projectID: 'my-project', disableTLS: true }), {
      message: "pubsub config: 'endpoint' is required when disableTLS is true",
    });
    assert.throws(
      () =>
        parsePubSubBrokerConfig({
          projectID: 'my-project',
          topics: { sourceEvents: 'projects/other/topics/sourceevents' },
        }),
      {
        message:
          /^pubsub config: 'topics.sourceEvents' 'projects\/other\/topics\/sourceevents' does not match/,
      },
    );
  });
});
