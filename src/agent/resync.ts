/**
 * Both resync directions of the agent (agent.md §5.6, protocol.md §8):
 *
 * - on every (re)subscription the agent sends `spec.resync_request` with the generation of every work
 *   it holds, and the source answers with what changed (including deletions);
 * - a `status.resync_request` from the source lists status hashes; the agent answers with a
 *   `status.resync_response` for every work whose hash differs (an empty list means every work).
 */
import type { MaestroEvent } from '../cloudevents/event.ts';
import { errorMessage, MaestroError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { Transport } from '../transport/transport.ts';
import { parseStatusHashList } from '../work/resync.ts';
import type { AgentMetrics } from './metrics.ts';
import type { AgentEventCodec } from './runtime-types.ts';
import type { StatusReporter } from './status-reporter.ts';
import type { StoredVersion, WorkStore } from './work-store.ts';

/** Options for {@link createResyncHandler}. */
export interface ResyncHandlerOptions {
  store: WorkStore;
  transport: Transport;
  codec: AgentEventCodec;
  reporter: StatusReporter;
  metrics: AgentMetrics;
  logger: Logger;
}

/** See the module comment. */
export interface ResyncHandler {
  /**
   * Sends the spec resync request: every stored work's generation, plus `recovered` ids (works known
   * only from AppliedManifestWorks left by an earlier run) with version 0 so the source re-sends them,
   * or answers with a deletion for the ones it no longer has.
   */
  requestSpecResync(recovered?: readonly string[]): Promise<void>;
  /** Answers a `status.resync_request`. */
  answerStatusResync(event: MaestroEvent): Promise<void>;
}

/** Creates a {@link ResyncHandler}. */
export function createResyncHandler(options: ResyncHandlerOptions): ResyncHandler {
  const { store, transport, codec, reporter, metrics, logger } = options;

  return {
    async requestSpecResync(recovered = []) {
      const versions: StoredVersion[] = store.versions();
      const known = new Set(versions.map((v) => v.resourceID));
      for (const id of recovered) {
        if (!known.has(id)) versions.push({ resourceID: id, resourceVersion: 0 });
      }
      await transport.publish(codec.encodeSpecResyncRequest(versions));
      metrics.specResyncRequests.inc();
      logger.info({ works: versions.length }, 'spec resync requested');
    },

    async answerStatusResync(event) {
      metrics.statusResyncRequests.inc();
      const hashes = new Map(
        parseStatusHashList(event.data ?? {}).statusHashes.map((h) => [h.resourceID, h.statusHash]),
      );
      const works = store.list().filter((work) => {
        if (hashes.size === 0) return true;
        const listed = hashes.get(work.metadata.uid as string);
        return listed !== undefined && listed !== codec.statusHash(work.status);
      });
      logger.info({ requested: hashes.size, answering: works.length }, 'answering status resync');
      let failed = 0;
      for (const work of works) {
        try {
          await reporter.reportResync(work);
        } catch (err: unknown) {
          failed += 1;
          logger.warn({ uid: work.metadata.uid, err: errorMessage(err) }, 'status resync response not sent');
        }
      }
      if (failed > 0) {
        throw new MaestroError(
          'UNAVAILABLE',
          `status resync: ${failed} of ${works.length} responses not sent`,
        );
      }
    },
  };
}
