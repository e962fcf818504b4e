/** Encoded data as stored: a string for a text codec, a Buffer for a binary one. */
export type StoredData = string | Buffer;

/** How long a written key lives: ms, `'keep'` (its current lifetime), or `undefined` (for ever). */
export type WriteTtl = number | 'keep' | undefined;

/** One write of a transaction. */
export type TxnWrite = { kind: 'set'; key: string; data: StoredData; ttl: WriteTtl } | { kind: 'delete'; key: string };

/**
 * One optimistic attempt: everything read through it is watched, and
 * `commit` applies the writes all together only if none of it changed
 * since (WATCH … MULTI … EXEC on Redis; versions in memory).
 */
export interface Txn {
  /** Reads a key and watches it. */
  read(key: string, binary: boolean): Promise<StoredData | undefined>;
  /** The remaining lifetime of a key already read in this attempt, in ms; undefined when it has none (or is gone). */
  ttlMs(key: string): Promise<number | undefined>;
  /** Applies `writes` atomically; false when something read meanwhile changed (nothing was written). */
  commit(writes: readonly TxnWrite[]): Promise<boolean>;
}

/** One page of SCAN: keys (complete repository keys) and the cursor to continue from (`'0'`: done). */
export interface ScanPage {
  cursor: string;
  keys: string[];
  /**
   * The cursor that reads this same step again, when it is not the one
   * given (on a Cluster, `'0'` names no node, and a token whose node failed
   * over names the wrong one): a page that ends inside the step resumes from it.
   */
  step?: string;
  /** The cursor's step could not be read again (on a Cluster, its node failed over): this is a fresh start of it. */
  restarted?: boolean;
}

/**
 * Where records live: Redis, or the in-process keyspace of `memory://`.
 * Keys are complete repository keys (`users:r:<id>`); the client adds its
 * own `keyPrefix` underneath.
 */
export interface RecordBackend {
  get(key: string, binary: boolean): Promise<StoredData | undefined>;
  exists(key: string): Promise<boolean>;
  set(key: string, data: StoredData, ttlMs: number | undefined): Promise<void>;
  /** Writes only when the key does not exist; false when it did. */
  setIfAbsent(key: string, data: StoredData, ttlMs: number | undefined): Promise<boolean>;
  /** Deletes; whether the key existed. */
  delete(key: string): Promise<boolean>;
  /** One SCAN step over the keys starting with `prefix` (on a Cluster, of every primary in turn). */
  scan(prefix: string, cursor: string, count: number): Promise<ScanPage>;
  /**
   * Runs `fn` with a way to start attempts, on one connection for all of
   * them (a lease on Redis), so retries do not queue for the pool again.
   * `key` is the record's: on a Cluster the lease is on its slot's node.
   */
  transaction<T>(key: string, fn: (begin: () => Txn) => Promise<T>): Promise<T>;
}
