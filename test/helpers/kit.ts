import { type CreateRedisOptions, createRedis, type RedisKit } from '../../src/index.js';

/**
 * The engine under test clients' lanes and leases: the default, redis-kit's
 * own (`'resp'`), unless `REDIS_ENGINE=ioredis npm test` runs the whole suite
 * on ioredis connections. The one variable read from the environment.
 */
export const testEngine: 'ioredis' | 'resp' = process.env.REDIS_ENGINE === 'ioredis' ? 'ioredis' : 'resp';

/**
 * A client for a test server with timeouts short enough for tests. The
 * environment is ignored (`env: {}`) so a developer's REDIS_* variables
 * cannot change what a test does; only {@link testEngine} is taken from it.
 */
export function kitFor(target: { url: string }, options: CreateRedisOptions = {}): RedisKit {
  return createRedis({
    env: {},
    engine: testEngine,
    url: target.url,
    connectTimeoutMs: 1000,
    socketTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    acquireTimeoutMs: 2000,
    retryMaxDelayMs: 200,
    ...options,
  });
}

/** Settles a promise into a value or the error it rejected with, for asserting on both. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}
