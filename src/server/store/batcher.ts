/**
 * Group commit: callers submit one item each and await its own result, while the batcher runs the
 * queued items together (one transaction per batch). Under load items pile up while a batch is in
 * flight and the next batch takes them all, so throughput grows with load without any timer or
 * added latency when idle.
 */

/** The outcome of one item in a batch: its value, or the error that item (alone) failed with. */
export type BatchOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** Options for {@link createBatcher}. */
export interface BatcherOptions<I, O> {
  /** Runs one batch; returns one outcome per item, in order. A rejection fails every item. */
  run(items: readonly I[]): Promise<BatchOutcome<O>[]>;
  /** Largest batch; default 500. */
  maxBatchSize?: number;
  /** Batches allowed in flight at once; default 2. */
  maxConcurrency?: number;
}

/** Submits items to be run in batches. */
export interface Batcher<I, O> {
  /** Queues `item`; resolves with its outcome once its batch is done. */
  submit(item: I): Promise<O>;
  /** Resolves once nothing is queued or running. */
  drain(): Promise<void>;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/** Creates a {@link Batcher}. */
export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  const maxBatchSize = options.maxBatchSize ?? 500;
  const maxConcurrency = options.maxConcurrency ?? 2;
  const queue: Pending<I, O>[] = [];
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const pump = (): void => {
    while (running < maxConcurrency && queue.length > 0) {
      const batch = queue.splice(0, maxBatchSize);
      running += 1;
      void runBatch(batch).finally(() => {
        running -= 1;
        if (running === 0 && queue.length === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
        pump();
      });
    }
  };

  const runBatch = async (batch: Pending<I, O>[]): Promise<void> => {
    try {
      const outcomes = await options.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) p.reject(new Error('batch returned no outcome for an item'));
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      });
    } catch (err: unknown) {
      for (const p of batch) p.reject(err);
    }
  };

  return {
    submit: (item) =>
      new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      }),
    drain: () =>
      running === 0 && queue.length === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r)),
  };
}
