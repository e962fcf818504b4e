import type { RedisClient } from '../client/client.js';
import { escapeGlob } from '../keys/key-encoding.js';
import type { SessionBackend } from './backend.js';

/** SCAN COUNT hint, and how many keys `all()`/`clear()` handle at a time. */
const BATCH = 500;

/**
 * Sessions in Redis. Multi-key work is done one key per command: the lanes
 * write them back to back anyway, and single-key commands never fail with
 * CROSSSLOT on a cluster.
 */
export class RedisSessionBackend implements SessionBackend {
  readonly #redis: RedisClient;

  constructor(redis: RedisClient) {
    this.#redis = redis;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#redis.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#redis.set(key, value, 'PX', ttlMs);
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.pexpire(key, ttlMs)) === 1;
  }

  async delete(keys: readonly string[]): Promise<number> {
    const counts = await Promise.all(keys.map((key) => this.#redis.unlink(key)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  async *scan(namespace: string): AsyncIterable<string[]> {
    // The namespace is configuration, not input, but it may still hold glob characters: escape them.
    let batch: string[] = [];
    for await (const key of this.#redis.scanKeys(`${escapeGlob(namespace)}*`, { count: BATCH })) {
      batch.push(key);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
