import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheCore, Hit } from './cache-core.js';

/** First pause between two looks at a key another process is loading; doubles up to {@link MAX_POLL_MS}. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;

export interface WrapLoaderOptions {
  lockTtlMs: number;
  lockWaitMs: number;
}

/** What one `wrap()` call asks for. */
export interface LoadRequest<T> {
  key: string;
  loader: () => T | Promise<T>;
  ttlMs: number;
  staleWhileRevalidateMs: number;
}

type WaitOutcome<V> = { kind: 'found'; value: V } | { kind: 'free' } | { kind: 'timeout' };

/** How a flight ended, so every caller that joined it is counted as the caller it is. */
interface FlightResult<T> {
  value: T;
  /** Where a hit came from; undefined for a miss (loaded, or taken from another process's load). */
  source: Hit<unknown>['source'] | undefined;
  stale: boolean;
}

/**
 * The read-through half of the cache: `wrap()`.
 *
 * - In one process, one load per key at a time (single-flight): concurrent
 *   callers of a key share the first caller's read and load.
 * - Across processes, a lock (`SET <ns>#lock:<key> <token> NX PX lockTtlMs`,
 *   extended while the loader runs, released by compare-and-delete) lets one
 *   process load; the others wait for the value, looking again with growing
 *   pauses (5 ms doubling to 100 ms) or as soon as the near-cache hears the
 *   key change. After `lockWaitMs` a waiter stops waiting and calls the loader
 *   itself: a slow or stuck holder delays others by at most that much.
 * - Stale-while-revalidate: a value within its stale window is served at
 *   once while one refresh runs in the background (one per key per process,
 *   and across processes only the lock holder refreshes).
 */
