/**
 * Splits a list (resync hashes, resource versions) into consecutive batches whose encoded message
 * stays under a broker's byte budget, so a large resync never hits a broker limit (512 KiB on MQTT,
 * 128 KiB on AWS IoT Core). The size of a batch is that of the JSON array of its items plus a fixed
 * overhead for the rest of the message (envelope, attributes), measured once per item, not per batch.
 */
import { MaestroError } from '../common/errors.ts';

/** Options for {@link splitIntoBatches}. */
export interface BatchBudget {
  /** Largest message in bytes (e.g. the transport's max message size). */
  maxBytes: number;
  /**
   * Bytes of the message besides the items (attributes, the wrapping object). Measure it by encoding
   * the message with an empty list, plus a margin for values that vary between batches.
   */
  overheadBytes: number;
  /** Largest number of items per batch (upstream uses 1000 for status resyncs); default unlimited. */
  maxItems?: number;
}

/**
 * Returns the items in order, grouped so that `overheadBytes + bytes(JSON array of the batch)` stays
 * within `maxBytes` and each batch holds at most `maxItems`. An empty list gives one empty batch (an
 * empty resync still has to be sent). Throws `RESOURCE_EXHAUSTED` when a single item cannot fit.
 */
export function splitIntoBatches<T>(items: readonly T[], budget: BatchBudget): T[][] {
  const maxItems = budget.maxItems ?? Number.POSITIVE_INFINITY;
  const available = budget.maxBytes - budget.overheadBytes - 2; // the array's brackets
  const batches: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const [index, item] of items.entries()) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (size > available) {
      throw new MaestroError(
        'RESOURCE_EXHAUSTED',
        `item ${index} is ${size} bytes, more than the ${available} bytes a ${budget.maxBytes}-byte message leaves for it`,
      );
    }
    const cost = size + (current.length > 0 ? 1 : 0); // a comma between items
    if (current.length > 0 && (used + cost > available || current.length >= maxItems)) {
      batches.push(current);
      current = [];
      used = 0;
    }
    used += current.length > 0 ? size + 1 : size;
    current.push(item);
  }
  batches.push(current);
  return batches;
}
