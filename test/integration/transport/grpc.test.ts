/**
 * The integrated gRPC broker (source side) with the gRPC client transport (agent side) on loopback:
 * the shared transport contract, then what is specific to gRPC (headers, heartbeats, subscription
 * validation, fan-out, slow subscribers, healthiness timeout, Publish error statuses).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { credentials, Client, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { MaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import {
  HEARTBEAT_EVENT_TYPE,
  MANIFEST_BUNDLE_DATA_TYPE,
  manifestBundleEventType,
} from '../../../src/cloudevents/event-types.ts';
import { loadCloudEventService } from '../../../src/cloudevents/proto.ts';
import type {
  PbCloudEvent,
  PbPublishRequest,
  PbSubscriptionRequest,
} from '../../../src/cloudevents/proto.ts';
import { createGrpcBrokerTransport } from '../../../src/transport/grpc/broker-server.ts';
import type { GrpcBrokerOptions, GrpcBrokerTransport } from '../../../src/transport/grpc/broker-server.ts';
import { createGrpcTransport } from '../../../src/transport/grpc/client.ts';
import type { GrpcClientOptions } from '../../../src/transport/grpc/client.ts';
import { PUBLISH_METHOD_PATH, SUBSCRIBE_METHOD_PATH } from '../../../src/transport/grpc/service.ts';
import type { EventHandler, Transport, TransportStatus } from '../../../src/transport/transport.ts';
import { runTransportContractSuite } from '../../support/transport-contract.ts';
import { waitFor } from '../../support/wait.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;
const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };

runTransportContractSuite('grpc (broker server + client)', async () => {
  let handler: EventHandler | undefined;
  const dispatch: EventHandler = async (event) => {
    if (handler === undefined) throw new MaestroError('UNAVAILABLE', 'no source started');
    await handler(event);
  };
  const brokerOptions = (port: number): GrpcBrokerOptions => ({
    host: '127.0.0.1',
    port,
    heartbeatIntervalMs: 50,
    maxReceiveMessageBytes: MAX_MESSAGE_BYTES,
    maxSendMessageBytes: MAX_MESSAGE_BYTES,
  });
  let broker = createGrpcBrokerTransport(brokerOptions(0));
  await broker.start(dispatch);
  const port = broker.port;
  const sourceListeners: Array<(status: TransportStatus) => void> = [];
  // The broker is the source, started before any source is created so agents can connect first;
  // this view hands the suite the live broker (it is replaced when the harness restarts it).
  const source: Transport = {
    name: 'grpc-broker',
    get state() {
      return broker.state;
    },
    start: async (h) => {
      handler = h;
    },
    publish: (event) => broker.publish(event),
    onStatus(listener) {
      sourceListeners.push(listener);
      return broker.onStatus(listener);
    },
    stop: async () => {
      handler = undefined;
      await broker.stop();
    },
  };
  return {
    capabilities: {
      typedExtensions: true,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      multipleSources: false,
      sourceReconnects: false,
      handlerErrorsReachPublisher: true,
      rejectsUndeliverableSpec: true,
    },
    createSource: async () => source,
    createAgent: async (clusterName) =>
      createGrpcTransport(
        { role: 'agent', clusterName },
        { url: `127.0.0.1:${port}`, reconnectBackoff: FAST_BACKOFF },
      ),
    async interruptBroker() {
      await broker.stop();
      broker = createGrpcBrokerTransport(brokerOptions(port));
      for (const listener of sourceListeners) broker.onStatus(listener);
      await broker.start(dispatch);
    },
    teardown: () => broker.stop(),
  };
});

/** A started broker on a free loopback port, stopped by `t.after`. */
async function startBroker(
  t: { after: (fn: () => Promise<void>) => void },
  options: GrpcBrokerOptions = {},
  handler: EventHandler = async () => {},
): Promise<GrpcBrokerTransport> {
  const broker = createGrpcBrokerTransport({ host: '127.0.0.1', port: 0, ...options });
  await broker.start(handler);
  t.after(() => broker.stop());
  return broker;
}

