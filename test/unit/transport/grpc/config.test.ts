import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMaestroError } from '../../../../src/common/errors.ts';
import { loadGrpcClientConfig, parseGrpcClientConfig } from '../../../../src/transport/grpc/config.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');

function rejects(text: string, message: RegExp): void {
  assert.throws(
    () => parseGrpcClientConfig(text),
    (err: unknown) => isMaestroError(err, 'INVALID_ARGUMENT') && message.test(err.message),
  );
}

describe('gRPC client config', () => {
  it('reads the upstream chart config', () => {
    const options = parseGrpcClientConfig(
      [
        'url: maestro-grpc-broker.maestro:8091',
        'caFile: /certs/ca.crt',
        'clientCertFile: /certs/client.crt',
        'clientKeyFile: /certs/client.key',
        'keepAliveConfig: {enable: true, time: 30s, timeout: 10s, permitWithoutStream: true}',
        'serverHealthinessTimeout: 40s',
      ].join('\n'),
    );
    assert.deepEqual(options, {
      url: 'maestro-grpc-broker.maestro:8091',
      tls: { caFile: '/certs/ca.crt', certFile: '/certs/client.crt', keyFile: '/certs/client.key' },
      keepalive: { timeMs: 30_000, timeoutMs: 10_000, permitWithoutStream: true },
      serverHealthinessTimeoutMs: 40_000,
    });
  });

  it('decodes base64 PEM data and keeps the token', () => {
    const options = parseGrpcClientConfig(`url: "[::1]:8090"\ncaData: ${b64(PEM)}\ntoken: secret\n`);
    assert.equal(options.url, '[::1]:8090');
    assert.equal(options.tls?.ca?.toString(), PEM);
    assert.equal(options.token, 'secret');
  });

  it('leaves keepalive off unless enabled and ignores an empty healthiness timeout', () => {
    const options = parseGrpcClientConfig(
      'url: a:1\nkeepAliveConfig: {enable: false, time: 1s}\nserverHealthinessTimeout: ""\n',
    );
    assert.deepEqual(options, { url: 'a:1' });
  });

  it('reports unknown keys without failing', () => {
    const unknown: string[] = [];
    parseGrpcClientConfig('url: a:1\nurll: b\nkeepAliveConfig: {enable: false, tme: 1s}\n', {
      onUnknownKey: (k) => unknown.push(k),
    });
    assert.deepEqual(unknown, ['urll', 'keepAliveConfig.tme']);
  });

  it('names the bad key in errors', () => {
    rejects('', /'url' is required/);
    rejects('caFile: /x', /'url' is required/);
    rejects('url: nohost', /'url' must be host:port, got 'nohost'/);
    rejects('url: a:1\ncaData: notpem', /'caData' must be base64 of a PEM block/);
    rejects('url: a:1\nclientCertFile: /c', /'clientKeyFile' is required/);
    rejects('url: a:1\ntoken: t', /'token' requires a CA certificate/);
    rejects('url: a:1\nserverHealthinessTimeout: soon', /'serverHealthinessTimeout' must be a duration/);
    rejects(
      'url: a:1\nkeepAliveConfig: {enable: true, time: 1s}',
      /'keepAliveConfig.time' must be at least 5s/,
    );
    rejects('url: a:1\nkeepAliveConfig: {enable: "yes"}', /'keepAliveConfig.enable' must be true or false/);
    rejects('url: [a', /not valid YAML/);
  });

  it('loads a file and names it in errors', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'grpc-config-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'url: broker:8091\ntokenFile: /t\ncaFile: /ca\n');
    assert.deepEqual(loadGrpcClientConfig(path), {
      url: 'broker:8091',
      tls: { caFile: '/ca' },
      tokenFile: '/t',
    });
    await writeFile(path, 'url: 1\n');
    assert.throws(
      () => loadGrpcClientConfig(path),
      /grpc config file '.*config\.yaml': 'url' must be a string/,
    );
    assert.throws(() => loadGrpcClientConfig(join(dir, 'missing.yaml')), /cannot read grpc config file/);
  });
});
