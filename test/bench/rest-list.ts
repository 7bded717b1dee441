/**
 * REST list benchmark: one consumer with 10,000 resource bundles of ~3 KB each, paged through with
 * `GET /resource-bundles?search=consumer_name='…'&size=400` (the Go SDK's page size). Goals: p99 of a
 * page ≤ 50 ms and a whole page-through ≤ 1 s (upstream: 294 ms for 300 small bundles).
 *
 * Run alone with `node test/bench/rest-list.ts` (prints a table and the JSON result), or import
 * {@link benchRestList} from a bench runner.
 */
import { createSilentLogger } from '../../src/common/logger.ts';
import { fromJsonEvent } from '../../src/cloudevents/json-codec.ts';
import { createRestServer } from '../../src/server/http/index.ts';
import { createServerMetrics } from '../../src/server/metrics/index.ts';
import { createResourceService } from '../../src/server/services/resource-service.ts';
import { decodeSpecRequest } from '../../src/server/services/spec-events.ts';
import { createDatabase } from '../../src/server/store/database.ts';
import { migrate } from '../../src/server/store/migrations.ts';
import { workEvent } from '../integration/http/rest-harness.ts';
import { createTestDatabase, stopTestCluster } from '../support/postgres.ts';

/** Options for {@link benchRestList}. */
export interface RestListBenchOptions {
  /** Bundles to create; default 10,000. */
  bundles?: number;
  /** Page size; default 400. */
  pageSize?: number;
  /** Approximate stored payload size in bytes; default 3,000. */
  payloadBytes?: number;
  /** Timed page-throughs after one warm-up; default 5. */
  rounds?: number;
}

/** One benchmark's outcome, in the shape the bench runner tabulates. */
export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  goals: { metric: string; max: number; met: boolean }[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Seeds the bundles, pages through them `rounds` times and reports page latency and total time. */
export async function benchRestList(options: RestListBenchOptions = {}): Promise<BenchResult> {
  const bundles = options.bundles ?? 10_000;
  const pageSize = options.pageSize ?? 400;
  const rounds = options.rounds ?? 5;
  const padding = Math.max(0, (options.payloadBytes ?? 3_000) - 1_400);
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
  try {
    await migrate(database.pool, logger);
    await database.pool.query("INSERT INTO consumers (id, name) VALUES ('bench', 'bench-cluster')");
    const seedStarted = performance.now();
    for (let start = 0; start < bundles; start += 1_000) {
      const batch = [];
      for (let i = start; i < Math.min(bundles, start + 1_000); i++) {
        const id = `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`;
        const event = workEvent({ id, consumer: 'bench-cluster', source: 'bench-source', padding });
        batch.push(resources.apply(decodeSpecRequest(fromJsonEvent(event), 'create')));
      }
      await Promise.all(batch);
    }
    const seedMs = performance.now() - seedStarted;
    await database.pool.query('ANALYZE resources');
    const { rows } = await database.pool.query<{ bytes: string }>(
      'SELECT avg(pg_column_size(payload))::int AS bytes, avg(length(payload::text))::int AS text_bytes FROM resources',
    );
    const { port } = await rest.start();
    const search = "source='bench-source' and consumer_name='bench-cluster'";
    const pageTimes: number[] = [];
    const totals: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const started = performance.now();
      let seen = 0;
      for (let page = 1; ; page++) {
        const url = `http://127.0.0.1:${port}/api/maestro/v1/resource-bundles?page=${page}&size=${pageSize}&search=${encodeURIComponent(search)}`;
        const t0 = performance.now();
        const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
        const body = (await response.json()) as { size: number; total: number };
        if (round > 0) pageTimes.push(performance.now() - t0);
        if (response.status !== 200) throw new Error(`page ${page} answered ${response.status}`);
        seen += body.size;
        if (body.size < pageSize || seen >= body.total) break;
      }
      if (seen !== bundles) throw new Error(`paged through ${seen} bundles, expected ${bundles}`);
      if (round > 0) totals.push(performance.now() - started);
    }
    pageTimes.sort((a, b) => a - b);
    totals.sort((a, b) => a - b);
    const p99 = percentile(pageTimes, 99);
    const worstTotal = totals[totals.length - 1] ?? 0;
    const round2 = (n: number): number => Math.round(n * 100) / 100;
    return {
      name: 'rest-list',
      metrics: {
        bundles,
        pageSize,
        storedPayloadBytes: Number(rows[0]?.bytes ?? 0),
        seedMs: round2(seedMs),
        pageP50Ms: round2(percentile(pageTimes, 50)),
        pageP99Ms: round2(p99),
        pageMaxMs: round2(pageTimes[pageTimes.length - 1] ?? 0),
        pageThroughMedianMs: round2(percentile(totals, 50)),
        pageThroughMaxMs: round2(worstTotal),
      },
      goals: [
        { metric: 'pageP99Ms', max: 50, met: p99 <= 50 },
        { metric: 'pageThroughMaxMs', max: 1_000, met: worstTotal <= 1_000 },
      ],
    };
  } finally {
    await rest.stop();
    await resources.drain();
    await database.close();
    await db.drop();
  }
}

if (import.meta.main) {
  try {
    const result = await benchRestList();
    console.table(result.metrics);
    console.table(result.goals);
    console.log(JSON.stringify(result));
  } finally {
    await stopTestCluster();
  }
}
