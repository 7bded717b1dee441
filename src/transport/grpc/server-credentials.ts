/**
 * Server TLS for Maestro's gRPC servers (the agent broker and the source API): TLS 1.3 only, as
 * upstream, and client certificates required and verified when a client CA is given (protocol.md §9.4).
 */
import { ServerCredentials } from '@grpc/grpc-js';

/** PEM material for a TLS server. */
export interface GrpcServerTlsOptions {
  /** Server certificate chain (PEM). */
  cert: string | Buffer;
  /** Server private key (PEM). */
  key: string | Buffer;
  /** When set, clients must present a certificate signed by this CA (PEM). */
  clientCa?: string | Buffer;
}

/**
 * grpc-js's `createSsl` cannot restrict the TLS version, so this passes the Node TLS options
 * (`minVersion: 'TLSv1.3'`) through the documented `ServerCredentials` constructor.
 */
class Tls13ServerCredentials extends ServerCredentials {
  constructor(tls: GrpcServerTlsOptions) {
    const requireClientCert = tls.clientCa !== undefined;
    super(
      { requestCert: requireClientCert, rejectUnauthorized: requireClientCert, minVersion: 'TLSv1.3' },
      { cert: tls.cert, key: tls.key, ca: tls.clientCa, minVersion: 'TLSv1.3' },
    );
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** Insecure credentials without `tls`, TLS 1.3 (optionally mutual) with it. */
export function createServerCredentials(tls?: GrpcServerTlsOptions): ServerCredentials {
  return tls === undefined ? ServerCredentials.createInsecure() : new Tls13ServerCredentials(tls);
}
