import { callSafely } from '../lifecycle/call-safely.js';
import { WrongTypeError } from '../errors.js';
import type { Codec } from './codecs/codec.js';
import { CacheDecodeError, CacheEncodeError } from './errors.js';
import { FallbackPolicy } from '../fallback/fallback-policy.js';
import type { FallbackRouter } from './fallback-router.js';
import type { KeyLayout } from './key-layout.js';
import type { MemoryStore, StoredData, StoredEntry } from './memory-store.js';
import type { NearCache } from './near/near-cache.js';
import type { RedisStore } from './redis-store.js';
import type { CacheCounters } from './stats.js';

/** A value found by a read, with where it came from and how long it still lives. */
export interface Hit<V> {
  value: V;
  /** Remaining TTL in ms (Infinity: none). Exact only for reads made with `withTtl`. */
  remainingMs: number;
  source: 'near' | 'redis' | 'memory';
}

export interface CacheCoreParts<V> {
  layout: KeyLayout;
  codec: Codec<V>;
  counters: CacheCounters;
  memory: MemoryStore;
  store: RedisStore;
  router: FallbackRouter;
  near: NearCache<V> | undefined;
  /** The near-cache's invalidations come on the lanes (OPTIN tracking): reads it may keep ask for tracking. */
  trackedReads: boolean;
  /** Whether an operation Redis cannot serve is answered from memory (`fallback: 'memory'`). */
  fallback: boolean;
  onError: ((error: Error) => void) | undefined;
}

/**
 * The tiers under every cache operation, for keys already turned into data
 * keys: the near-cache (when on), then Redis, or the memory store when the
 * router says so or Redis is unreachable for this call. Encoding and decoding
 * happen here. Reads are not counted as hits or misses here: callers count
 * what their callers see.
 */
export class CacheCore<V> {
  readonly layout: KeyLayout;
  readonly codec: Codec<V>;
  readonly counters: CacheCounters;
  readonly memory: MemoryStore;
  readonly store: RedisStore;
  readonly router: FallbackRouter;
  readonly near: NearCache<V> | undefined;
  /** Redis, else memory for this call (when the cache has a fallback), counted either way. */
  readonly policy: FallbackPolicy;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #trackedReads: boolean;

  constructor(parts: CacheCoreParts<V>) {
    this.#trackedReads = parts.trackedReads;
    this.layout = parts.layout;
    this.codec = parts.codec;
    this.counters = parts.counters;
    this.memory = parts.memory;
    this.store = parts.store;
    this.router = parts.router;
    this.near = parts.near;
    this.#onError = parts.onError;
    this.policy = new FallbackPolicy(parts.fallback, {
      onFallback: () => {
        this.counters.fallbackOps++;
      },
      onFailure: () => {
        this.counters.errors++;
      },
    });
  }

  /** Encodes before anything is written, so a value that cannot be stored leaves every store untouched. */
  encode(value: V): StoredData {
    const kind = typeof value;
    if (value === undefined || kind === 'function' || kind === 'symbol') {
      this.counters.errors++;
      throw new CacheEncodeError(this.codec.name, `a value of type ${kind} cannot be cached (a miss could not be told from it)`);
    }
    try {
      return this.codec.encode(value);
    } catch (error) {
      this.counters.errors++;
      const reason = error instanceof Error ? error.message : String(error);
      throw new CacheEncodeError(this.codec.name, `the ${this.codec.name} codec cannot encode this value: ${reason}`, { cause: error });
    }
  }

  /** Reads through the tiers below the near-cache. `withTtl` asks for the exact remaining TTL. */
  async read(key: string, withTtl: boolean): Promise<Hit<V> | undefined> {
    if (this.router.useMemoryFor(key)) return this.#readMemory(key);
    const near = this.near;
    const ticket = near?.begin(key);
    // Only a read that may be kept (begun while live) asks the server to track its key.
    const tracked = this.#trackedReads && ticket !== undefined && ticket.epoch >= 0;
    const outcome = await this.policy.run(
      async (): Promise<{ entry: StoredEntry | undefined; keep: boolean } | 'malformed'> => {
        try {
          if (tracked) {
            const read = await this.store.readTracked(key);
            return { entry: read.entry, keep: read.tracked };
          }
          // With a near-cache the TTL is always read: a kept entry must not outlive the key.
          return { entry: await this.store.read(key, withTtl || near !== undefined), keep: true };
        } catch (error) {
          if (ticket !== undefined) near?.finish(ticket);
          if (!(error instanceof WrongTypeError)) throw error;
          this.#malformed(key, error);
          return 'malformed';
        }
      },
      () => 'memory' as const,
    );
    if (outcome === 'memory') return this.#readMemory(key);
    if (outcome === 'malformed') return undefined;
    const entry = outcome.entry;
    this.router.noteRedisSuccess();
    const value = entry === undefined ? undefined : this.#decode(key, entry.data);
    if (entry === undefined || value === undefined) {
      if (ticket !== undefined) near?.finish(ticket);
      return undefined;
    }
    if (ticket !== undefined) near?.finish(ticket, outcome.keep ? { value, remainingMs: entry.remainingMs } : undefined);
    return { value, remainingMs: entry.remainingMs, source: 'redis' };
  }