/** A started agent transport, stopped by `t.after`. */
async function startAgent(
  t: { after: (fn: () => Promise<void>) => void },
  broker: GrpcBrokerTransport,
  clusterName: string,
  options: Partial<GrpcClientOptions> = {},
): Promise<{ transport: Transport; received: MaestroEvent[]; statuses: TransportStatus[] }> {
  const transport = createGrpcTransport(
    { role: 'agent', clusterName },
    { url: `127.0.0.1:${broker.port}`, reconnectBackoff: FAST_BACKOFF, ...options },
  );
  const received: MaestroEvent[] = [];
  const statuses: TransportStatus[] = [];
  transport.onStatus((s) => statuses.push(s));
  t.after(() => transport.stop());
  await transport.start(async (event) => {
    received.push(event);
  });
  return { transport, received, statuses };
}

/** A raw grpc-js client, to see exactly what the server sends. */
function rawClient(t: { after: (fn: () => void) => void }, port: number): Client {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  t.after(() => client.close());
  return client;
}

function rawSubscribe(client: Client, request: PbSubscriptionRequest): ClientReadableStream<PbCloudEvent> {
  const { Subscribe } = loadCloudEventService();
  return client.makeServerStreamRequest(
    SUBSCRIBE_METHOD_PATH,
    Subscribe.requestSerialize,
    Subscribe.responseDeserialize,
    request,
    new Metadata(),
  );
}

function rawPublish(client: Client, request: PbPublishRequest): Promise<void> {
  const { Publish } = loadCloudEventService();
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      PUBLISH_METHOD_PATH,
      Publish.requestSerialize,
      Publish.responseDeserialize,
      request,
      (err: ServiceError | null) => (err ? reject(err) : resolve()),
    );
  });
}

function streamError(stream: ClientReadableStream<PbCloudEvent>): Promise<ServiceError> {
  return new Promise((resolve) => stream.on('error', resolve));
}

function specEvent(clusterName: string, padding = ''): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: 'maestro',
    type: manifestBundleEventType('spec', 'create_request'),
    datacontenttype: 'application/json',
    clustername: clusterName,
    resourceid: randomUUID(),
    resourceversion: 1,
    data: { manifests: [], padding },
  });
}

const subscription = (clusterName: string): PbSubscriptionRequest => ({
  source: '',
  cluster_name: clusterName,
  data_type: MANIFEST_BUNDLE_DATA_TYPE,
});

