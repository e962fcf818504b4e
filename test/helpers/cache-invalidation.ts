import type { Cache } from '../../src/cache/index.js';
import { withTimeout } from './wait-for.js';

/** Resolves when Redis has told the cache that `key` changed (null: everything); fails after 5 s. */
export function invalidation(cache: Cache<unknown>, key: string | null): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const listener = (changed: string | null) => {
        if (changed !== key) return;
        cache.off('invalidate', listener);
        resolve();
      };
      cache.on('invalidate', listener);
    }),
    5000,
    `the invalidation of ${key}`,
  );
}