export class WrapLoader<V> {
  readonly #core: CacheCore<V>;
  readonly #options: WrapLoaderOptions;
  readonly #flights = new Map<string, Promise<FlightResult<unknown>>>();
  readonly #refreshing = new Set<string>();
  /** The background refreshes running, for close() to wait on. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(core: CacheCore<V>, options: WrapLoaderOptions) {
    this.#core = core;
    this.#options = options;
  }

  /** A stale hit was served (from the near-cache): refresh it in the background. */
  refresh<T extends V>(request: LoadRequest<T>): void {
    if (this.#refreshing.has(request.key)) return;
    this.#refreshing.add(request.key);
    this.#core.counters.refreshes++;
    const running = this.#load(request, true)
      .catch((error: unknown) => this.#core.report(error))
      .finally(() => {
        this.#refreshing.delete(request.key);
        this.#background.delete(running);
      });
    this.#background.add(running);
  }

  /** Resolves once no background refresh runs (each is bounded by the command and lock timeouts). */
  async drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  async wrap<T extends V>(request: LoadRequest<T>): Promise<T> {
    let flight = this.#flights.get(request.key) as Promise<FlightResult<T>> | undefined;
    if (flight === undefined) {
      const started = this.#readThrough(request);
      flight = started;
      this.#flights.set(request.key, started);
      const done = (): void => {
        if (this.#flights.get(request.key) === started) this.#flights.delete(request.key);
      };
      started.then(done, done);
    }
    const result = await flight;
    const counters = this.#core.counters;
    if (result.source === undefined) {
      counters.misses++;
      counters.published('miss');
    } else {
      counters.hits++;
      if (result.source === 'memory') counters.fallbackHits++;
      if (result.stale) counters.staleHits++;
      counters.published(result.source === 'memory' ? 'fallback-hit' : 'hit', result.stale);
    }
    return result.value;
  }

  async #readThrough<T extends V>(request: LoadRequest<T>): Promise<FlightResult<T>> {
    const swr = request.staleWhileRevalidateMs;
    const hit = await this.#core.read(request.key, swr > 0);
    if (hit !== undefined) {
      const stale = swr > 0 && hit.remainingMs <= swr;
      if (stale) this.refresh(request);
      return { value: hit.value as T, source: hit.source, stale };
    }
    return { value: (await this.#load(request, false)) as T, source: undefined, stale: false };
  }

  /** Loads under the cross-process lock. In the background, gives up when another process holds it. */
  async #load<T extends V>(request: LoadRequest<T>, background: boolean): Promise<T | undefined> {
    const core = this.#core;
    if (core.router.useMemoryFor(request.key)) return this.#callLoader(request);
    const lockKey = core.layout.lock(request.key);
    const deadline = performance.now() + this.#options.lockWaitMs;
    let waited = false;
    for (;;) {
      const token = randomUUID();
      // Redis unreachable: nobody can coordinate; load here (the value goes to memory).
      const acquired = await core.policy.run(
        () => core.store.acquireLock(lockKey, token, this.#options.lockTtlMs),
        () => 'unreachable' as const,
      );
      if (acquired === 'unreachable') return this.#callLoader(request);
      if (acquired) return this.#loadHolding(request, lockKey, token, background);
      if (background) return undefined;
      if (!waited) {
        core.counters.lockWaits++;
        waited = true;
      }
      const outcome = await this.#waitForHolder(request.key, lockKey, deadline);
      if (outcome.kind === 'found') return outcome.value as T;
      if (outcome.kind === 'timeout') {
        core.counters.lockTimeouts++;
        return this.#callLoader(request);
      }
      // The lock went away without a value (the holder's loader failed, or
      // the value expired at once): try to take it ourselves.
    }
  }

  async #loadHolding<T extends V>(request: LoadRequest<T>, lockKey: string, token: string, background: boolean): Promise<T | undefined> {
    const core = this.#core;
    const { lockTtlMs } = this.#options;
    const extender = setInterval(
      () => {
        core.store.extendLock(lockKey, token, lockTtlMs).catch((error: unknown) => core.report(error));
      },
      Math.max(50, Math.floor(lockTtlMs / 3)),
    );
    extender.unref();
    try {
      // Another process may have stored the value between our miss and our
      // lock (it writes, then releases): look once more before loading.
      const hit: Hit<V> | undefined = await core.read(request.key, background);
      if (hit !== undefined && !(background && hit.remainingMs <= request.staleWhileRevalidateMs)) return hit.value as T;
      return await this.#callLoader(request);
    } finally {
      clearInterval(extender);
      try {
        await core.store.releaseLock(lockKey, token);
      } catch (error) {
        // It expires by itself after lockTtlMs; waiters then take over.
        core.report(error);
      }
    }
  }

  async #callLoader<T extends V>(request: LoadRequest<T>): Promise<T> {
    const core = this.#core;
    core.counters.loaderCalls++;
    const value = await request.loader();
    // undefined is "nothing": returned, not stored (null is stored).
    if (value === undefined) return value;
    const data = core.encode(value);
    const ttlMs = request.ttlMs > 0 ? request.ttlMs + request.staleWhileRevalidateMs : 0;
    try {
      await core.write(request.key, data, ttlMs);
    } catch (error) {
      // The value is good; only keeping it failed (counted in write): the caller still gets it.
      core.notify(error);
    }
    return value;
  }

  async #waitForHolder(key: string, lockKey: string, deadline: number): Promise<WaitOutcome<V>> {
    const core = this.#core;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return { kind: 'timeout' };
      const wait = Math.min(pause, remaining);
      // The near-cache hears the holder's write at once; without it, look again after the pause.
      await (core.near?.live ? core.near.changed(key, wait) : sleep(wait));
      pause = Math.min(pause * 2, MAX_POLL_MS);
      const looked = await core.policy.run(
        () => Promise.all([core.read(key, false), core.store.lockHeld(lockKey)]),
        () => 'unreachable' as const,
      );
      if (looked === 'unreachable') return { kind: 'free' };
      const [hit, held] = looked;
      if (hit !== undefined) return { kind: 'found', value: hit.value };
      if (!held) return { kind: 'free' };
    }
  }
}
