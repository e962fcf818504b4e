import { LRUCache } from 'lru-cache';
import type { MemoryStoreOptions } from './options.js';

/** What the memory store keeps: the codec's output, so readers get fresh copies as they would from Redis. */
export type StoredData = string | Buffer;

/** An entry read back: the data and how long it still lives (Infinity when it has no TTL). */
export interface StoredEntry {
  data: StoredData;
  remainingMs: number;
}

/**
 * The in-process store behind the memory fallback and `memory://`: an LRU
 * bounded in entries and in bytes (lru-cache), with a TTL per entry.
 */
export class MemoryStore {
  readonly #lru: LRUCache<string, StoredData>;

  constructor(options: Required<MemoryStoreOptions>) {
    this.#lru = new LRUCache<string, StoredData>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // Bytes of the data plus the key (UTF-16 code units are close enough for a bound).
      sizeCalculation: (data, key) => Math.max(1, (typeof data === 'string' ? Buffer.byteLength(data) : data.length) + key.length),
    });
  }

  get(key: string): StoredEntry | undefined {
    const data = this.#lru.get(key);
    if (data === undefined) return undefined;
    return { data, remainingMs: this.#lru.getRemainingTTL(key) };
  }

  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /** `ttlMs` 0 means no expiry. */
  set(key: string, data: StoredData, ttlMs: number): void {
    this.#lru.set(key, data, { ttl: ttlMs });
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  clear(): number {
    const count = this.#lru.size;
    this.#lru.clear();
    return count;
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}
