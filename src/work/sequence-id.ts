/**
 * Snowflake sequence ids for status events (protocol.md §12.1; upstream uses `bwmarrin/snowflake`):
 * `(ms since 1288834974657) << 22 | node << 12 | step`, sent as a decimal string. Maestro and source
 * clients use them to drop status updates that arrive out of order.
 */
import { MaestroError } from '../common/errors.ts';

/** The snowflake epoch (Twitter's, 2010-11-04T01:42:54.657Z), in Unix milliseconds. */
export const SNOWFLAKE_EPOCH_MS = 1288834974657;

/** The node id every upstream agent uses. */
export const DEFAULT_SNOWFLAKE_NODE = 1;

const NODE_BITS = 10n;
const STEP_BITS = 12n;
const MAX_NODE = (1 << Number(NODE_BITS)) - 1;
const STEP_MASK = (1n << STEP_BITS) - 1n;
const NODE_MASK = (1n << NODE_BITS) - 1n;
const TIME_SHIFT = NODE_BITS + STEP_BITS;
const MAX_ID = (1n << 63n) - 1n;

/** The parts of a sequence id. */
export interface SequenceIdParts {
  /** Unix time in milliseconds. */
  timestampMs: number;
  node: number;
  step: number;
}

/** Options for {@link SequenceIdGenerator}. */
export interface SequenceIdGeneratorOptions {
  /** Node id, 0–1023; default {@link DEFAULT_SNOWFLAKE_NODE}. */
  node?: number;
  /** Clock in Unix milliseconds; default a monotonic clock (immune to wall-clock steps back). */
  now?: () => number;
}

/** Issues strictly increasing snowflake ids. */
export class SequenceIdGenerator {
  readonly node: number;
  readonly #now: () => number;
  #lastMs = -1;
  #step = 0n;

  constructor(options: SequenceIdGeneratorOptions = {}) {
    const node = options.node ?? DEFAULT_SNOWFLAKE_NODE;
    if (!Number.isInteger(node) || node < 0 || node > MAX_NODE) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `snowflake node must be an integer in 0..${MAX_NODE}, got ${node}`,
      );
    }
    this.node = node;
    this.#now = options.now ?? monotonicNow;
  }

  /** The next id as a decimal string. */
  next(): string {
    return this.nextBigInt().toString();
  }

  /** The next id. */
  nextBigInt(): bigint {
    const now = Math.floor(this.#now());
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#step = 0n;
    } else {
      this.#step = (this.#step + 1n) & STEP_MASK;
      // bwmarrin spins until the next millisecond when 4096 ids were issued in one; borrowing that
      // millisecond instead keeps ids unique and ordered without blocking (the clock catches up).
      if (this.#step === 0n) this.#lastMs += 1;
    }
    return (
      (BigInt(this.#lastMs - SNOWFLAKE_EPOCH_MS) << TIME_SHIFT) |
      (BigInt(this.node) << STEP_BITS) |
      this.#step
    );
  }
}

/** Splits a sequence id (decimal string or bigint) into its parts. */
export function parseSequenceId(id: string | bigint): SequenceIdParts {
  const value = toBigInt(id);
  return {
    timestampMs: Number(value >> TIME_SHIFT) + SNOWFLAKE_EPOCH_MS,
    node: Number((value >> STEP_BITS) & NODE_MASK),
    step: Number(value & STEP_MASK),
  };
}

/**
 * Orders two sequence ids: -1 when `a` is older than `b`, 1 when newer, 0 when equal (time first, then
 * step). Ids from different nodes cannot be ordered; upstream treats that as an error, and so do we.
 */
export function compareSequenceIds(a: string | bigint, b: string | bigint): -1 | 0 | 1 {
  const left = parseSequenceId(a);
  const right = parseSequenceId(b);
  if (left.node !== right.node) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `sequence ids '${String(a)}' and '${String(b)}' are not from the same node (${left.node} and ${right.node})`,
    );
  }
  if (left.timestampMs !== right.timestampMs) return left.timestampMs < right.timestampMs ? -1 : 1;
  if (left.step !== right.step) return left.step < right.step ? -1 : 1;
  return 0;
}

function toBigInt(id: string | bigint): bigint {
  if (typeof id === 'bigint') {
    if (id >= 0n && id <= MAX_ID) return id;
  } else if (/^\d{1,19}$/.test(id)) {
    const value = BigInt(id);
    if (value <= MAX_ID) return value;
  }
  throw new MaestroError('INVALID_ARGUMENT', `invalid sequence id '${String(id)}'`);
}

function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}