describe('grpc broker: subscriptions', () => {
  it('sends a subscription-id header and reports the connected cluster', async (t) => {
    const broker = await startBroker(t);
    const changes: Array<[string, boolean]> = [];
    broker.onAgentSubscriptionChange((cluster, connected) => changes.push([cluster, connected]));
    const stream = rawSubscribe(rawClient(t, broker.port), subscription('c1'));
    const metadata = await new Promise<Metadata>((resolve) => stream.on('metadata', resolve));
    const ids = metadata.get('subscription-id');
    assert.equal(ids.length, 1);
    assert.match(String(ids[0]), /^[0-9a-f-]{36}$/);
    assert.deepEqual(broker.connectedClusters(), ['c1']);
    assert.deepEqual(changes, [['c1', true]]);
    stream.on('error', () => {});
    stream.cancel();
    await waitFor(() => broker.connectedClusters().length === 0, 'the cancelled stream to be removed');
    assert.deepEqual(changes, [
      ['c1', true],
      ['c1', false],
    ]);
  });

  it('rejects a subscription without a cluster name or with a bad data type', async (t) => {
    const broker = await startBroker(t);
    const client = rawClient(t, broker.port);
    const missing = await streamError(rawSubscribe(client, subscription('')));
    assert.equal(missing.code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(missing.details, 'invalid subscription request: missing cluster name');
    const badType = await streamError(rawSubscribe(client, { cluster_name: 'c1', data_type: 'nodots' }));
    assert.equal(badType.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(badType.details, /unsupported data type 'nodots'/);
    assert.deepEqual(broker.connectedClusters(), []);
  });

  it('sends heartbeats that the client transport does not deliver to its handler', async (t) => {
    const broker = await startBroker(t, { heartbeatIntervalMs: 20 });
    const agent = await startAgent(t, broker, 'c1');
    const raw = rawSubscribe(rawClient(t, broker.port), subscription('c1'));
    const heartbeats: PbCloudEvent[] = [];
    raw.on('data', (event: PbCloudEvent) => heartbeats.push(event));
    raw.on('error', () => {});
    await waitFor(() => heartbeats.length >= 5, 'five heartbeats');
    assert.ok(heartbeats.every((e) => e.type === HEARTBEAT_EVENT_TYPE && e.spec_version === '1.0'));
    assert.equal(heartbeats[0]?.attributes, undefined);
    const spec = specEvent('c1');
    await broker.publish(spec);
    await waitFor(() => agent.received.length > 0, 'the spec event');
    assert.deepEqual(
      agent.received.map((e) => e.id),
      [spec.id],
    );
  });

  it('fans a spec event out to every subscriber of the cluster', async (t) => {
    const broker = await startBroker(t);
    const changes: Array<[string, boolean]> = [];
    broker.onAgentSubscriptionChange((cluster, connected) => changes.push([cluster, connected]));
    const a = await startAgent(t, broker, 'c1');
    const b = await startAgent(t, broker, 'c1');
    const spec = specEvent('c1');
    await broker.publish(spec);
    await waitFor(() => a.received.length === 1 && b.received.length === 1, 'both subscribers');
    assert.deepEqual(changes, [['c1', true]]);
    await a.transport.stop();
    await b.transport.stop();
    await waitFor(() => changes.length === 2, 'the cluster to disconnect');
    assert.deepEqual(changes[1], ['c1', false]);
  });

  it('drops a subscriber that stops reading without holding up the others', async (t) => {
    const broker = await startBroker(t, {
      maxBufferedEventsPerStream: 16,
      streamStallTimeoutMs: 300,
      heartbeatIntervalMs: 0,
    });
    // A raw HTTP/2 subscriber whose stream window is 0: the server can send it headers but no data.
    const session = connect(`http://127.0.0.1:${broker.port}`, { settings: { initialWindowSize: 0 } });
    t.after(() => session.close());
    const body = loadCloudEventService().Subscribe.requestSerialize(subscription('c1'));
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    const slow = session.request({
      ':method': 'POST',
      ':path': SUBSCRIBE_METHOD_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    slow.end(frame);
    const trailers = new Promise<IncomingHttpHeaders>((resolve) => slow.on('trailers', resolve));
    slow.on('data', () => {});
    const headers = await new Promise<IncomingHttpHeaders>((resolve) => slow.on('response', resolve));
    assert.ok(headers['subscription-id']);
    const fast = await startAgent(t, broker, 'c1');
    const events = Array.from({ length: 40 }, () => specEvent('c1', 'z'.repeat(4 * 1024)));
    for (const event of events) await broker.publish(event);
    await waitFor(() => fast.received.length === events.length, 'the fast agent to receive everything');
    assert.deepEqual(
      fast.received.map((e) => e.id),
      events.map((e) => e.id),
    );
    session.settings({ initialWindowSize: 1 << 20 });
    const status = await trailers;
    assert.equal(status['grpc-status'], String(GrpcStatus.RESOURCE_EXHAUSTED));
    assert.match(decodeURIComponent(String(status['grpc-message'])), /subscriber is not reading/);
  });
});

describe('grpc broker: publish', () => {
  it('answers an undecodable event with INVALID_ARGUMENT', async (t) => {
    const handled: MaestroEvent[] = [];
    const broker = await startBroker(t, {}, async (e) => {
      handled.push(e);
    });
    const client = rawClient(t, broker.port);
    const broken: PbCloudEvent = {
      id: 'e1',
      source: 'c1-work-agent',
      spec_version: '1.0',
      type: manifestBundleEventType('status', 'update_request'),
      attributes: { contenttype: { ce_string: 'application/json' } },
      binary_data: Buffer.from('{not json'),
    };
    await assert.rejects(rawPublish(client, { event: broken }), (err: ServiceError) => {
      assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
      return true;
    });
    await assert.rejects(rawPublish(client, {}), (err: ServiceError) => {
      assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
      assert.equal(err.details, 'publish request has no event');
      return true;
    });
    await assert.rejects(
      rawPublish(client, { event: { ...broken, type: manifestBundleEventType('spec', 'create_request') } }),
      (err: ServiceError) => err.code === GrpcStatus.INVALID_ARGUMENT,
    );
    assert.deepEqual(handled, []);
  });

  it('rejects an oversized Publish with RESOURCE_EXHAUSTED, from the server and from the client', async (t) => {
    const broker = await startBroker(t, { maxReceiveMessageBytes: 16 * 1024 });
    const status = createEvent({
      id: randomUUID(),
      source: 'c1-work-agent',
      type: manifestBundleEventType('status', 'update_request'),
      datacontenttype: 'application/json',
      clustername: 'c1',
      originalsource: 'maestro',
      data: { padding: 'p'.repeat(32 * 1024) },
    });
    const unlimited = await startAgent(t, broker, 'c1');
    await assert.rejects(unlimited.transport.publish(status), { code: 'RESOURCE_EXHAUSTED' });
    const limited = await startAgent(t, broker, 'c1', { maxSendMessageBytes: 8 * 1024 });
    await assert.rejects(limited.transport.publish(status), {
      code: 'RESOURCE_EXHAUSTED',
      message: /more than the 8192-byte limit/,
    });
  });

  it('returns the handler error code and message to the publishing agent', async (t) => {
    const broker = await startBroker(t, {}, async () => {
      throw new MaestroError('NOT_FOUND', "resource 'r1' not found");
    });
    const agent = await startAgent(t, broker, 'c1');
    const status = createEvent({
      id: randomUUID(),
      source: 'c1-work-agent',
      type: manifestBundleEventType('status', 'update_request'),
      datacontenttype: 'application/json',
      clustername: 'c1',
      originalsource: 'maestro',
      data: {},
    });
    await assert.rejects(agent.transport.publish(status), {
      code: 'NOT_FOUND',
      message: "resource 'r1' not found",
    });
  });

  it('rejects a spec event when no agent of its cluster is connected', async (t) => {
    const broker = await startBroker(t);
    await assert.rejects(broker.publish(specEvent('nobody')), {
      code: 'UNAVAILABLE',
      message: "no agent of cluster 'nobody' is connected",
    });
  });
});

describe('grpc client: connection health', () => {
  it('reconnects when heartbeats stop for longer than serverHealthinessTimeout', async (t) => {
    const broker = await startBroker(t, { heartbeatIntervalMs: 0 });
    const agent = await startAgent(t, broker, 'c1', { serverHealthinessTimeoutMs: 100 });
    await waitFor(() => agent.statuses.some((s) => s.state === 'reconnecting'), 'a reconnect');
    const lost = agent.statuses.find((s) => s.state === 'reconnecting');
    assert.match(lost?.error?.message ?? '', /no heartbeat from '127\.0\.0\.1:\d+' for 100 ms/);
    await waitFor(() => agent.transport.state === 'connected', 'the agent to resubscribe');
  });

  it('stays connected while heartbeats arrive within serverHealthinessTimeout', async (t) => {
    const broker = await startBroker(t, { heartbeatIntervalMs: 20 });
    const agent = await startAgent(t, broker, 'c1', { serverHealthinessTimeoutMs: 300 });
    const raw = rawSubscribe(rawClient(t, broker.port), subscription('c1'));
    let heartbeats = 0;
    raw.on('data', () => (heartbeats += 1));
    raw.on('error', () => {});
    await waitFor(() => heartbeats >= 40, 'forty heartbeats (more than two healthiness timeouts)');
    assert.deepEqual(
      agent.statuses.map((s) => s.state),
      ['connecting', 'connected'],
    );
  });

  it('reconnects after the broker restarts and keeps delivering', async (t) => {
    const first = await startBroker(t);
    const agent = await startAgent(t, first, 'c1');
    const port = first.port;
    await first.stop();
    await waitFor(() => agent.transport.state === 'reconnecting', 'the agent to notice');
    const second = await startBroker(t, { port });
    await waitFor(() => agent.transport.state === 'connected', 'the agent to resubscribe');
    const spec = specEvent('c1');
    await second.publish(spec);
    await waitFor(() => agent.received.some((e) => e.id === spec.id), 'the spec event');
  });
});
