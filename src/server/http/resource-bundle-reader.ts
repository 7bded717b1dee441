/**
 * Presented resource bundles for the REST routes, through the presented-bundle cache: a page (or a
 * get) first reads only ids and row-version stamps, then reads and presents only the bundles the
 * cache does not hold at their current stamp. Decompressing and rendering the stored events is
 * most of a page's database time, and unchanged bundles are by far the common case.
 */
import type pg from 'pg';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import {
  listResourceStampsForRest,
  readResourceBundlesForRest,
  readResourceStampForRest,
} from '../store/rest-bundle-queries.ts';
import type { ResourceStamp } from '../store/rest-bundle-queries.ts';
import type { RestListQuery } from '../store/rest-queries.ts';
import { presentResourceBundle } from './presenters.ts';
import type { StampedBufferCache } from './stamped-buffer-cache.ts';

/** Options for {@link createResourceBundleReader}. */
export interface ResourceBundleReaderOptions {
  pool: pg.Pool;
  /** Presented bundles by id, valid for one row version each. */
  cache: StampedBufferCache;
  metrics: Pick<ServerMetrics, 'restBundleCacheLookups'>;
}

/** A page of presented bundles (UTF-8 JSON each) and the number of matches. */
export interface PresentedPage {
  items: Buffer[];
  total: number;
}

/** See {@link createResourceBundleReader}. */
export interface ResourceBundleReader {
  /** One page of presented bundles, in the query's order. */
  list(query: RestListQuery): Promise<PresentedPage>;
  /** The presented bundle `id` (UTF-8 JSON), or undefined when there is none. */
  get(id: string): Promise<Buffer | undefined>;
}

/**
 * Bundles to present are read in up to this many concurrent queries of at least
 * {@link MIN_READ_CHUNK} rows: decompressing and rendering the stored events is PostgreSQL CPU work
 * that one query does on one core, and the rows of one chunk are presented while others are read.
 */
const READ_QUERIES = 4;
const MIN_READ_CHUNK = 100;

/** `ids` in up to {@link READ_QUERIES} chunks of at least {@link MIN_READ_CHUNK}. */
function readChunks(ids: readonly string[]): string[][] {
  const size = Math.max(MIN_READ_CHUNK, Math.ceil(ids.length / READ_QUERIES));
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += size) chunks.push(ids.slice(start, start + size));
  return chunks;
}

/**
 * `text` as UTF-8 in a Buffer of its own: small `Buffer.from` results share pooled 8 KiB slabs,
 * which would keep unrelated garbage alive and make the cache's byte count wrong.
 */
function ownBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buffer.write(text);
  return buffer;
}

/** Creates the reader behind the resource-bundle list and get routes. */
export function createResourceBundleReader(options: ResourceBundleReaderOptions): ResourceBundleReader {
  const { pool, cache } = options;
  const lookups = options.metrics.restBundleCacheLookups;

  /**
   * The presented bundle of each stamped row, from the cache or else read and presented now. A row
   * read now may be newer than its stamp (it changed in between): it is presented and kept at the
   * version read. A row deleted in between has none.
   */
  const present = async (stamps: readonly ResourceStamp[]): Promise<(Buffer | undefined)[]> => {
    const bundles = stamps.map(({ id, stamp }) => cache.get(id, stamp));
    const missing = stamps.filter((_, i) => bundles[i] === undefined).map(({ id }) => id);
    lookups.inc({ result: 'hit' }, stamps.length - missing.length);
    if (missing.length === 0) return bundles;
    lookups.inc({ result: 'miss' }, missing.length);
    const fresh = new Map<string, Buffer>();
    const readChunk = async (ids: readonly string[]): Promise<void> => {
      for (const row of await readResourceBundlesForRest(pool, ids)) {
        const bundle = ownBuffer(presentResourceBundle(row));
        cache.set(row.id, row.stamp, bundle);
        fresh.set(row.id, bundle);
      }
    };
    await Promise.all(readChunks(missing).map(readChunk));
    return bundles.map((bundle, i) => bundle ?? fresh.get(stamps[i]!.id));
  };

  return {
    async list(query) {
      const page = await listResourceStampsForRest(pool, query);
      const bundles = await present(page.rows);
      return { items: bundles.filter((bundle) => bundle !== undefined), total: page.total };
    },
    async get(id) {
      const stamp = await readResourceStampForRest(pool, id);
      if (stamp === undefined) return undefined;
      const [bundle] = await present([{ id, stamp }]);
      return bundle;
    },
  };
}
