import { LRUCache } from 'lru-cache';
import type { SessionBackend } from './backend.js';

export interface MemoryBackendOptions {
  /** Most entries kept; the least recently used go first. */
  max: number;
  /** Clock in ms (any origin); TTLs are measured on it. */
  now: () => number;
}

/**
 * Sessions in this process (the development fallback), with the same TTL
 * semantics as Redis: a key lives its TTL from its last `set` or `expire`,
 * and an expired key is gone for `get`, `scan` and `delete` alike.
 */
export class MemorySessionBackend implements SessionBackend {
  readonly #cache: LRUCache<string, string>;

  constructor(options: MemoryBackendOptions) {
    this.#cache = new LRUCache<string, string>({
      max: options.max,
      // Every entry gets its own TTL in set(); this is only the required default.
      ttl: 1,
      // Per call, not cached per tick: tests move the clock between two calls.
      ttlResolution: 0,
      perf: { now: options.now },
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.#cache.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#cache.set(key, value, { ttl: ttlMs });
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const value = this.#cache.get(key);
    if (value === undefined) return false;
    this.#cache.set(key, value, { ttl: ttlMs });
    return true;
  }

  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) {
      // has() honours the TTL; delete() alone would count an expired entry as deleted.
      if (this.#cache.has(key)) deleted++;
      this.#cache.delete(key);
    }
    return deleted;
  }

  async *scan(namespace: string): AsyncIterable<string[]> {
    // keys() skips expired entries; collect first so a caller deleting while iterating is safe.
    const keys = [...this.#cache.keys()].filter((key) => key.startsWith(namespace));
    if (keys.length > 0) yield keys;
  }
}
