/**
 * REST list benchmark: one consumer with 10,000 resource bundles of ~3 KB each, paged through with
 * `GET /resource-bundles?search=…&size=400` (the Go SDK's page size) and `Accept-Encoding: gzip`
 * (what Go's HTTP client sends). Goals (the REST issue): p99 of a page ≤ 50 ms and a whole
 * page-through ≤ 1 s (upstream: 294 ms for 300 small bundles).
 *
 * A page's time runs from sending the request to the last byte of the (decompressed) body: the
 * server's answer. Parsing the 1.2 MB of JSON is the client's work, so it is reported separately
 * (`client JSON.parse`, with decoding the UTF-8) and kept out of the goals; it still runs between
 * pages, as a client's would.
 * The client runs in a worker thread, with a heap of its own, as a real client's process would.
 *
 * The table is `VACUUM ANALYZE`d after seeding, as autovacuum leaves a table a minute after a bulk
 * insert: the visibility map lets the page's ids come from an index-only scan. The first
 * page-through after start (nothing presented yet) is reported as `cold`; the timed rounds follow.
 */
import { Worker } from 'node:worker_threads';
import { fromJsonEvent } from '../../src/cloudevents/json-codec.ts';
import { createSilentLogger } from '../../src/common/logger.ts';
import { createRestServer } from '../../src/server/http/index.ts';
import { createServerMetrics } from '../../src/server/metrics/index.ts';
import { createResourceService } from '../../src/server/services/resource-service.ts';
import type { ResourceService } from '../../src/server/services/resource-service.ts';
import { decodeSpecRequest } from '../../src/server/services/spec-events.ts';
import { createDatabase } from '../../src/server/store/database.ts';
import { migrate } from '../../src/server/store/migrations.ts';
import { workEvent } from '../integration/http/rest-harness.ts';
import { createTestDatabase, stopTestCluster } from '../support/postgres.ts';
import { percentile } from './bench-module.ts';
import type { BenchMetric, BenchModule, BenchOptions } from './bench-module.ts';
import type { PageThrough, PageThroughRequest } from './rest-list-client.ts';

const CONSUMER = 'bench-cluster';
const SOURCE = 'bench-source';
const PAGE_SIZE = 400;
/** Annotation bytes that bring the upstream fixture's work to ~3 KB of JSON. */
const PADDING = 1_600;

/** Creates `count` bundles through the real spec write path, a thousand at a time. */
async function seed(resources: ResourceService, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1_000) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 1_000); i++) {
      const id = `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`;
      const event = workEvent({ id, consumer: CONSUMER, source: SOURCE, padding: PADDING });
      batch.push(resources.apply(decodeSpecRequest(fromJsonEvent(event), 'create')));
    }
    await Promise.all(batch);
  }
}

/** Runs page-throughs in the client worker (rest-list-client.ts), one at a time. */
interface BenchClient {
  pageThrough(port: number, bundles: number): Promise<PageThrough>;
  close(): Promise<void>;
}

function startClient(): BenchClient {
  const worker = new Worker(new URL('./rest-list-client.ts', import.meta.url));
  const search = encodeURIComponent(`source='${SOURCE}' and consumer_name='${CONSUMER}'`);
  const path = `/api/maestro/v1/resource-bundles?search=${search}`;
  return {
    pageThrough: (port, bundles) =>
      new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        worker.once('error', onError);
        worker.once('message', (result: PageThrough) => {
          worker.off('error', onError);
          if (result.error === undefined) resolve(result);
          else reject(new Error(result.error));
        });
        const request: PageThroughRequest = { port, path, pageSize: PAGE_SIZE, bundles };
        worker.postMessage(request);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

async function run({ quick, log }: BenchOptions): Promise<BenchMetric[]> {
  const bundles = quick ? 2_000 : 10_000;
  const rounds = quick ? 2 : 5;
  const logger = createSilentLogger();
  const db = await createTestDatabase();
  const database = createDatabase({ url: db.url, maxConnections: 10, logger });
  const metrics = createServerMetrics({ defaultMetrics: false });
  const resources = createResourceService({ pool: database.pool, logger, sourceId: 'maestro' });
  const rest = createRestServer({
    pool: database.pool,
    resources,
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
  });
  const client = startClient();
  try {
    await migrate(database.pool, logger);
    await database.pool.query('INSERT INTO consumers (id, name) VALUES ($1, $1)', [CONSUMER]);
    log(`seeding ${bundles} bundles`);
    await seed(resources, bundles);
    await database.pool.query('VACUUM ANALYZE resources');
    const { rows } = await database.pool.query<{ bytes: number }>(
      'SELECT avg(length(payload::text))::int AS bytes FROM resources',
    );
    const { port } = await rest.start();
    // the first page-through after start: nothing presented yet, JIT and connections cold
    const cold = await client.pageThrough(port, bundles);
    log(`cold: ${Math.round(cold.totalMs)} ms`);
    const timed: PageThrough[] = [];
    for (let round = 1; round <= rounds; round++) {
      timed.push(await client.pageThrough(port, bundles));
      log(`round ${round}: ${Math.round(timed[timed.length - 1]!.totalMs)} ms`);
    }
    const pages = timed.flatMap((t) => t.pageMs);
    const totals = timed.map((t) => t.totalMs);
    return [
      { name: 'bundles', value: bundles, unit: 'bundles' },
      { name: 'stored spec event', value: rows[0]?.bytes ?? 0, unit: 'B' },
      {
        name: 'page body (400 bundles)',
        value: Math.round(Math.max(...timed.map((t) => t.bodyBytes)) / 1024),
        unit: 'KiB',
      },
      { name: 'page p50', value: percentile(pages, 50), unit: 'ms' },
      { name: 'page p99', value: percentile(pages, 99), unit: 'ms', goal: { op: '<=', value: 50 } },
      { name: 'page-through median', value: percentile(totals, 50), unit: 'ms' },
      { name: 'page-through max', value: Math.max(...totals), unit: 'ms', goal: { op: '<=', value: 1_000 } },
      { name: 'cold page-through (first)', value: cold.totalMs, unit: 'ms' },
      { name: 'cold page p99', value: percentile(cold.pageMs, 99), unit: 'ms' },
      {
        name: 'client JSON.parse p50',
        value: percentile(
          timed.flatMap((t) => t.parseMs),
          50,
        ),
        unit: 'ms',
      },
    ];
  } finally {
    await client.close();
    await rest.stop();
    await resources.drain();
    await database.close();
    await db.drop();
    await stopTestCluster();
  }
}

/** The REST list benchmark module. */
export const restListBenchmark: BenchModule = {
  name: 'rest-list',
  description: 'paging GET /resource-bundles (400 per page) through 10,000 bundles of ~3 KB',
  run,
};
