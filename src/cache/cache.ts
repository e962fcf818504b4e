import type { RedisClient } from '../client/client.js';
import { kOwnResource } from '../client/internal.js';
import { callSafely } from '../lifecycle/call-safely.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { CacheCore } from './cache-core.js';
import { type CachedFunction, type CachedOptions, makeCached } from './cached.js';
import { FallbackRouter } from './fallback-router.js';
import { type CacheKey, KeyLayout } from './key-layout.js';
import { MemoryStore, type StoredData } from './memory-store.js';
import { nearCacheHub } from './near/cluster-invalidation-hub.js';
import { NearCache } from './near/near-cache.js';
import { type CacheOptions, checkTtl, type ResolvedCacheOptions, resolveCacheOptions } from './options.js';
import { RedisStore } from './redis-store.js';
import { CacheCounters, type CacheStats } from './stats.js';
import { WrapLoader } from './wrap-loader.js';

export interface CacheEvents {
  /** Redis became unreachable (the client's breaker opened): the cache now uses its memory store. */
  fallback: [error: Error];
  /** Redis stayed reachable for `recoverAfterMs`: the cache is back on Redis, the memory store cleared. */
  recovered: [];
  /** The near-cache started (true) or stopped (false) serving: tracking established, or lost. */
  nearCache: [live: boolean];
  /** Redis told the near-cache that this key (the caller's key) changed; `null`: everything was dropped. */
  invalidate: [key: string | null];
}

export interface SetOptions {
  /** TTL of this entry in ms (0: no expiry); default: the cache's `ttlMs`. */
  ttlMs?: number;
}

export interface WrapOptions {
  /** TTL of the loaded value in ms (0: no expiry); default: the cache's `ttlMs`. */
  ttlMs?: number;
  /** Stale-while-revalidate window in ms; default: the cache's `staleWhileRevalidateMs`. */
  staleWhileRevalidateMs?: number;
}

/** One entry of `setMany()`. */
export interface CacheEntry<V> {
  key: CacheKey;
  value: V;
  /** TTL of this entry in ms; default: the call's, else the cache's. */
  ttlMs?: number;
}

/**
 * A cache over Redis: JSON (or another codec) values under
 * `<keyPrefix><namespace>:<key>`, TTLs per cache and per entry, `wrap()`
 * read-through with single-flight and a cross-process lock,
 * stale-while-revalidate, an in-memory fallback while Redis is down, and an
 * opt-in near-cache kept correct by Redis's client-side caching.
 */
export class Cache<V = unknown> extends Lifecycle<CacheEvents> {
  /** The namespace as given (keys use its percent-encoded form). */
  readonly namespace: string;
  readonly #options: ResolvedCacheOptions<V>;
  readonly #core: CacheCore<V>;
  readonly #loader: WrapLoader<V>;
  readonly #near: NearCache<V> | undefined;
  readonly #leaveHub: (() => void) | undefined;
  readonly #nearTransport: 'lanes' | 'invalidation-connection' | undefined;
  readonly #unregister: () => void;

