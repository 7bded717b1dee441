/**
 * Status resync requests the server sends to agents in MQTT / Pub/Sub / AWS IoT mode after its
 * transport (re)connects (protocol.md §8.2, server.md §4.10): one `status.resync_request` per consumer
 * listing `{resourceID, statusHash}` for each of that consumer's resources, so agents resend the
 * statuses that changed while the server was not listening (the broker keeps no messages for it).
 * Large lists go in batches of at most 1,000 entries that also fit the broker's message size limit;
 * a consumer without resources still gets one (empty) request.
 */
import type pg from 'pg';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { toJsonEvent } from '../../cloudevents/json-codec.ts';
import { splitIntoBatches } from '../../transport/batches.ts';
import { EMPTY_STATUS_HASH } from '../../work/status-hash.ts';
import { createStatusResyncRequest } from '../../work/resync.ts';
import { RESYNC_BATCH_SIZE, storedStatusHash } from '../services/resync-service.ts';
import { databaseError } from '../store/database.ts';
import { listResourcesPage } from '../store/resource-queries.ts';

/** Room left in each message for the parts that vary between batches (id, time). */
const OVERHEAD_MARGIN_BYTES = 1024;

/** Options for {@link statusResyncRequests}. */
export interface StatusResyncRequestOptions {
  pool: pg.Pool;
  /** The server's source id (the requests' `source`). */
  sourceId: string;
  consumerName: string;
  /** The broker's largest message. */
  maxMessageBytes: number;
}

/** One `{resourceID, statusHash}` entry. */
interface StatusHashEntry {
  resourceID: string;
  statusHash: string;
}

/** Every `{resourceID, statusHash}` of a consumer's resources, read in pages. */
async function consumerStatusHashes(pool: pg.Pool, consumerName: string): Promise<StatusHashEntry[]> {
  const entries: StatusHashEntry[] = [];
  let afterId: string | undefined;
  for (;;) {
    let page;
    try {
      page = await listResourcesPage(pool, { consumerName, afterId, limit: RESYNC_BATCH_SIZE });
    } catch (err: unknown) {
      throw databaseError(err, `reading the resources of consumer '${consumerName}' for a status resync`);
    }
    for (const row of page) {
      entries.push({
        resourceID: row.id,
        // no stored status yet: the hash of nothing, so the agent sends whatever it has (upstream's rule)
        statusHash: row.status === null ? EMPTY_STATUS_HASH : storedStatusHash(row.status),
      });
    }
    if (page.length < RESYNC_BATCH_SIZE) return entries;
    afterId = page[page.length - 1]?.id;
  }
}

/** The status resync requests for one consumer, in batches; at least one event. */
export async function statusResyncRequests(options: StatusResyncRequestOptions): Promise<MaestroEvent[]> {
  const { sourceId, consumerName } = options;
  const request = (hashes: StatusHashEntry[]) =>
    createStatusResyncRequest(hashes, { source: sourceId, clusterName: consumerName });
  const overheadBytes = Buffer.byteLength(JSON.stringify(toJsonEvent(request([])))) + OVERHEAD_MARGIN_BYTES;
  const entries = await consumerStatusHashes(options.pool, consumerName);
  return splitIntoBatches(entries, {
    maxBytes: options.maxMessageBytes,
    overheadBytes,
    maxItems: RESYNC_BATCH_SIZE,
  }).map(request);
}
