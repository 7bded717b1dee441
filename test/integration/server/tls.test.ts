/**
 * `maestro server` with `--grpc-tls-*` and `--grpc-broker-tls-*`: both gRPC servers speak mutual
 * TLS 1.3, a source and an agent with certificates from the client CA work end to end, and a
 * plaintext or certificate-less peer is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, credentials } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import { isMaestroError } from '../../../src/common/errors.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { createGrpcTransport } from '../../../src/transport/grpc/client.ts';
import { createTestPki, LOOPBACK_NAMES } from '../../support/certs.ts';
import { stopTestCluster } from '../../support/postgres.ts';
import type { IssuedCertificate, TestPki } from '../../support/certs.ts';
import { addConsumer, startTestServer, waitFor } from './helpers.ts';

let pki: TestPki;
let serverCert: IssuedCertificate;
let clientCert: IssuedCertificate;

before(async () => {
  pki = await createTestPki();
  serverCert = await pki.issue('server', { commonName: 'maestro', ...LOOPBACK_NAMES });
  clientCert = await pki.issue('client', { commonName: 'cluster1', organizations: ['maestro-agents'] });
});
after(async () => {
  await pki.cleanup();
  await stopTestCluster();
});

function createRequest(consumer: string): MaestroEvent {
  const id = randomUUID();
  return createEvent({
    id: randomUUID(),
    source: 'tls-source',
    type: manifestBundleEventType('spec', 'create_request'),
    datacontenttype: 'application/json',
    clustername: consumer,
    resourceid: id,
    resourceversion: 0,
    metadata: JSON.stringify({ name: 'web', namespace: consumer, uid: id }),
    data: {
      manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' } }],
    },
  });
}

describe('gRPC TLS on the source API and the agent broker', () => {
  it('carries a create to an agent over mutual TLS 1.3 on both servers', async (t) => {
    const ts = await startTestServer(t, {
      grpcTlsCertFile: serverCert.certFile,
      grpcTlsKeyFile: serverCert.keyFile,
      grpcClientCaFile: pki.ca.certFile,
      grpcBrokerTlsCertFile: serverCert.certFile,
      grpcBrokerTlsKeyFile: serverCert.keyFile,
      grpcBrokerClientCaFile: pki.ca.certFile,
    });
    if (ts === undefined) return;
    await addConsumer(ts.pool, 'cluster1');
    const tls = { caFile: pki.ca.certFile, certFile: clientCert.certFile, keyFile: clientCert.keyFile };

    const received: MaestroEvent[] = [];
    const agent = createGrpcTransport(
      { role: 'agent', clusterName: 'cluster1' },
      { url: `localhost:${ts.brokerPort}`, tls },
    );
    t.after(() => agent.stop());
    await agent.start(async (event) => {
      received.push(event);
    });

    const source = createGrpcTransport(
      { role: 'source', sourceId: 'tls-source' },
      { url: `localhost:${ts.sourcePort}`, tls },
    );
    t.after(() => source.stop());
    await source.start(async () => {});
    const create = createRequest('cluster1');
    await source.publish(create);

    const delivered = await waitFor(
      () => received.find((e) => e.resourceid === create.resourceid),
      'the create delivered to the agent over TLS',
    );
    assert.equal(delivered.type, manifestBundleEventType('spec', 'create_request'));
  });

  it('refuses plaintext and certificate-less clients', async (t) => {
    const ts = await startTestServer(t, {
      grpcTlsCertFile: serverCert.certFile,
      grpcTlsKeyFile: serverCert.keyFile,
      grpcClientCaFile: pki.ca.certFile,
    });
    if (ts === undefined) return;
    const publish = (client: Client): Promise<ServiceError | undefined> =>
      new Promise((resolve) => {
        client.makeUnaryRequest(
          '/io.cloudevents.v1.CloudEventService/Publish',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          { deadline: Date.now() + 5000 },
          (err) => resolve(err ?? undefined),
        );
      });
    const plaintext = new Client(`localhost:${ts.sourcePort}`, credentials.createInsecure());
    const noCert = new Client(`localhost:${ts.sourcePort}`, credentials.createSsl(Buffer.from(pki.ca.cert)));
    t.after(() => {
      plaintext.close();
      noCert.close();
    });
    assert.equal((await publish(plaintext))?.code, 14, 'plaintext client: UNAVAILABLE');
    assert.equal((await publish(noCert))?.code, 14, 'client without a certificate: UNAVAILABLE');
  });

  it('refuses half a TLS configuration before anything starts', () => {
    const resolve = (flags: Record<string, string>) => resolveServerConfig({ flags, env: {} });
    assert.throws(
      () => resolve({ grpcTlsCertFile: '/x.crt' }),
      (err: unknown) =>
        isMaestroError(err, 'INVALID_ARGUMENT') &&
        /--grpc-tls-cert-file and --grpc-tls-key-file/.test(err.message),
    );
    assert.throws(
      () => resolve({ grpcBrokerClientCaFile: '/ca.crt' }),
      (err: unknown) =>
        isMaestroError(err, 'INVALID_ARGUMENT') && /--grpc-broker-client-ca-file needs/.test(err.message),
    );
  });
});
