/**
 * A byte-bounded, least-recently-used cache of byte strings by key, each entry valid for one
 * version stamp of its key. The REST layer keeps presented resource bundles in it (UTF-8 JSON): a
 * bundle unchanged since it was last presented is served without reading its payload from
 * PostgreSQL or rendering it again. Entries are Buffers, not strings: their bytes live outside the
 * JavaScript heap, so tens of megabytes of cached bundles add almost nothing to what every major
 * garbage collection marks and compacts, and a page is one copy of them into the response body.
 */

/** Default bound of the presented-bundle cache: 64 MiB (some 20,000 bundles of 3 KB). */
export const DEFAULT_BUNDLE_CACHE_BYTES = 64 * 1024 * 1024;

/** Options for {@link createStampedBufferCache}. */
export interface StampedBufferCacheOptions {
  /** Most bytes kept (0 keeps nothing). */
  maxBytes: number;
}

/** See {@link createStampedBufferCache}. */
export interface StampedBufferCache {
  /** The bytes stored for `key` at `stamp`, or undefined (absent, or stored at another stamp). */
  get(key: string, stamp: string): Buffer | undefined;
  /** Stores `value` for `key` at `stamp`, replacing what `key` had, evicting the least recently used. */
  set(key: string, stamp: string, value: Buffer): void;
  /** Bytes held (the values' lengths). */
  readonly bytes: number;
  /** Entries held. */
  readonly size: number;
}

interface Entry {
  stamp: string;
  value: Buffer;
}

/**
 * Creates a cache holding at most `maxBytes` of values (keys and bookkeeping, small next to a
 * presented bundle, are not counted). One entry per key: storing a key's new
 * version replaces the old one, so outdated versions never take space. Recency is the `Map`'s
 * insertion order (a hit re-inserts its entry), so eviction takes entries from the front.
 */
export function createStampedBufferCache(options: StampedBufferCacheOptions): StampedBufferCache {
  const entries = new Map<string, Entry>();
  let bytes = 0;

  const remove = (key: string, entry: Entry): void => {
    entries.delete(key);
    bytes -= entry.value.length;
  };

  return {
    get(key, stamp) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.stamp !== stamp) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, stamp, value) {
      const previous = entries.get(key);
      if (previous !== undefined) remove(key, previous);
      if (value.length > options.maxBytes) return;
      entries.set(key, { stamp, value });
      bytes += value.length;
      for (const [oldest, old] of entries) {
        if (bytes <= options.maxBytes) break;
        remove(oldest, old);
      }
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
