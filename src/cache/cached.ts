import { CacheKeyError } from './errors.js';
import type { CacheKey } from './key-layout.js';
import { stableKey } from './stable-key.js';

export interface CachedOptions<A extends unknown[]> {
  /**
   * How a call's key is made. A string names the function: the key is
   * `<name>:<stable text of the arguments>` (see below). A function builds
   * the whole key from the arguments itself. Default: the function's `name`;
   * an anonymous function must be given one.
   *
   * The stable text sorts object properties, so `{a, b}` and `{b, a}` share
   * an entry, and refuses functions, symbols and cycles with
   * `CacheKeyError`. Above 200 characters it is replaced by a SHA-256.
   *
   * Pitfall: two `cached()` functions with the same name in one namespace
   * share entries; name them apart.
   */
  key?: string | ((...args: A) => CacheKey);
  /** TTL of each result in ms; default: the cache's `ttlMs`. */
  ttlMs?: number;
  /** Stale-while-revalidate window in ms; default: the cache's. */
  staleWhileRevalidateMs?: number;
}

/** A memoized function: call it like the original; results come from the cache. */
export interface CachedFunction<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** The cache key a call with these arguments uses. */
  keyFor(...args: A): string;
  /** Drops the cached result of a call with these arguments; true if there was one. */
  invalidate(...args: A): Promise<boolean>;
}

/** What `cached()` needs from the cache. */
export interface WrapTarget<V> {
  wrap<T extends V>(key: CacheKey, loader: () => T | Promise<T>, options?: { ttlMs?: number; staleWhileRevalidateMs?: number }): Promise<T>;
  delete(key: CacheKey): Promise<boolean>;
}

/** Builds the decorator form of `wrap()`. */
export function makeCached<V, A extends unknown[], R extends V>(
  cache: WrapTarget<V>,
  fn: (...args: A) => R | Promise<R>,
  options: CachedOptions<A> = {},
): CachedFunction<A, R> {
  const keyOption = options.key ?? fn.name;
  if (keyOption === '') throw new CacheKeyError('cached(): an anonymous function needs options.key');
  const keyFor = (...args: A): string => {
    if (typeof keyOption === 'function') return String(keyOption(...args));
    return `${keyOption}:${stableKey(args)}`;
  };
  const wrapOptions = { ttlMs: options.ttlMs, staleWhileRevalidateMs: options.staleWhileRevalidateMs };
  const memoized = ((...args: A): Promise<R> => {
    let key: string;
    try {
      key = keyFor(...args);
    } catch (error) {
      return Promise.reject(error);
    }
    return cache.wrap(key, () => fn(...args), wrapOptions);
  }) as CachedFunction<A, R>;
  memoized.keyFor = keyFor;
  memoized.invalidate = (...args: A) => cache.delete(keyFor(...args));
  return memoized;
}
