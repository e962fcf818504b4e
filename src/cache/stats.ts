import { type CacheOutcome, channels } from '../observability/channels.js';

/** What a cache did since it was created. Counters only grow. */
export interface CacheStats {
  /** Reads that found a value, from any tier (near-cache, Redis, memory). */
  hits: number;
  /** Reads that found nothing (malformed data counts as a miss too). */
  misses: number;
  /** hits / (hits + misses), 0 before the first read. */
  hitRate: number;
  /** Hits answered by the in-process near-cache (a subset of `hits`). */
  nearHits: number;
  /** Hits answered by the memory fallback while Redis was unreachable (a subset of `hits`). */
  fallbackHits: number;
  /** Stale values served by `wrap()` while a refresh ran (a subset of `hits`). */
  staleHits: number;
  /**
   * Operations that failed on Redis because it was unreachable and were answered by the memory
   * store instead (reads and writes). Operations sent to memory directly, while the cache is on
   * its fallback, are not counted here (`usingFallback` says when that is).
   */
  fallbackOps: number;
  /** Calls of a `wrap()`/`cached()` loader, background refreshes included. */
  loaderCalls: number;
  /** `wrap()` calls that waited for another process's loader (lock held elsewhere). */
  lockWaits: number;
  /** Of those, the waits that ran out (`lockWaitMs`), after which the loader ran here too. */
  lockTimeouts: number;
  /** Background refreshes started by stale-while-revalidate. */
  refreshes: number;
  /** Errors: those thrown to callers and those handled by the cache (see `onError`). */
  errors: number;
  /** Of `errors`, data that could not be decoded. */
  decodeErrors: number;
  /** True while reads and writes go to the memory store. */
  usingFallback: boolean;
  /** Entries and bytes in the memory store. */
  memory: { entries: number; bytes: number };
  /**
   * The near-cache: whether it is on, serving (`live`: tracking established),
   * its size, and where its invalidations arrive: `'lanes'` (RESP3 pushes on
   * the lanes that read the keys: the own engine, standalone),
   * `'invalidation-connection'` (a RESP2 connection of its own per server:
   * `engine: 'ioredis'`, Sentinel, Cluster), `'none'` (off).
   */
  nearCache: { enabled: boolean; live: boolean; entries: number; transport: 'lanes' | 'invalidation-connection' | 'none' };
}

/** The counters of {@link CacheStats}; the cache fills in the gauges. */
export class CacheCounters {
  hits = 0;
  misses = 0;
  nearHits = 0;
  fallbackHits = 0;
  staleHits = 0;
  fallbackOps = 0;
  loaderCalls = 0;
  lockWaits = 0;
  lockTimeouts = 0;
  refreshes = 0;
  errors = 0;
  decodeErrors = 0;
  /** The cache's namespace, the label of what {@link published} tells the diagnostics channel. */
  readonly #namespace: string;

  constructor(namespace: string) {
    this.#namespace = namespace;
  }

  /** Tells `redis-kit:cache:result` how a read ended; costs one property read while nobody listens. */
  published(outcome: CacheOutcome, stale = false): void {
    if (channels.cacheResult.hasSubscribers) channels.cacheResult.publish({ namespace: this.#namespace, outcome, stale });
  }

  snapshot(gauges: Pick<CacheStats, 'usingFallback' | 'memory' | 'nearCache'>): CacheStats {
    const reads = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRate: reads === 0 ? 0 : this.hits / reads,
      nearHits: this.nearHits,
      fallbackHits: this.fallbackHits,
      staleHits: this.staleHits,
      fallbackOps: this.fallbackOps,
      loaderCalls: this.loaderCalls,
      lockWaits: this.lockWaits,
      lockTimeouts: this.lockTimeouts,
      refreshes: this.refreshes,
      errors: this.errors,
      decodeErrors: this.decodeErrors,
      ...gauges,
    };
  }
}
