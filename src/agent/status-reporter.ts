/**
 * Publishes the agent's status events. An update is sent only when a work's status hash differs from
 * the last one the source accepted from us (upstream sends one per real status patch, agent.md §5.4),
 * every publish goes through the 50/s, burst 100 token bucket, and a failed publish leaves the hash
 * unrecorded so the next reconcile or status sync tries again.
 */
import type { Logger } from '../common/logger.ts';
import type { Transport } from '../transport/transport.ts';
import type { ManifestWork } from '../work/types.ts';
import type { AgentMetrics } from './metrics.ts';
import type { AgentEventCodec } from './runtime-types.ts';
import type { TokenBucket } from './token-bucket.ts';

/** Options for {@link createStatusReporter}. */
export interface StatusReporterOptions {
  transport: Transport;
  codec: AgentEventCodec;
  bucket: TokenBucket;
  metrics: AgentMetrics;
  logger: Logger;
}

/** See the module comment. */
export interface StatusReporter {
  /**
   * Publishes `status.update_request` when the work's status changed since the last publish; resolves
   * whether an event was sent. Rejects when publishing fails.
   */
  reportIfChanged(work: ManifestWork): Promise<boolean>;
  /** Publishes `status.resync_response` for the work whatever its hash. */
  reportResync(work: ManifestWork): Promise<void>;
  /** Publishes the final status with `Deleted=True`. */
  reportDeleted(work: ManifestWork): Promise<void>;
  /** Forgets what was published for a work (after the deletion handshake). */
  forget(uid: string): void;
}

/** Creates a {@link StatusReporter}. */
export function createStatusReporter(options: StatusReporterOptions): StatusReporter {
  const { transport, codec, bucket, metrics } = options;
  const published = new Map<string, string>();
  const logger = options.logger;

  const publish = async (
    work: ManifestWork,
    type: string,
    build: () => ReturnType<AgentEventCodec['encodeDeleted']>,
  ) => {
    await bucket.take();
    const event = build();
    try {
      await transport.publish(event);
      metrics.statusEventsPublished.inc({ type, result: 'ok' });
      logger.debug({ uid: work.metadata.uid, type, sequenceid: event.sequenceid }, 'status published');
    } catch (err: unknown) {
      metrics.statusEventsPublished.inc({ type, result: 'error' });
      throw err;
    }
  };

  return {
    async reportIfChanged(work) {
      if (work.status === undefined) return false;
      const uid = work.metadata.uid as string;
      const hash = codec.statusHash(work.status);
      if (published.get(uid) === hash) return false;
      await publish(work, 'update_request', () => codec.encodeStatus(work, 'update_request'));
      published.set(uid, hash);
      return true;
    },
    async reportResync(work) {
      await publish(work, 'resync_response', () => codec.encodeStatus(work, 'resync_response'));
      published.set(work.metadata.uid as string, codec.statusHash(work.status));
    },
    async reportDeleted(work) {
      await publish(work, 'deleted', () => codec.encodeDeleted(work));
    },
    forget(uid) {
      published.delete(uid);
    },
  };
}
