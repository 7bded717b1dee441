import { readFileSync } from 'node:fs';
import { MaestroError } from '../../common/errors.ts';
import type { GrpcServerTlsOptions } from '../../transport/grpc/server-credentials.ts';
import type { TlsFiles } from '../config.ts';

/**
 * Reads the PEM files of a gRPC server's TLS flags (`--grpc-tls-*` or `--grpc-broker-tls-*`); an
 * unreadable file is an `INVALID_ARGUMENT` naming the flag group and the path, raised before the
 * server listens.
 */
export function readTlsFiles(files: TlsFiles | undefined, flags: string): GrpcServerTlsOptions | undefined {
  if (files === undefined) return undefined;
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err: unknown) {
      throw new MaestroError('INVALID_ARGUMENT', `cannot read ${flags}-* file '${path}'`, { cause: err });
    }
  };
  return {
    cert: read(files.certFile),
    key: read(files.keyFile),
    ...(files.clientCaFile === undefined ? {} : { clientCa: read(files.clientCaFile) }),
  };
}