  async write(key: string, data: StoredData, ttlMs: number): Promise<void> {
    this.near?.forget(key);
    if (this.router.useMemoryFor(key)) {
      this.#writeMemory(key, data, ttlMs);
      return;
    }
    try {
      const reached = await this.policy.run(
        () => this.store.write(key, data, ttlMs).then(() => true),
        () => {
          this.#writeMemory(key, data, ttlMs);
          return false;
        },
      );
      if (reached) this.router.noteRedisSuccess();
    } finally {
      // Reads that began during the write may carry the old value: void them too.
      this.near?.forget(key);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.near?.forget(key);
    if (this.router.useMemoryFor(key)) return this.#deleteMemory(key);
    try {
      return await this.policy.run(
        async () => {
          const existed = await this.store.delete(key);
          this.router.noteRedisSuccess();
          return existed;
        },
        () => this.#deleteMemory(key),
      );
    } finally {
      this.near?.forget(key);
    }
  }

  async has(key: string): Promise<boolean> {
    if (this.near?.get(key, performance.now()) !== undefined) return true;
    if (this.router.useMemoryFor(key)) return this.memory.has(key);
    return this.policy.run(
      () => this.store.exists(key),
      () => this.memory.has(key),
    );
  }

  /** Removes the namespace from Redis (SCAN + UNLINK) and from memory; returns how many entries went. */
  async clear(): Promise<number> {
    this.near?.reset();
    if (this.router.active) return this.#clearMemory();
    try {
      return await this.policy.run(
        async () => {
          const removed = await this.store.clear(this.layout.scanPattern);
          this.router.noteRedisSuccess();
          return removed;
        },
        () => this.#clearMemory(),
      );
    } finally {
      this.near?.reset();
    }
  }

  /** Counts an error the cache handled itself and tells `onError`. */
  report(error: unknown): void {
    this.counters.errors++;
    this.notify(error);
  }

  /** Tells `onError` without counting (the error was counted where it happened). */
  notify(error: unknown): void {
    const handler = this.#onError;
    if (handler === undefined) return;
    // A throwing handler must not break the cache's bookkeeping.
    callSafely(() => handler(error instanceof Error ? error : new Error(String(error))));
  }

  #readMemory(key: string): Hit<V> | undefined {
    const entry = this.memory.get(key);
    if (entry === undefined) return undefined;
    const value = this.#decode(key, entry.data);
    return value === undefined ? undefined : { value, remainingMs: entry.remainingMs, source: 'memory' };
  }

  #writeMemory(key: string, data: StoredData, ttlMs: number): void {
    this.memory.set(key, data, ttlMs);
    this.router.noteMemoryWrite(key);
  }

  #deleteMemory(key: string): boolean {
    const existed = this.memory.delete(key);
    this.router.noteMemoryWrite(key);
    return existed;
  }

  #clearMemory(): number {
    const removed = this.memory.clear();
    this.router.noteMemoryClear();
    return removed;
  }

  /** Malformed data is a miss plus a counted error, never a crash. */
  #decode(key: string, data: StoredData): V | undefined {
    try {
      return this.codec.decode(data);
    } catch (error) {
      this.#malformed(key, error);
      return undefined;
    }
  }

  #malformed(key: string, cause: unknown): void {
    this.counters.decodeErrors++;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.report(
      new CacheDecodeError(
        this.codec.name,
        this.layout.callerKey(key),
        `cached data cannot be decoded by the ${this.codec.name} codec: ${reason}`,
        {
          cause,
        },
      ),
    );
  }
}
