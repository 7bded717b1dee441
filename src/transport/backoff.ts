/**
 * Exponential reconnect backoff with jitter, as upstream's clients use (base delay, multiplier,
 * random jitter, cap), so many agents that lose the same broker do not reconnect in lock-step.
 */

/** Reconnect delays; every field has a default. */
export interface BackoffOptions {
  /** First delay; default 1000 ms. */
  initialMs?: number;
  /** Largest delay; default 60000 ms. */
  maxMs?: number;
  /** Growth per attempt; default 2. */
  multiplier?: number;
  /** Random extra fraction of the delay, 0..1; default 0.5 (a delay `d` becomes `d..1.5d`). */
  jitter?: number;
}

/** A backoff sequence. */
export interface Backoff {
  /** The next delay in milliseconds (grows until {@link BackoffOptions.maxMs}). */
  next(): number;
  /** Starts over from the initial delay (call after a successful connection). */
  reset(): void;
}

/** Creates a {@link Backoff}; `random` is injectable for tests. */
export function createBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const initialMs = options.initialMs ?? 1000;
  const maxMs = Math.max(options.maxMs ?? 60_000, initialMs);
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.5;
  let base = initialMs;
  return {
    next() {
      const delay = Math.min(maxMs, Math.round(base * (1 + jitter * random())));
      base = Math.min(maxMs, base * multiplier);
      return delay;
    },
    reset() {
      base = initialMs;
    },
  };
}
