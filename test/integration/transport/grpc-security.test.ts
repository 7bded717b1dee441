/**
 * TLS of the integrated broker and the client transport, with certificates made by openssl:
 * mutual TLS end to end, clients without a certificate or below TLS 1.3 refused, and upstream's
 * rule that a CA alone does not switch the client to TLS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { credentials, Client, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { MANIFEST_BUNDLE_DATA_TYPE, manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { loadCloudEventService } from '../../../src/cloudevents/proto.ts';
import { createGrpcBrokerTransport } from '../../../src/transport/grpc/broker-server.ts';
import type { GrpcBrokerTransport } from '../../../src/transport/grpc/broker-server.ts';
import { createGrpcTransport } from '../../../src/transport/grpc/client.ts';
import { SUBSCRIBE_METHOD_PATH } from '../../../src/transport/grpc/service.ts';
import { createTestPki, LOOPBACK_NAMES } from '../../support/certs.ts';
import type { IssuedCertificate, TestPki } from '../../support/certs.ts';

let pki: TestPki;
let server: IssuedCertificate;
let client: IssuedCertificate;

before(async () => {
  pki = await createTestPki();
  server = await pki.issue('server', { commonName: 'maestro-grpc-broker', ...LOOPBACK_NAMES });
  client = await pki.issue('agent', {
    commonName: 'c1-agent',
    organizations: ['system:open-cluster-management'],
  });
});

after(() => pki.cleanup());

async function startTlsBroker(
  t: { after: (fn: () => Promise<void>) => void },
  handler: (event: MaestroEvent) => Promise<void> = async () => {},
): Promise<GrpcBrokerTransport> {
  const broker = createGrpcBrokerTransport({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: server.cert, key: server.key, clientCa: pki.ca.cert },
  });
  await broker.start(handler);
  t.after(() => broker.stop());
  return broker;
}

function statusEvent(): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: 'c1-work-agent',
    type: manifestBundleEventType('status', 'update_request'),
    datacontenttype: 'application/json',
    clustername: 'c1',
    originalsource: 'maestro',
    data: { conditions: [] },
  });
}

describe('grpc over TLS', () => {
  it('carries events both ways over mutual TLS 1.3', async (t) => {
    const statuses: MaestroEvent[] = [];
    const broker = await startTlsBroker(t, async (e) => {
      statuses.push(e);
    });
    const agent = createGrpcTransport(
      { role: 'agent', clusterName: 'c1' },
      {
        url: `localhost:${broker.port}`,
        tls: { caFile: pki.ca.certFile, certFile: client.certFile, keyFile: client.keyFile },
      },
    );
    const received: MaestroEvent[] = [];
    t.after(() => agent.stop());
    await agent.start(async (e) => {
      received.push(e);
    });
    const spec = createEvent({
      id: randomUUID(),
      source: 'maestro',
      type: manifestBundleEventType('spec', 'create_request'),
      clustername: 'c1',
      resourceid: randomUUID(),
      resourceversion: 1,
      datacontenttype: 'application/json',
      data: { manifests: [] },
    });
    await broker.publish(spec);
    const status = statusEvent();
    await agent.publish(status);
    assert.deepEqual(
      statuses.map((e) => e.id),
      [status.id],
    );
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      received.map((e) => e.id),
      [spec.id],
    );
  });

  it('refuses a client without a certificate', async (t) => {
    const broker = await startTlsBroker(t);
    const raw = new Client(`localhost:${broker.port}`, credentials.createSsl(Buffer.from(pki.ca.cert)));
    t.after(() => raw.close());
    const { Subscribe } = loadCloudEventService();
    const call = raw.makeServerStreamRequest(
      SUBSCRIBE_METHOD_PATH,
      Subscribe.requestSerialize,
      Subscribe.responseDeserialize,
      { cluster_name: 'c1', data_type: MANIFEST_BUNDLE_DATA_TYPE },
      new Metadata(),
    );
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    assert.equal(error.code, GrpcStatus.UNAVAILABLE);
    assert.deepEqual(broker.connectedClusters(), []);
  });

  it('accepts TLS 1.3 and refuses TLS 1.2', async (t) => {
    const broker = await startTlsBroker(t);
    const handshake = (maxVersion: 'TLSv1.2' | 'TLSv1.3') =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: broker.port,
          servername: 'localhost',
          ca: pki.ca.cert,
          cert: client.cert,
          key: client.key,
          maxVersion,
          ALPNProtocols: ['h2'],
        });
        socket.on('secureConnect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    assert.equal(await handshake('TLSv1.3'), 'connected');
    assert.match(await handshake('TLSv1.2'), /PROTOCOL_VERSION|VERSION/);
  });

  it('uses plaintext when only a CA is configured, as upstream does', async (t) => {
    const broker = createGrpcBrokerTransport({ host: '127.0.0.1', port: 0 });
    await broker.start(async () => {});
    t.after(() => broker.stop());
    const agent = createGrpcTransport(
      { role: 'agent', clusterName: 'c1' },
      { url: `127.0.0.1:${broker.port}`, tls: { caFile: pki.ca.certFile } },
    );
    t.after(() => agent.stop());
    await agent.start(async () => {});
    assert.deepEqual(broker.connectedClusters(), ['c1']);
  });

  it('rejects inconsistent client settings when the transport is created', () => {
    const invalid = (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT');
    assert.throws(
      () => createGrpcTransport({ role: 'agent', clusterName: 'c1' }, { url: 'localhost:1', token: 't' }),
      (err: unknown) => invalid(err) && /requires a CA certificate/.test((err as Error).message),
    );
    assert.throws(
      () =>
        createGrpcTransport(
          { role: 'agent', clusterName: 'c1' },
          { url: 'localhost:1', tls: { certFile: client.certFile } },
        ),
      invalid,
    );
    assert.throws(
      () =>
        createGrpcTransport(
          { role: 'agent', clusterName: 'c1' },
          { url: 'localhost:1', tls: { caFile: '/nonexistent/ca.crt' }, token: 't' },
        ),
      (err: unknown) =>
        invalid(err) && /cannot read grpc caFile '\/nonexistent\/ca.crt'/.test((err as Error).message),
    );
  });
});
