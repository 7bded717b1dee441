/**
 * Channel credentials of the gRPC client transport, with upstream's rules (protocol.md §9.1): TLS is
 * used only when a token or a client certificate is configured (a CA alone does not enable it),
 * TLS 1.3 only, trusted roots = the system roots plus the configured CA, a token requires a CA and
 * travels as `authorization: Bearer <token>` metadata on every call.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates, createSecureContext } from 'node:tls';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { MaestroError } from '../../common/errors.ts';

/** TLS material; each item is inline PEM or a file path (inline wins). */
export interface GrpcClientTlsOptions {
  ca?: string | Buffer;
  caFile?: string;
  cert?: string | Buffer;
  certFile?: string;
  key?: string | Buffer;
  keyFile?: string;
}

/** What decides the channel's security. */
export interface GrpcClientSecurityOptions {
  tls?: GrpcClientTlsOptions;
  /** Bearer token sent on every call (requires a CA). */
  token?: string;
  /** File holding the token (read once, trimmed), used when `token` is absent. */
  tokenFile?: string;
}

/** The channel credentials for `options`; reads the files it names now (throws `INVALID_ARGUMENT`). */
export function createChannelCredentials(options: GrpcClientSecurityOptions): ChannelCredentials {
  const tls = options.tls ?? {};
  const ca = pem(tls.ca, tls.caFile, 'caFile');
  const cert = pem(tls.cert, tls.certFile, 'certFile');
  const key = pem(tls.key, tls.keyFile, 'keyFile');
  const token = options.token ?? (options.tokenFile === undefined ? undefined : readToken(options.tokenFile));
  if ((cert === undefined) !== (key === undefined)) {
    throw new MaestroError('INVALID_ARGUMENT', 'grpc client certificate and key must be configured together');
  }
  if (token === undefined && cert === undefined) return credentials.createInsecure();
  if (token !== undefined && ca === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      'setting a grpc token requires a CA certificate (caFile or caData)',
    );
  }
  const context = createSecureContext({
    ca: ca === undefined ? undefined : [...rootCertificates, ca.toString()],
    cert,
    key,
    minVersion: 'TLSv1.3',
  });
  const channel = credentials.createFromSecureContext(context);
  if (token === undefined) return channel;
  const bearer = credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    callback(null, metadata);
  });
  return credentials.combineChannelCredentials(channel, bearer);
}

function pem(inline: string | Buffer | undefined, file: string | undefined, key: string): Buffer | undefined {
  if (inline !== undefined) return Buffer.from(inline);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new MaestroError('INVALID_ARGUMENT', `cannot read grpc ${key} '${file}'`, { cause: err });
  }
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new MaestroError('INVALID_ARGUMENT', `cannot read grpc tokenFile '${file}'`, { cause: err });
  }
}
