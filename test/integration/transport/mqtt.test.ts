import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync } from 'mqtt';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { createMqttTransport } from '../../../src/transport/mqtt/mqtt-transport.ts';
import { MQTT_MAX_MESSAGE_BYTES } from '../../../src/transport/mqtt/message.ts';
import type { TransportIdentity } from '../../../src/transport/transport.ts';
import type { MosquittoInstance, MosquittoMode } from '../../support/mosquitto.ts';
import { createCapturingLogger, startTestMosquitto, testMqttConfig } from '../../support/mqtt-harness.ts';
import { runTransportContractSuite } from '../../support/transport-contract.ts';
import { waitFor } from '../../support/wait.ts';

const FAST_RECONNECT = { initialMs: 50, maxMs: 500 };

for (const mode of ['plain', 'tls-password', 'mtls'] as MosquittoMode[]) {
  runTransportContractSuite(`mqtt (mosquitto ${mode})`, async () => {
    const broker = await startTestMosquitto({ mode });
    if ('skip' in broker) return broker;
    const create = async (identity: TransportIdentity) =>
      createMqttTransport(identity, {
        config: await testMqttConfig(broker, identity),
        clientId: `${identity.role}-${randomUUID()}`,
        reconnectBackoff: FAST_RECONNECT,
      });
    return {
      capabilities: {
        typedExtensions: false,
        maxMessageBytes: MQTT_MAX_MESSAGE_BYTES,
        multipleSources: true,
        sourceReconnects: true,
        handlerErrorsReachPublisher: false,
        rejectsUndeliverableSpec: false,
      },
      createSource: (sourceId) => create({ role: 'source', sourceId }),
      createAgent: (clusterName) => create({ role: 'agent', clusterName }),
      interruptBroker: () => broker.restart(),
      teardown: () => broker.stop(),
    };
  });
}

describe('mqtt transport: bad input and configuration', () => {
  async function withBroker(t: TestContext, mode: MosquittoMode): Promise<MosquittoInstance | undefined> {
    const broker = await startTestMosquitto({ mode });
    if ('skip' in broker) {
      if (process.env.MAESTRO_REQUIRE_INTEGRATION === '1') assert.fail(broker.skip);
      t.skip(broker.skip);
      return undefined;
    }
    t.after(() => broker.stop());
    return broker;
  }

  it('logs and drops a message that is not a cloudevent, then keeps delivering', async (t) => {
    const broker = await withBroker(t, 'plain');
    if (!broker) return;
    const { logger, lines } = createCapturingLogger();
    const cluster = `c-${randomUUID().slice(0, 8)}`;
    const identity: TransportIdentity = { role: 'agent', clusterName: cluster };
    const agent = createMqttTransport(identity, { config: await testMqttConfig(broker, identity), logger });
    t.after(() => agent.stop());
    const received: MaestroEvent[] = [];
    await agent.start(async (event) => {
      received.push(event);
    });
    const raw = await connectAsync(`mqtt://${broker.brokerHost}`, { protocolVersion: 5 });
    t.after(() => raw.endAsync());
    const topic = `sources/maestro/consumers/${cluster}/sourceevents`;
    await raw.publishAsync(topic, 'not a cloudevent', { qos: 1 });
    await raw.publishAsync(topic, '{"broken json', {
      qos: 1,
      properties: { contentType: 'application/cloudevents+json' },
    });
    const good = createEvent({
      id: randomUUID(),
      source: 'maestro',
      type: manifestBundleEventType('spec', 'create_request'),
      datacontenttype: 'application/json',
      clustername: cluster,
      resourceid: randomUUID(),
      resourceversion: 1,
      data: { manifests: [] },
    });
    const source = createMqttTransport(
      { role: 'source', sourceId: 'maestro' },
      {
        config: await testMqttConfig(broker, { role: 'source', sourceId: 'maestro' }),
        clientId: 'maestro-test',
      },
    );
    t.after(() => source.stop());
    await source.start(async () => {});
    await source.publish(good);
    await waitFor(() => received.length === 1, 'the event');
    assert.equal(received[0]?.id, good.id);
    const drops = lines.filter((l) => l.msg === 'dropped a malformed mqtt message');
    assert.equal(drops.length, 2);
    assert.equal(drops[0]?.topic, topic);
    assert.match(String(drops[0]?.err), /not a cloudevent/);
    assert.equal(agent.state, 'connected');
  });

  it('fails start promptly when the broker refuses the password', async (t) => {
    const broker = await withBroker(t, 'tls-password');
    if (!broker) return;
    const identity: TransportIdentity = { role: 'agent', clusterName: 'c1' };
    const config = { ...(await testMqttConfig(broker, identity)), password: 'wrong' };
    const agent = createMqttTransport(identity, { config, reconnectBackoff: FAST_RECONNECT });
    t.after(() => agent.stop());
    // Mosquitto answers a bad password with "not authorized" (0x87), others with 0x86.
    await assert.rejects(
      agent.start(async () => {}),
      (err: Error & { code?: string }) => {
        assert.ok(['UNAUTHENTICATED', 'PERMISSION_DENIED'].includes(String(err.code)));
        assert.match(err.message, /^mqtt broker refused agent 'c1'/);
        return true;
      },
    );
    assert.equal(agent.state, 'closed');
  });

  it('refuses a source whose agentEvents topic names another source', () => {
    assert.throws(
      () =>
        createMqttTransport(
          { role: 'source', sourceId: 'maestro' },
          {
            config: {
              brokerHost: '127.0.0.1:1',
              keepAliveSeconds: 60,
              dialTimeoutMs: 1000,
              pubQoS: 1,
              subQoS: 1,
              topics: {
                sourceEvents: 'sources/maestro/consumers/+/sourceevents',
                agentEvents: 'sources/other/consumers/+/agentevents',
              },
            },
          },
        ),
      {
        code: 'INVALID_ARGUMENT',
        message: "mqtt topic 'topics.agentEvents' is for source 'other', not 'maestro'",
      },
    );
  });
});
