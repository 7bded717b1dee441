/**
 * Connection-state bookkeeping shared by every transport implementation: the current
 * {@link TransportState} and the `onStatus` listeners, so each transport only decides *when* to move.
 */
import type { Logger } from '../common/logger.ts';
import { errorMessage, MaestroError } from '../common/errors.ts';
import type { TransportState, TransportStatus } from './transport.ts';

/** Holds a transport's state and notifies its listeners. */
export interface StatusEmitter {
  /** The current state. */
  readonly state: TransportState;
  /**
   * Moves to `state` and notifies listeners. Repeating the current state is a no-op, except that
   * `connected` is never repeated without a state in between (so every `connected` is a resync signal).
   */
  set(state: TransportState, error?: Error): void;
  /**
   * Moves an `idle` transport to `connecting` (the first step of every `start()`); throws
   * FAILED_PRECONDITION naming `label` when it was started before.
   */
  claimStart(label: string): void;
  /** Registers a listener; returns a function that removes it. */
  onStatus(listener: (status: TransportStatus) => void): () => void;
}

/** Creates a {@link StatusEmitter} starting in `idle`. A listener that throws is logged and ignored. */
export function createStatusEmitter(logger: Logger): StatusEmitter {
  let state: TransportState = 'idle';
  const listeners = new Set<(status: TransportStatus) => void>();
  return {
    get state() {
      return state;
    },
    set(next, error) {
      if (next === state) return;
      state = next;
      const status: TransportStatus = error === undefined ? { state: next } : { state: next, error };
      for (const listener of [...listeners]) {
        try {
          listener(status);
        } catch (err) {
          logger.error({ err: errorMessage(err) }, 'transport status listener failed');
        }
      }
    },
    claimStart(label) {
      if (state !== 'idle') {
        throw new MaestroError('FAILED_PRECONDITION', `transport of ${label} already started`);
      }
      this.set('connecting');
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The promise a transport's `start()` returns, settled later from its connection callbacks: every
 * transport resolves it on its first `connected` and rejects it when it is refused or stopped first.
 */
export interface StartWaiter {
  /** True while a `start()` waits to be settled. */
  readonly pending: boolean;
  /** A new pending start; the promise `start()` returns. */
  wait(): Promise<void>;
  /** Resolves the pending start, or rejects it with `error`; a no-op when none is pending. */
  settle(error?: Error): void;
}

/** Creates a {@link StartWaiter} with nothing pending. */
export function createStartWaiter(): StartWaiter {
  let waiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  return {
    get pending() {
      return waiter !== undefined;
    },
    wait: () =>
      new Promise<void>((resolve, reject) => {
        waiter = { resolve, reject };
      }),
    settle(error) {
      const current = waiter;
      waiter = undefined;
      if (error === undefined) current?.resolve();
      else current?.reject(error);
    },
  };
}
