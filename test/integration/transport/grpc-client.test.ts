/**
 * The gRPC client transport against a recording server: the subscription request each role sends,
 * the `subscription-id` header requirement, bearer token metadata over TLS, and starting before the
 * server is up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, Server } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { createLogger, createSilentLogger } from '../../../src/common/logger.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import {
  HEARTBEAT_EVENT_TYPE,
  MANIFEST_BUNDLE_DATA_TYPE,
  manifestBundleEventType,
} from '../../../src/cloudevents/event-types.ts';
import { encodeProtoEvent } from '../../../src/cloudevents/proto.ts';
import type { PbPublishRequest, PbSubscriptionRequest } from '../../../src/cloudevents/proto.ts';
import { createGrpcTransport } from '../../../src/transport/grpc/client.ts';
import type { GrpcClientOptions } from '../../../src/transport/grpc/client.ts';
import { createServerCredentials } from '../../../src/transport/grpc/server-credentials.ts';
import type { GrpcServerTlsOptions } from '../../../src/transport/grpc/server-credentials.ts';
import { cloudEventGrpcService } from '../../../src/transport/grpc/service.ts';
import type { SubscribeResponse } from '../../../src/transport/grpc/service.ts';
import { openSubscriptionStream } from '../../../src/transport/grpc/subscription-stream.ts';
import type { Transport, TransportIdentity } from '../../../src/transport/transport.ts';
import { createTestPki, LOOPBACK_NAMES } from '../../support/certs.ts';
import type { IssuedCertificate, TestPki } from '../../support/certs.ts';
import { waitFor } from '../../support/wait.ts';

interface Recorded<T> {
  request: T;
  metadata: Metadata;
}

interface RecordingServer {
  port: number;
  subscribes: Array<Recorded<PbSubscriptionRequest>>;
  publishes: Array<Recorded<PbPublishRequest>>;
}

type TestContextLike = { after: (fn: () => unknown) => void };

/**
 * A CloudEventService that records calls. `sendSubscriptionId: false` imitates a server without the
 * header (upstream's deprecated v1 one): empty headers, then a heartbeat.
 */
async function startRecordingServer(
  t: TestContextLike,
  options: { tls?: GrpcServerTlsOptions; sendSubscriptionId?: boolean; port?: number } = {},
): Promise<RecordingServer> {
  const recorded: RecordingServer = { port: 0, subscribes: [], publishes: [] };
  const server = new Server();
  server.addService(cloudEventGrpcService(), {
    Subscribe(call: ServerWritableStream<PbSubscriptionRequest, SubscribeResponse>) {
      recorded.subscribes.push({ request: call.request, metadata: call.metadata });
      if (options.sendSubscriptionId === false) {
        call.sendMetadata(new Metadata());
        call.write(encodeProtoEvent({ id: randomUUID(), spec_version: '1.0', type: HEARTBEAT_EVENT_TYPE }));
        return;
      }
      openSubscriptionStream({
        call,
        heartbeatIntervalMs: 0,
        maxBufferedEvents: 100,
        stallTimeoutMs: 1000,
        logger: createSilentLogger(),
      });
    },
    Publish(call: ServerUnaryCall<PbPublishRequest, unknown>, callback: sendUnaryData<unknown>) {
      recorded.publishes.push({ request: call.request, metadata: call.metadata });
      callback(null, {});
    },
  });
  recorded.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, createServerCredentials(options.tls), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  t.after(() => server.forceShutdown());
  return recorded;
}

async function startTransport(
  t: TestContextLike,
  identity: TransportIdentity,
  options: GrpcClientOptions,
): Promise<Transport> {
  const transport = createGrpcTransport(identity, {
    reconnectBackoff: { initialMs: 20, maxMs: 100 },
    ...options,
  });
  t.after(() => transport.stop());
  await transport.start(async () => {});
  return transport;
}

const specEvent = () =>
  createEvent({
    id: randomUUID(),
    source: 'my-source',
    type: manifestBundleEventType('spec', 'create_request'),
    datacontenttype: 'application/json',
    clustername: 'c1',
    resourceid: randomUUID(),
    resourceversion: 1,
    data: { manifests: [] },
  });

