import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import type { PubSubBrokerConfig } from '../../../src/transport/broker-config.ts';
import { createPubSubClient } from '../../../src/transport/pubsub/client.ts';
import { pubSubTopicName } from '../../../src/transport/pubsub/layout.ts';
import { provisionPubSub } from '../../../src/transport/pubsub/provision.ts';
import { createPubSubTransport } from '../../../src/transport/pubsub/pubsub-transport.ts';
import type { TransportIdentity } from '../../../src/transport/transport.ts';
import { createCapturingLogger } from '../../support/mqtt-harness.ts';
import { pubSubEmulatorUnavailable, startPubSubEmulator } from '../../support/pubsub-emulator.ts';
import type { PubSubEmulator } from '../../support/pubsub-emulator.ts';
import { runTransportContractSuite } from '../../support/transport-contract.ts';
import { waitFor } from '../../support/wait.ts';

const PROJECT = 'maestro-test';
/** A smaller limit than Pub/Sub's 10 MB keeps the size test quick; the check is the same. */
const MAX_MESSAGE_BYTES = 512 * 1024;

// One emulator for the whole file: it takes seconds to start, and unique names keep tests apart.
let emulator: Promise<PubSubEmulator | { skip: string }> | undefined;
function sharedEmulator(): Promise<PubSubEmulator | { skip: string }> {
  emulator ??= pubSubEmulatorUnavailable().then((reason): Promise<PubSubEmulator | { skip: string }> =>
    reason === undefined ? startPubSubEmulator() : Promise.resolve({ skip: reason }),
  );
  return emulator;
}
after(async () => {
  const running = await emulator;
  if (running !== undefined && !('skip' in running)) await running.stop();
});

function config(endpoint: string): Omit<PubSubBrokerConfig, 'unknownKeys'> {
  return {
    projectID: PROJECT,
    endpoint,
    disableTLS: true,
    topics: {},
    subscriptions: {},
    keepalive: { timeMs: 300_000, timeoutMs: 20_000, permitWithoutStream: false },
    receive: {},
  };
}

async function provisionedTransport(
  endpoint: string,
  identity: TransportIdentity,
  logger = createCapturingLogger().logger,
) {
  const admin = createPubSubClient(config(endpoint));
  await provisionPubSub(admin, {
    projectID: PROJECT,
    sources: identity.role === 'source' ? [identity.sourceId] : [],
    consumers: identity.role === 'agent' ? [identity.clusterName] : [],
  });
  await admin.close();
  return createPubSubTransport(identity, {
    config: config(endpoint),
    maxMessageBytes: MAX_MESSAGE_BYTES,
    reconnectBackoff: { initialMs: 50, maxMs: 500 },
    logger,
  });
}

runTransportContractSuite('pubsub (emulator)', async () => {
  const running = await sharedEmulator();
  if ('skip' in running) return running;
  return {
    capabilities: {
      typedExtensions: false,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      multipleSources: true,
      sourceReconnects: true,
      handlerErrorsReachPublisher: false,
      rejectsUndeliverableSpec: false,
    },
    createSource: (sourceId) => provisionedTransport(running.endpoint, { role: 'source', sourceId }),
    createAgent: (clusterName) => provisionedTransport(running.endpoint, { role: 'agent', clusterName }),
    teardown: async () => {},
  };
});

describe('pubsub transport: bad input and configuration', () => {
  async function useEmulator(t: TestContext): Promise<PubSubEmulator | undefined> {
    const running = await sharedEmulator();
    if (!('skip' in running)) return running;
    if (process.env.MAESTRO_REQUIRE_INTEGRATION === '1') assert.fail(running.skip);
    t.skip(running.skip);
    return undefined;
  }

  function specEvent(cluster: string, extra: Record<string, unknown> = {}): MaestroEvent {
    return createEvent({
      id: randomUUID(),
      source: 'maestro',
      type: manifestBundleEventType('spec', 'create_request'),
      datacontenttype: 'application/json',
      clustername: cluster,
      resourceid: randomUUID(),
      resourceversion: 1,
      data: { manifests: [] },
      ...extra,
    });
  }

  it('acks, logs and drops a malformed message, then keeps delivering', async (t) => {
    const running = await useEmulator(t);
    if (!running) return;
    const cluster = `c-${randomUUID().slice(0, 8)}`;
    const { logger, lines } = createCapturingLogger();
    const agent = await provisionedTransport(
      running.endpoint,
      { role: 'agent', clusterName: cluster },
      logger,
    );
    t.after(() => agent.stop());
    const received: MaestroEvent[] = [];
    await agent.start(async (e) => {
      received.push(e);
    });
    const raw = createPubSubClient(config(running.endpoint));
    t.after(() => raw.close());
    await raw.topic(pubSubTopicName(PROJECT, 'sourceevents')).publishMessage({
      data: Buffer.from('garbage'),
      attributes: { 'ce-clustername': cluster },
    });
    const source = await provisionedTransport(running.endpoint, { role: 'source', sourceId: 'maestro' });
    t.after(() => source.stop());
    await source.start(async () => {});
    const good = specEvent(cluster);
    await source.publish(good);
    await waitFor(() => received.length === 1, 'the event');
    assert.equal(received[0]?.id, good.id);
    const drop = lines.find((l) => l.msg === 'dropped a malformed pub/sub message');
    assert.ok(drop, 'the malformed message is logged');
    assert.match(String(drop.err), /id/);
  });

  it('rejects an attribute value over 1024 bytes with an error naming it', async (t) => {
    const running = await useEmulator(t);
    if (!running) return;
    const source = await provisionedTransport(running.endpoint, { role: 'source', sourceId: 'maestro' });
    t.after(() => source.stop());
    await source.start(async () => {});
    const event = specEvent('c1', {
      metadata: JSON.stringify({ name: 'w', annotations: { a: 'x'.repeat(1100) } }),
    });
    await assert.rejects(source.publish(event), {
      code: 'RESOURCE_EXHAUSTED',
      message: new RegExp(
        `^event '${event.id}' attribute 'ce-metadata' is \\d+ bytes, more than pub/sub's 1024-byte limit`,
      ),
    });
  });

  it('fails start with FAILED_PRECONDITION when the subscriptions do not exist', async (t) => {
    const running = await useEmulator(t);
    if (!running) return;
    const agent = createPubSubTransport(
      { role: 'agent', clusterName: 'never-provisioned' },
      { config: config(running.endpoint) },
    );
    await assert.rejects(
      agent.start(async () => {}),
      {
        code: 'FAILED_PRECONDITION',
        message: `pub/sub subscription 'projects/${PROJECT}/subscriptions/sourceevents-never-provisioned' does not exist (create it with 'maestro pubsub init')`,
      },
    );
    assert.equal(agent.state, 'closed');
  });

  it('provisioning is idempotent', async (t) => {
    const running = await useEmulator(t);
    if (!running) return;
    const admin = createPubSubClient(config(running.endpoint));
    t.after(() => admin.close());
    const options = { projectID: PROJECT, sources: ['idem'], consumers: ['idem-c'] };
    await provisionPubSub(admin, options);
    const again = await provisionPubSub(admin, options);
    assert.deepEqual(again.created, []);
    assert.equal(again.existing.length, 8);
  });
});
