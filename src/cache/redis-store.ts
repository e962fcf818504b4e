import type { RedisClient } from '../client/client.js';
import { kLaneBatch } from '../client/internal.js';
import { Script } from '../commands/script.js';
import { ConnectionLostError } from '../errors.js';
import type { StoredData, StoredEntry } from './memory-store.js';

/** Deletes the lock only if it still holds our token: a lock that expired and was taken by another process is not ours to delete. */
const releaseLock = new Script<number>({
  name: 'cache-lock-release',
  numberOfKeys: 1,
  lua: "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
});

/** Extends the lock only if it still holds our token. */
const extendLock = new Script<number>({
  name: 'cache-lock-extend',
  numberOfKeys: 1,
  lua: "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0",
});

/** UNLINK this many keys per command when clearing. */
const UNLINK_BATCH = 500;

/**
 * The cache's Redis commands, one method each. Keys are data keys without the
 * client's prefix (the client adds it). Multi-key commands are avoided except
 * in `clear()`, so the cache works in cluster mode where keys of one call may
 * live on different slots.
 */
export class RedisStore {
  readonly #redis: RedisClient;
  readonly #binary: boolean;

  constructor(redis: RedisClient, binary: boolean) {
    this.#redis = redis;
    this.#binary = binary;
  }

  /** The data and, when `withTtl`, its remaining time to live (Infinity without a TTL). */
  async read(key: string, withTtl: boolean): Promise<StoredEntry | undefined> {
    const get = this.#redis.sendCommand('get', [key], this.#binary ? { buffer: true } : undefined) as Promise<StoredData | null>;
    if (!withTtl) {
      const data = await get;
      return data === null ? undefined : { data, remainingMs: Number.POSITIVE_INFINITY };
    }
    // Sent back to back on the lanes (auto-pipelined): about the cost of one round trip.
    const [data, pttl] = await Promise.all([get, this.#redis.sendCommand('pttl', [key]) as Promise<number>]);
    if (data === null) return undefined;
    // -1: no TTL. -2: the key went away between the two commands; treat it as expiring now.
    return { data, remainingMs: pttl === -1 ? Number.POSITIVE_INFINITY : Math.max(0, pttl) };
  }

  /**
   * A read the near-cache may keep, on lanes that track in OPTIN mode:
   * `CLIENT CACHING YES`, GET, PTTL written together on one lane, so the
   * server tracks this key for that connection and nothing else slips in
   * between. `tracked` is false when the server did not take CLIENT CACHING
   * (tracking not on there): the value is then returned but not kept.
   */
  async readTracked(key: string): Promise<{ entry: StoredEntry | undefined; tracked: boolean }> {
    let replies: Awaited<ReturnType<RedisClient[typeof kLaneBatch]>>;
    try {
      // Counted as the GET it is, not as a pipeline.
      replies = await this.#redis[kLaneBatch](
        [
          ['client', 'caching', 'yes'],
          [this.#binary ? 'getBuffer' : 'get', key],
          ['pttl', key],
        ],
        'get',
      );
    } catch (error) {
      // Lost after it was written: a batch with CLIENT in it is not resent, a plain read is (and is not kept).
      if (!(error instanceof ConnectionLostError)) throw error;
      return { entry: await this.read(key, true), tracked: false };
    }
    const [caching, get, pttl] = replies ?? [];
    if (get === undefined || pttl === undefined) throw new ConnectionLostError(`the tracked read of ${key} got no reply`);
    if (get[0] !== null) throw get[0];
    if (pttl[0] !== null) throw pttl[0];
    const data = get[1] as StoredData | null;
    const remaining = pttl[1] as number;
    const tracked = caching !== undefined && caching[0] === null;
    if (data === null) return { entry: undefined, tracked };
    return { entry: { data, remainingMs: remaining === -1 ? Number.POSITIVE_INFINITY : Math.max(0, remaining) }, tracked };
  }

  async write(key: string, data: StoredData, ttlMs: number): Promise<void> {
    await this.#redis.sendCommand('set', ttlMs > 0 ? [key, data, 'PX', ttlMs] : [key, data]);
  }

  async delete(key: string): Promise<boolean> {
    return ((await this.#redis.sendCommand('unlink', [key])) as number) > 0;
  }

  async exists(key: string): Promise<boolean> {
    return ((await this.#redis.sendCommand('exists', [key])) as number) > 0;
  }

  /** Removes every key matching `pattern` (SCAN + UNLINK, never KEYS); returns how many were removed. */
  async clear(pattern: string): Promise<number> {
    let removed = 0;
    let batch: string[] = [];
    for await (const key of this.#redis.scanKeys(pattern)) {
      batch.push(key);
      if (batch.length >= UNLINK_BATCH) {
        removed += await this.#unlink(batch);
        batch = [];
      }
    }
    if (batch.length > 0) removed += await this.#unlink(batch);
    return removed;
  }

  /** SET NX PX: true when this token now holds the lock. */
  async acquireLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.sendCommand('set', [lockKey, token, 'PX', ttlMs, 'NX'])) === 'OK';
  }

  async releaseLock(lockKey: string, token: string): Promise<boolean> {
    return (await releaseLock.run(this.#redis, [lockKey], [token])) === 1;
  }

  async extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return (await extendLock.run(this.#redis, [lockKey], [token, ttlMs])) === 1;
  }

  async lockHeld(lockKey: string): Promise<boolean> {
    return this.exists(lockKey);
  }

  /** Keys of one SCAN page may hash to different cluster slots: one UNLINK each there, one for all otherwise. */
  async #unlink(keys: string[]): Promise<number> {
    if (this.#redis.options.mode !== 'cluster') return (await this.#redis.sendCommand('unlink', keys)) as number;
    const counts = await Promise.all(keys.map((key) => this.#redis.sendCommand('unlink', [key]) as Promise<number>));
    return counts.reduce((sum, count) => sum + count, 0);
  }
}