  constructor(redis: RedisClient, options: CacheOptions<V> = {}) {
    super();
    const resolved = resolveCacheOptions(options);
    this.#options = resolved;
    this.namespace = resolved.namespace;
    const layout = new KeyLayout(resolved.namespace);
    const memory = new MemoryStore(resolved.memory);
    const store = new RedisStore(redis, resolved.codec.binary);
    const counters = new CacheCounters(resolved.namespace);
    const nearOptions = redis.options.mode === 'memory' ? undefined : resolved.nearCache;
    let report: (error: unknown) => void = () => undefined;
    const router = new FallbackRouter({
      redis,
      memory,
      store,
      fallback: resolved.fallback,
      recoverAfterMs: resolved.recoverAfterMs,
      scanPattern: layout.scanPattern,
      maxDirty: resolved.memory.maxEntries,
      onError: (error) => report(error),
    });
    router.on('fallback', (error) => this.#emitSafely('fallback', error));
    router.on('recovered', () => this.#emitSafely('recovered'));
    let trackedReads = false;
    if (nearOptions !== undefined) {
      const hub = nearCacheHub(redis);
      trackedReads = hub.transport === 'lanes';
      this.#nearTransport = hub.transport;
      this.#near = new NearCache<V>({
        maxEntries: nearOptions.maxEntries,
        ttlMs: nearOptions.ttlMs,
        isLive: () => hub.live,
        events: {
          onInvalidate: (key) => {
            if (this.listenerCount('invalidate') > 0) this.#emitSafely('invalidate', key === null ? null : layout.callerKey(key));
          },
          onLiveChange: (live) => this.#emitSafely('nearCache', live),
          onFailure: (error) => report(error),
        },
      });
      this.#leaveHub = hub.register(layout.dataPrefix, this.#near, nearOptions.heartbeatMs);
    }
    this.#core = new CacheCore<V>({
      layout,
      codec: resolved.codec,
      counters,
      memory,
      store,
      router,
      near: this.#near,
      trackedReads,
      fallback: resolved.fallback === 'memory',
      onError: resolved.onError,
    });
    report = (error) => this.#core.report(error);
    this.#loader = new WrapLoader(this.#core, { lockTtlMs: resolved.lockTtlMs, lockWaitMs: resolved.lockWaitMs });
    // Last: the client closes the cache with itself; a cache closed first unregisters.
    this.#unregister = redis[kOwnResource](this);
  }

  /** The value under `key`, or undefined on a miss (malformed data is a miss, counted in `stats().errors`). */
  async get(key: CacheKey): Promise<V | undefined> {
    this.assertOpen();
    const dataKey = this.#core.layout.data(key);
    const counters = this.#core.counters;
    const near = this.#near?.get(dataKey, performance.now());
    if (near !== undefined) {
      counters.hits++;
      counters.nearHits++;
      counters.published('near-hit');
      return near.value;
    }
    const hit = await this.#core.read(dataKey, false);
    if (hit === undefined) {
      counters.misses++;
      counters.published('miss');
      return undefined;
    }
    counters.hits++;
    if (hit.source === 'memory') counters.fallbackHits++;
    counters.published(hit.source === 'memory' ? 'fallback-hit' : 'hit');
    return hit.value;
  }

  /**
   * Stores `value` for `ttlMs` (default: the cache's). A value the codec
   * cannot encode is refused with `CacheEncodeError` before anything is written.
   */
  async set(key: CacheKey, value: V, options: SetOptions = {}): Promise<void> {
    this.assertOpen();
    checkTtl('ttlMs', options.ttlMs);
    const dataKey = this.#core.layout.data(key);
    const data = this.#core.encode(value);
    await this.#core.write(dataKey, data, options.ttlMs ?? this.#options.ttlMs);
  }

  /** Removes `key`; true if it was there. */
  async delete(key: CacheKey): Promise<boolean> {
    this.assertOpen();
    return this.#core.delete(this.#core.layout.data(key));
  }

  /** Whether `key` holds a value (without reading or decoding it). */
  async has(key: CacheKey): Promise<boolean> {
    this.assertOpen();
    return this.#core.has(this.#core.layout.data(key));
  }

  /** The values of `keys`, in order; undefined for each miss. */
  async getMany(keys: readonly CacheKey[]): Promise<(V | undefined)[]> {
    this.assertOpen();
    // One GET per key, written back to back on the lanes: as fast as MGET on
    // one server, and valid in cluster mode where the keys span slots.
    return Promise.all(keys.map((key) => this.get(key)));
  }

  /**
   * Stores several entries. Every value is encoded first: if one cannot be,
   * `CacheEncodeError` is thrown and nothing at all is written. The writes
   * themselves are independent (not a transaction).
   */
  async setMany(entries: Iterable<CacheEntry<V>>, options: SetOptions = {}): Promise<void> {
    this.assertOpen();
    checkTtl('ttlMs', options.ttlMs);
    const prepared: [key: string, data: StoredData, ttlMs: number][] = [];
    for (const entry of entries) {
      checkTtl('ttlMs', entry.ttlMs);
      const dataKey = this.#core.layout.data(entry.key);
      prepared.push([dataKey, this.#core.encode(entry.value), entry.ttlMs ?? options.ttlMs ?? this.#options.ttlMs]);
    }
    await Promise.all(prepared.map(([key, data, ttlMs]) => this.#core.write(key, data, ttlMs)));
  }

  /**
   * Removes every entry of this namespace (SCAN + UNLINK, never KEYS; other
   * namespaces and keys are untouched) and returns how many were removed.
   */
  async clear(): Promise<number> {
    this.assertOpen();
    return this.#core.clear();
  }

  /**
   * The value under `key`, or the loader's result, stored for next time.
   * Concurrent callers in this process share one load; across processes one
   * loads while the others wait up to `lockWaitMs` for its value (then load
   * themselves). A loader result of `undefined` is returned but not stored.
   * Callers joining a load in progress get that load's result, whatever
   * loader they passed.
   */
  async wrap<T extends V>(key: CacheKey, loader: () => T | Promise<T>, options: WrapOptions = {}): Promise<T> {
    this.assertOpen();
    checkTtl('ttlMs', options.ttlMs);
    checkTtl('staleWhileRevalidateMs', options.staleWhileRevalidateMs);
    const request = {
      key: this.#core.layout.data(key),
      loader,
      ttlMs: options.ttlMs ?? this.#options.ttlMs,
      staleWhileRevalidateMs: options.staleWhileRevalidateMs ?? this.#options.staleWhileRevalidateMs,
    };
    const now = performance.now();
    const near = this.#near?.get(request.key, now);
    if (near !== undefined) {
      const counters = this.#core.counters;
      counters.hits++;
      counters.nearHits++;
      const stale = request.staleWhileRevalidateMs > 0 && near.redisExpiresAt - now <= request.staleWhileRevalidateMs;
      counters.published('near-hit', stale);
      if (stale) {
        counters.staleHits++;
        this.#loader.refresh(request);
      }
      return near.value as T;
    }
    return this.#loader.wrap(request);
  }

  /**
   * Memoizes `fn` through `wrap()`: `const getUser = cache.cached(loadUser, { key: 'user' })`.
   * Keys are derived from the arguments (see {@link CachedOptions.key}).
   */
  cached<A extends unknown[], R extends V>(fn: (...args: A) => R | Promise<R>, options: CachedOptions<A> = {}): CachedFunction<A, R> {
    checkTtl('ttlMs', options.ttlMs);
    checkTtl('staleWhileRevalidateMs', options.staleWhileRevalidateMs);
    return makeCached<V, A, R>(this, fn, options);
  }

  /** Counters since creation, and the state of the fallback and the near-cache. */
  stats(): CacheStats {
    const core = this.#core;
    return core.counters.snapshot({
      usingFallback: core.router.active,
      memory: { entries: core.memory.size, bytes: core.memory.bytes },
      nearCache: {
        enabled: this.#near !== undefined,
        live: this.#near?.live ?? false,
        entries: this.#near?.size ?? 0,
        transport: this.#nearTransport ?? 'none',
      },
    });
  }

  /**
   * Lets background refreshes finish, then stops following the client and
   * leaves the near-cache's invalidations (when no near-cache is left, the
   * invalidation connection closes, or the lanes turn tracking off). Later
   * calls fail with `ClosedError`; `stats()` still answers. The client
   * itself stays open.
   */
  protected async onClose(): Promise<void> {
    await this.#loader.drain();
    this.#release();
  }

  /** As close, without waiting for background refreshes (they finish on their own, unseen). */
  protected onDestroy(): void {
    this.#release();
  }

  #release(): void {
    this.#unregister();
    this.#leaveHub?.();
    this.#core.router.close();
    this.#near?.reset();
  }

  /** A listener that throws must not break the cache's bookkeeping. */
  #emitSafely<K extends keyof CacheEvents>(event: K, ...args: CacheEvents[K]): void {
    callSafely(() => (this.emit as (event: K, ...args: CacheEvents[K]) => boolean)(event, ...args));
  }
}

/** Creates a cache over `redis`; see {@link CacheOptions}. */
export function createCache<V = unknown>(redis: RedisClient, options: CacheOptions<V> = {}): Cache<V> {
  return new Cache<V>(redis, options);
}
