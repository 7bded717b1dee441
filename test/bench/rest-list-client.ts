/**
 * The REST list benchmark's client, run in a worker thread of its own (rest-list.ts starts it): a
 * real client (the Go SDK, a dashboard) is another process, and parsing megabyte pages of JSON in
 * the server's own heap would charge the client's garbage collections to the server's answers.
 * Like Go's HTTP client it reads the body and gunzips it in one go (node:http and zlib): `fetch`'s
 * web streams add several milliseconds and a garbage collection every few pages of their own to
 * each page, which is the client's cost, not the server's answer.
 * Each message (a {@link PageThroughRequest}) runs one page-through and answers with its timings.
 */
import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { parentPort } from 'node:worker_threads';

/** What the benchmark asks for: page through `bundles` bundles at `path` (without `page`). */
export interface PageThroughRequest {
  port: number;
  path: string;
  pageSize: number;
  bundles: number;
}

/** Timings of one page-through, or why it failed. */
export interface PageThrough {
  pageMs: number[];
  parseMs: number[];
  totalMs: number;
  bodyBytes: number;
  error?: string;
}

/** GETs `url` accepting gzip; resolves with the status and the (decompressed) body. */
function getGzip(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks);
        const gzipped = response.headers['content-encoding'] === 'gzip';
        resolve({ status: response.statusCode ?? 0, body: gzipped ? gunzipSync(raw) : raw });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function pageThrough({ port, path, pageSize, bundles }: PageThroughRequest): Promise<PageThrough> {
  const result: PageThrough = { pageMs: [], parseMs: [], totalMs: 0, bodyBytes: 0 };
  const started = performance.now();
  let seen = 0;
  for (let page = 1; ; page++) {
    const url = `http://127.0.0.1:${port}${path}&page=${page}&size=${pageSize}`;
    const t0 = performance.now();
    const response = await getGzip(url);
    const t1 = performance.now();
    const body = JSON.parse(response.body.toString()) as { size: number; total: number };
    result.parseMs.push(performance.now() - t1);
    result.pageMs.push(t1 - t0);
    result.bodyBytes = Math.max(result.bodyBytes, response.body.length);
    if (response.status !== 200) throw new Error(`page ${page} answered ${response.status}`);
    seen += body.size;
    if (body.size < pageSize || seen >= body.total) break;
  }
  result.totalMs = performance.now() - started;
  if (seen !== bundles) throw new Error(`paged through ${seen} bundles, expected ${bundles}`);
  return result;
}

parentPort?.on('message', (request: PageThroughRequest) => {
  pageThrough(request).then(
    (result) => parentPort?.postMessage(result),
    (err: unknown) =>
      parentPort?.postMessage({
        pageMs: [],
        parseMs: [],
        totalMs: 0,
        bodyBytes: 0,
        error: err instanceof Error ? err.message : String(err),
      }),
  );
});
