/**
 * What the keys on a benchmark's own server cost in Redis memory.
 */
import type { Redis } from 'ioredis';

/** The keys on the server, their memory and whether each has a TTL. */
export interface KeyMemory {
  keys: number;
  /** Sum of `MEMORY USAGE <key> SAMPLES 0` (every element counted, not sampled), bytes. */
  bytes: number;
  /** Whether every key has a TTL (PTTL > 0). */
  allExpire: boolean;
}

/**
 * Measures every key on the server. Uses KEYS, so only for a benchmark's own
 * server holding only what the benchmark just wrote.
 */
export async function keyMemory(redis: Redis): Promise<KeyMemory> {
  const keys = await redis.keys('*');
  let bytes = 0;
  let allExpire = true;
  for (const key of keys) {
    bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    if ((await redis.pttl(key)) <= 0) allExpire = false;
  }
  return { keys: keys.length, bytes, allExpire };
}