describe('grpc client transport: subscription', () => {
  it('subscribes as an agent with its cluster name and as a source with its source id', async (t) => {
    const server = await startRecordingServer(t);
    await startTransport(t, { role: 'agent', clusterName: 'c1' }, { url: `127.0.0.1:${server.port}` });
    await startTransport(t, { role: 'source', sourceId: 'my-source' }, { url: `127.0.0.1:${server.port}` });
    assert.deepEqual(
      server.subscribes.map((s) => s.request),
      [
        { source: '', cluster_name: 'c1', data_type: MANIFEST_BUNDLE_DATA_TYPE },
        { source: 'my-source', cluster_name: '', data_type: MANIFEST_BUNDLE_DATA_TYPE },
      ],
    );
  });

  it('does not count a subscription without a subscription-id header as connected', async (t) => {
    const server = await startRecordingServer(t, { sendSubscriptionId: false });
    const transport = createGrpcTransport(
      { role: 'agent', clusterName: 'c1' },
      { url: `127.0.0.1:${server.port}`, reconnectBackoff: { initialMs: 10, maxMs: 20 } },
    );
    const starting = transport.start(async () => {});
    await waitFor(() => server.subscribes.length >= 3, 'repeated subscription attempts');
    assert.equal(transport.state, 'connecting');
    await transport.stop();
    await assert.rejects(starting, { code: 'UNAVAILABLE' });
  });

  it('keeps trying until the server comes up, then resolves start()', async (t) => {
    const port = await freePort();
    const warnings: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: { write: (line: string) => warnings.push(line) },
    });
    const transport = createGrpcTransport(
      { role: 'agent', clusterName: 'c1' },
      { url: `127.0.0.1:${port}`, reconnectBackoff: { initialMs: 10, maxMs: 50 }, logger },
    );
    t.after(() => transport.stop());
    const starting = transport.start(async () => {});
    await waitFor(
      () => warnings.filter((w) => w.includes('subscription lost')).length >= 2,
      'failed attempts',
    );
    assert.equal(transport.state, 'connecting');
    const server = await startRecordingServer(t, { port });
    await starting;
    assert.equal(transport.state, 'connected');
    assert.equal(server.subscribes.length, 1);
  });
});

/** A loopback port that was free a moment ago (bound by a server that is shut down again). */
async function freePort(): Promise<number> {
  const server = new Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', createServerCredentials(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  server.forceShutdown();
  return port;
}

describe('grpc client transport: token', () => {
  let pki: TestPki;
  let serverCert: IssuedCertificate;
  let dir: string;

  before(async () => {
    pki = await createTestPki();
    serverCert = await pki.issue('server', { commonName: 'maestro', ...LOOPBACK_NAMES });
    dir = await mkdtemp(join(tmpdir(), 'grpc-token-'));
  });

  after(async () => {
    await pki.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends authorization: Bearer <token> on Subscribe and Publish over TLS', async (t) => {
    const server = await startRecordingServer(t, { tls: { cert: serverCert.cert, key: serverCert.key } });
    const transport = await startTransport(
      t,
      { role: 'source', sourceId: 'my-source' },
      { url: `localhost:${server.port}`, tls: { ca: pki.ca.cert }, token: 's3cret' },
    );
    await transport.publish(specEvent());
    assert.deepEqual(server.subscribes[0]?.metadata.get('authorization'), ['Bearer s3cret']);
    assert.deepEqual(server.publishes[0]?.metadata.get('authorization'), ['Bearer s3cret']);
    assert.equal(server.publishes[0]?.request.event?.type, manifestBundleEventType('spec', 'create_request'));
  });

  it('reads the token from tokenFile', async (t) => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'from-file\n');
    const server = await startRecordingServer(t, { tls: { cert: serverCert.cert, key: serverCert.key } });
    await startTransport(
      t,
      { role: 'agent', clusterName: 'c1' },
      { url: `localhost:${server.port}`, tls: { caFile: pki.ca.certFile }, tokenFile },
    );
    assert.deepEqual(server.subscribes[0]?.metadata.get('authorization'), ['Bearer from-file']);
  });
});
