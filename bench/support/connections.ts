/**
 * Opening and closing the Redis clients a benchmark drives, against its own server at {@link HOST}.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type CreateRedisOptions, createRedis, type RedisKit } from '../../src/index.js';
import { HOST } from './redis-server.js';

/**
 * A connected ioredis client on `port` of {@link HOST}.
 *
 * @param options - more ioredis options, e.g. `{ enableAutoPipelining: true }`
 */
export async function connectIoredis(port: number, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, ...options });
  await redis.connect();
  return redis;
}

/** QUIT, or drop the connection when QUIT fails. */
export async function quitIoredis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/**
 * A connected redis-kit client on `port` of {@link HOST}, ignoring `REDIS_*` from the environment.
 *
 * @param options - more redis-kit options, e.g. `{ lanes: 1 }`
 */
export async function connectKit(port: number, options: Omit<CreateRedisOptions, 'env' | 'url'> = {}): Promise<RedisKit> {
  const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}`, ...options });
  await redis.connect();
  return redis;
}
