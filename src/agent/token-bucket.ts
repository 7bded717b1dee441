/**
 * A token-bucket rate limiter. The agent publishes through one (50 events/s, burst 100, as sdk-go's
 * CloudEvents publish limiter) so a burst of status changes cannot flood the broker.
 */

/** Options for {@link createTokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many tokens can be taken at once after a quiet period. */
  burst: number;
  /** Clock, for tests (default `Date.now`). */
  now?: () => number;
}

/** See the module comment. */
export interface TokenBucket {
  /** Resolves once a token is available (immediately when the bucket is not empty). */
  take(): Promise<void>;
}

/** Creates a full {@link TokenBucket}. Waiters are served in order. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const now = options.now ?? Date.now;
  let tokens = options.burst;
  let last = now();
  let tail: Promise<void> = Promise.resolve();

  const refill = (): void => {
    const t = now();
    tokens = Math.min(options.burst, tokens + ((t - last) / 1000) * options.ratePerSecond);
    last = t;
  };

  const takeOne = async (): Promise<void> => {
    refill();
    while (tokens < 1) {
      const waitMs = Math.ceil(((1 - tokens) / options.ratePerSecond) * 1000);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      refill();
    }
    tokens -= 1;
  };

  return {
    take() {
      const next = tail.then(takeOne);
      tail = next;
      return next;
    },
  };
}
