import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { createMemoryBroker } from '../../../src/transport/memory.ts';
import type { MemoryBroker } from '../../../src/transport/memory.ts';
import type { TransportState } from '../../../src/transport/transport.ts';
import { runTransportContractSuite } from '../../support/transport-contract.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;

runTransportContractSuite('memory', async () => {
  const broker: MemoryBroker = createMemoryBroker({ maxMessageBytes: MAX_MESSAGE_BYTES });
  return {
    capabilities: {
      typedExtensions: true,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      multipleSources: true,
      sourceReconnects: true,
      handlerErrorsReachPublisher: false,
      rejectsUndeliverableSpec: false,
    },
    createSource: async (id) => broker.createSourceTransport(id),
    createAgent: async (cluster) => broker.createAgentTransport(cluster),
    async interruptBroker() {
      broker.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 20));
      broker.reconnect();
    },
    teardown: async () => {},
  };
});

function spec(clusterName: string) {
  return createEvent({
    id: randomUUID(),
    source: 'maestro',
    type: manifestBundleEventType('spec', 'create_request'),
    datacontenttype: 'application/json',
    clustername: clusterName,
    resourceid: randomUUID(),
    resourceversion: 1,
    data: { manifests: [] },
  });
}

describe('memory broker', () => {
  it('drops the connection of a subscriber whose queue overflows, which then reconnects', async () => {
    const broker = createMemoryBroker({ queueCapacity: 2 });
    const source = broker.createSourceTransport('maestro');
    const agent = broker.createAgentTransport('c1');
    const states: TransportState[] = [];
    agent.onStatus((s) => states.push(s.state));
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const received: string[] = [];
    await source.start(async () => {});
    await agent.start(async (event) => {
      received.push(event.id);
      await blocked;
    });
    const events = [spec('c1'), spec('c1'), spec('c1'), spec('c1')];
    for (const e of events) await source.publish(e);
    assert.deepEqual(states, ['connecting', 'connected', 'reconnecting']);
    release();
    const deadline = Date.now() + 5000;
    while (agent.state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(agent.state, 'connected');
    const later = spec('c1');
    await source.publish(later);
    while (!received.includes(later.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(received, [events[0]?.id, later.id]);
    await Promise.all([source.stop(), agent.stop()]);
  });

  it('delivers a copy, never the publisher object', async () => {
    const broker = createMemoryBroker();
    const source = broker.createSourceTransport('maestro');
    const agent = broker.createAgentTransport('c1');
    const received: unknown[] = [];
    await source.start(async () => {});
    await agent.start(async (event) => {
      received.push(event.data);
    });
    const sent = spec('c1');
    await source.publish(sent);
    assert.deepEqual(received, [sent.data]);
    assert.notEqual(received[0], sent.data);
    await Promise.all([source.stop(), agent.stop()]);
  });

  it('start() during an outage resolves when the broker comes back', async () => {
    const broker = createMemoryBroker();
    broker.disconnect();
    const agent = broker.createAgentTransport('c1');
    let started = false;
    const starting = agent.start(async () => {}).then(() => (started = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started, false);
    assert.equal(agent.state, 'connecting');
    broker.reconnect();
    await starting;
    assert.equal(agent.state, 'connected');
    await agent.stop();
  });
});
