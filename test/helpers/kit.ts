import { type CreateRedisOptions, createRedis, type RedisKit } from '../../src/index.js';

/**
 * A client for a test server with timeouts short enough for tests. The
 * environment is ignored (`env: {}`) so a developer's REDIS_* variables
 * cannot change what a test does.
 */
export function kitFor(target: { url: string }, options: CreateRedisOptions = {}): RedisKit {
  return createRedis({
    env: {},
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
