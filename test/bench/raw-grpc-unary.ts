/**
 * A lean gRPC unary caller for the benchmark's load generators: the request is a ready-made message
 * (see `event-bytes.ts`), framed and sent on a plain `node:http2` session, and the outcome is the
 * response's `grpc-status`. The server still handles a real gRPC call; only the generator skips
 * grpc-js's client machinery (call objects, interceptors, metadata, deserialising the reply), which
 * cost more CPU per call than the server spent answering it, on the same two cores.
 */
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';

/** One HTTP/2 connection to a gRPC server, carrying any number of concurrent unary calls. */
export interface RawGrpcConnection {
  /** Sends `message` to `path` (e.g. `/pkg.Service/Method`); resolves true on `grpc-status` 0. */
  unary(path: string, message: Buffer): Promise<boolean>;
  close(): void;
}

/** Frames `message` as one gRPC length-prefixed message (uncompressed). */
function frame(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

/** Connects to `address` (`host:port`, plaintext HTTP/2 as the insecure gRPC servers speak). */
export function connectRawGrpc(address: string): RawGrpcConnection {
  let session: ClientHttp2Session | undefined;
  const open = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      const opened = connect(`http://${address}`);
      opened.on('error', () => undefined); // surfaced per call as a failed call
      opened.on('close', () => {
        if (session === opened) session = undefined;
      });
      session = opened;
    }
    return session;
  };
  return {
    unary: (path, message) =>
      new Promise((resolve) => {
        let status: string | undefined;
        const call = open().request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          te: 'trailers',
        });
        // a trailers-only answer (errors) puts grpc-status in the headers
        call.on('response', (headers) => {
          status ??= headers['grpc-status'] as string | undefined;
        });
        call.on('trailers', (trailers) => {
          status = trailers['grpc-status'] as string | undefined;
        });
        call.on('error', () => undefined);
        call.on('close', () => resolve(status === '0'));
        call.resume();
        call.end(frame(message));
      }),
    close: () => session?.close(),
  };
}
