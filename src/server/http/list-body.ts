/**
 * Bodies of the large JSON lists (pages of presented resource bundles, a megabyte and more). The
 * compression plugin would get each page as one freshly allocated buffer and, above its
 * synchronous limit, compress it through a stream of small chunks; a megabyte of short-lived
 * buffer per request also makes V8 run a full garbage collection every few dozen pages. Here a
 * page is copied into a reused buffer and gzipped from it in one asynchronous call (off the event
 * loop), so a page allocates only its compressed form.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * Largest body assembled in a reused buffer (bigger ones, rare, are allocated and left to the
 * compression plugin), so the reused buffers stay bounded.
 */
const MAX_REUSED_BYTES = 4 * 1024 * 1024;
/** Reused buffers kept for later requests (concurrent lists beyond this allocate). */
const MAX_SPARE_BUFFERS = 2;
/**
 * Level 1: speed matters more than the last few percent (JSON still shrinks about tenfold). Output
 * in 256 KiB pieces: fewer round trips between zlib's thread and the event loop.
 */
const GZIP_OPTIONS = { level: 1, chunkSize: 256 * 1024 };

/** A list body, and `gzip` when it is compressed (the caller sets `Content-Encoding`). */
export interface ListBody {
  body: Buffer;
  encoding?: 'gzip';
}

/** See {@link createListBodyEncoder}. */
export interface ListBodyEncoder {
  /**
   * The concatenation of `parts`, gzipped when `acceptEncoding` (the request header) accepts gzip,
   * otherwise as is for the compression plugin to encode as the client asks.
   */
  encode(parts: readonly Buffer[], acceptEncoding: string | undefined): Promise<ListBody>;
}

/**
 * Whether an `Accept-Encoding` header accepts gzip: a `gzip` (or `x-gzip`) entry with a non-zero
 * quality, or else a `*` entry with one.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let wildcard = false;
  for (const entry of header.split(',')) {
    const [name = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') wildcard = accepted;
  }
  return wildcard;
}

/** Creates an encoder whose reused buffers live as long as it does (one per REST server). */
export function createListBodyEncoder(): ListBodyEncoder {
  const spares: Buffer[] = [];
  return {
    async encode(parts, acceptEncoding) {
      const size = parts.reduce((sum, part) => sum + part.length, 0);
      if (size > MAX_REUSED_BYTES || !acceptsGzip(acceptEncoding))
        return { body: Buffer.concat(parts, size) };
      const spare = spares.pop();
      const buffer =
        spare !== undefined && spare.length >= size
          ? spare
          : Buffer.allocUnsafeSlow(Math.min(MAX_REUSED_BYTES, Math.ceil(size * 1.25)));
      let offset = 0;
      for (const part of parts) offset += part.copy(buffer, offset);
      try {
        return { body: await gzipAsync(buffer.subarray(0, size), GZIP_OPTIONS), encoding: 'gzip' };
      } finally {
        if (spares.length < MAX_SPARE_BUFFERS) spares.push(buffer);
      }
    },
  };
}
