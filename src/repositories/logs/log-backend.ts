/** One stored entry before decoding: its id and the encoded value (undefined when the entry has no `v` field). */
export interface RawEntry {
  readonly id: string;
  readonly data: string | Buffer | undefined;
}

/** Exclusive bounds of a range read; absent means open-ended. */
export interface EntryBounds {
  readonly after?: string | undefined;
  readonly before?: string | undefined;
}

/** What a follow reads with while it holds its reader (for Redis: a leased connection). */
export interface BlockingReader {
  /** The newest entry's id, or undefined for an empty (or missing) log. */
  lastId(key: string): Promise<string | undefined>;
  /** Entries after `afterId`, at most `count`; waits up to `blockMs` for the first when there are none yet. */
  read(key: string, afterId: string, count: number, blockMs: number): Promise<RawEntry[]>;
  /**
   * Wakes a read that is waiting, so it returns no entries and the reader
   * can be given back clean. Resolves false when it could not (the read is
   * then aborted, which costs the connection).
   */
  interrupt(): Promise<boolean>;
}

/** Where a message log keeps its entries: Redis Streams, or process memory under `memory://`. */
export interface LogBackend {
  /** Appends one entry, trims to about `maxLen`, (re)sets the log's TTL; resolves the new id. */
  append(key: string, data: string | Buffer, maxLen: number | undefined, ttlMs: number | undefined): Promise<string>;
  /** Up to `count` entries within `bounds`, oldest first. */
  range(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]>;
  /** Up to `count` entries within `bounds`, newest first. */
  reverseRange(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]>;
  /**
   * Runs `fn` with a reader that may block on the log `key`, held until `fn`
   * settles or the signal fires (then it rejects with AbortedError and the
   * reader is let go). On a Cluster the reader is on `key`'s node.
   */
  withReader<T>(key: string, fn: (reader: BlockingReader) => Promise<T>, signal: AbortSignal): Promise<T>;
}

/** The stream field an entry's encoded value is stored in. */
export const VALUE_FIELD = 'v';
