import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { createAwsIotTransport } from '../../../src/transport/aws-iot/aws-iot-transport.ts';
import { AWS_IOT_MAX_MESSAGE_BYTES } from '../../../src/transport/mqtt/message.ts';
import type { TransportIdentity } from '../../../src/transport/transport.ts';
import {
  collectClosedNativeClients,
  startTestMosquitto,
  testMqttConfig,
  testTopics,
} from '../../support/mqtt-harness.ts';
import { runTransportContractSuite } from '../../support/transport-contract.ts';

const RECONNECT = { min: 50, max: 500 };

after(() => collectClosedNativeClients());

runTransportContractSuite('awsiot (mosquitto like aws iot core)', async () => {
  // The broker accepts more than IoT Core so the client-side 128 KiB check is what the test sees.
  const broker = await startTestMosquitto({ mode: 'aws-iot', maxPacketBytes: 4 * AWS_IOT_MAX_MESSAGE_BYTES });
  if ('skip' in broker) return broker;
  const create = async (identity: TransportIdentity) =>
    createAwsIotTransport(identity, {
      config: await testMqttConfig(broker, identity),
      reconnectDelayMs: RECONNECT,
    });
  return {
    capabilities: {
      typedExtensions: false,
      maxMessageBytes: AWS_IOT_MAX_MESSAGE_BYTES,
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

describe('awsiot transport: iot policies', () => {
  it('rejects a publish the policy forbids with PERMISSION_DENIED', async (t) => {
    const broker = await startTestMosquitto({ mode: 'aws-iot' });
    if ('skip' in broker) {
      if (process.env.MAESTRO_REQUIRE_INTEGRATION === '1') assert.fail(broker.skip);
      t.skip(broker.skip);
      return;
    }
    t.after(() => broker.stop());
    // The certificate of source 's-mine' used by a client claiming to be source 's-other'.
    const own: TransportIdentity = { role: 'source', sourceId: 's-mine' };
    const other: TransportIdentity = { role: 'source', sourceId: 's-other' };
    const config = { ...(await testMqttConfig(broker, own)), topics: testTopics(other) };
    const transport = createAwsIotTransport(other, { config, reconnectDelayMs: RECONNECT });
    t.after(() => transport.stop());
    await transport.start(async () => {});
    const event = createEvent({
      id: randomUUID(),
      source: 's-other',
      type: manifestBundleEventType('spec', 'create_request'),
      clustername: 'c1',
      resourceid: randomUUID(),
      resourceversion: 1,
      data: { manifests: [] },
    });
    await assert.rejects(transport.publish(event), {
      code: 'PERMISSION_DENIED',
      message: `aws iot refused event '${event.id}' on 'sources/s-other/consumers/c1/sourceevents' (reason 135)`,
    });
  });

  it('requires client certificates', async () => {
    assert.throws(
      () =>
        createAwsIotTransport(
          { role: 'agent', clusterName: 'c1' },
          {
            config: {
              brokerHost: 'example-ats.iot.us-east-1.amazonaws.com:8883',
              keepAliveSeconds: 60,
              dialTimeoutMs: 1000,
              pubQoS: 1,
              subQoS: 1,
              topics: testTopics({ role: 'agent', clusterName: 'c1' }),
            },
          },
        ),
      {
        code: 'INVALID_ARGUMENT',
        message: 'aws iot needs clientCertFile and clientKeyFile (x.509 mutual tls)',
      },
    );
  });
});
