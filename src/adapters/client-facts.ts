import type { RedisKit } from '../index.js';

/*
 * The only two facts the adapters read from the client's configuration, kept
 * here so the adapters depend on one place if the client's shape changes.
 */

/** `memory://`: there is no Redis at all, the services run on their fallbacks. */
export function isMemoryMode(redis: RedisKit): boolean {
  return redis.options.mode === 'memory';
}

/** How far apart the breaker's probes are: it cannot close sooner than the next one. */
export function probeIntervalMs(redis: RedisKit): number {
  return redis.options.breakerProbeIntervalMs;
}
