import { z } from 'zod';
import { fn, integer, oneOf, resolveOptions, text, withMethods } from '../config/resolve-options.js';
import { InvalidArgumentError } from '../errors.js';
import type { Codec } from './codecs/codec.js';
import { jsonCodec } from './codecs/json-codec.js';

const DAY_MS = 86_400_000;

/** The in-process near-cache in front of Redis, kept correct by server-assisted invalidation. */
export interface NearCacheOptions {
  /**
   * How many entries the near-cache holds, least recently used evicted
   * first. Integer 1 to 1,000,000. Default 1000.
   *
   * Pitfall: entries are the decoded values themselves, shared by every
   * caller: treat values read from a near-cached cache as immutable.
   */
  maxEntries?: number;
  /**
   * Longest time an entry is served from the process, in ms, also when no
   * invalidation ever arrives. Integer 1 to 86,400,000 (1 day). Default
   * 60,000. An entry never outlives the key's own TTL in Redis either.
   */
  ttlMs?: number;
  /**
   * How often the connections that carry invalidations are PINGed (the
   * invalidation connection, or each tracking lane on the own engine), in ms.
   * Integer 100 to 60,000. Default 1000. If a PING is still unanswered at the
   * next beat, the connection is presumed cut (a silent network partition sends no FIN):
   * the near-cache is flushed and bypassed until the answer arrives. So this
   * bounds how long a write by another process can go unnoticed when the
   * network, rather than the server, fails. All caches of one client share
   * those connections; the smallest value asked for wins.
   */
  heartbeatMs?: number;
}

/** Memory fallback store sizing (see {@link CacheOptions.fallback}). */
export interface MemoryStoreOptions {
  /** Entries kept, least recently used evicted first. Integer 1 to 10,000,000. Default 10,000. */
  maxEntries?: number;
  /**
   * Bytes kept (stored data plus key, as encoded by the codec). Integer 1024
   * to 2^40. Default 64 MiB (67,108,864). A single value larger than this is
   * not kept in memory at all (the write still succeeds; the next read misses).
   */
  maxBytes?: number;
}

export interface CacheOptions<V = unknown> {
  /**
   * Prefix of every key of this cache, after the client's `keyPrefix`:
   * `<keyPrefix><namespace>:<key>`. 1 to 100 characters. Default `'cache'`.
   * It is percent-encoded like caller keys (`users:v2` becomes `users%3Av2`),
   * so two namespaces can never overlap and `clear()` of one never touches
   * another.
   */
  namespace?: string;
  /**
   * Time to live of an entry, in ms, when `set`/`wrap` do not give one.
   * Integer 0 to 31,536,000,000 (365 days); 0 means no expiry. Default 60,000.
   *
   * Pitfall: with 0, entries stay until Redis evicts them under its
   * `maxmemory-policy`; with `noeviction` they stay for ever.
   */
  ttlMs?: number;
  /**
   * Default stale-while-revalidate window of `wrap()` and `cached()`, in ms.
   * Integer 0 to 31,536,000,000. Default 0 (off). An entry is kept for
   * `ttlMs + staleWhileRevalidateMs`; after `ttlMs` it is stale: still served,
   * while one caller (per cluster of processes) reloads it in the background.
   */
  staleWhileRevalidateMs?: number;
  /**
   * How values are stored. Default {@link jsonCodec}; `msgpackCodec()` for
   * MessagePack (needs the optional `msgpackr` package).
   *
   * Pitfall: every process sharing a namespace must use the same codec; data
   * another codec wrote reads as a miss (counted in `stats().errors`).
   */
  codec?: Codec<V>;
  /**
   * What happens while Redis is unreachable. `'memory'` (default): reads and
   * writes go to an in-process LRU (TTLs kept) from the moment the client's
   * breaker opens, and back to Redis once it has stayed reachable for
   * `recoverAfterMs`; a single command that fails because Redis is
   * unreachable is also answered from memory. `'none'`: the errors reach the
   * caller.
   *
   * With `REDIS_URL=memory://` the cache always runs on the memory store.
   */
  fallback?: 'memory' | 'none';
  /** Sizing of the memory fallback store. */
  memory?: MemoryStoreOptions;
  /**
   * How long Redis must stay reachable before the cache switches back from
   * memory, in ms. Integer 0 to 3,600,000. Default 5000. Avoids flapping
   * between stores with a server that is going up and down.
   */
  recoverAfterMs?: number;
  /**
   * Opt-in near-cache: hot reads served from the process, invalidated by
   * Redis (client-side caching, `CLIENT TRACKING … BCAST`) over one extra
   * connection per client (on a cluster: one per primary, and it serves only
   * while every primary's tracking is up). Default off; ignored with `memory://`.
   */
  nearCache?: NearCacheOptions | false;
  /**
   * Life of the cross-process loader lock of `wrap()`, in ms. Integer 100 to
   * 3,600,000. Default 5000. The holder extends it while its loader runs, so
   * this only bounds how long a crashed holder blocks others.
   */
  lockTtlMs?: number;
  /**
   * How long `wrap()` waits for another process's loader before calling the
   * loader itself, in ms. Integer 0 to 3,600,000. Default 5000.
   *
   * Pitfall: set it above your slowest loader, or every waiter loads too
   * after the wait (each then writes its own result).
   */
  lockWaitMs?: number;
  /**
   * Told about errors the cache handles itself instead of throwing: data that
   * cannot be decoded, a failed background refresh, a lock that could not be
   * released, a failed write-back of a loaded value. Each is also counted in
   * `stats().errors`. Default: none (counted only). Must not throw.
   */
  onError?: (error: Error) => void;
}

/** {@link CacheOptions} with every default applied. */
export interface ResolvedCacheOptions<V> {
  namespace: string;
  ttlMs: number;
  staleWhileRevalidateMs: number;
  codec: Codec<V>;
  fallback: 'memory' | 'none';
  memory: Required<MemoryStoreOptions>;
  recoverAfterMs: number;
  nearCache: Required<NearCacheOptions> | undefined;
  lockTtlMs: number;
  lockWaitMs: number;
  onError: ((error: Error) => void) | undefined;
}

const MAX_TTL_MS = 365 * DAY_MS;

const nearCacheSchema = z.strictObject({
  maxEntries: integer(1, 1_000_000).default(1000),
  ttlMs: integer(1, DAY_MS).default(60_000),
  heartbeatMs: integer(100, 60_000).default(1000),
});

/** The cache's options as one zod schema: bounds and defaults are written here once. */
const cacheSchema = z.strictObject({
  namespace: text(1, 100).default('cache'),
  ttlMs: integer(0, MAX_TTL_MS).default(60_000),
  staleWhileRevalidateMs: integer(0, MAX_TTL_MS).default(0),
  codec: withMethods<Codec<unknown>>('an object', 'encode', 'decode').optional(),
  fallback: oneOf(['memory', 'none']).default('memory'),
  memory: z
    .strictObject({
      maxEntries: integer(1, 10_000_000).default(10_000),
      maxBytes: integer(1024, 2 ** 40).default(64 * 1024 * 1024),
    })
    .prefault({}),
  recoverAfterMs: integer(0, 3_600_000).default(5000),
  // `false` is "off", like leaving it out.
  nearCache: z.preprocess((value) => (value === false ? undefined : value), nearCacheSchema.optional()),
  lockTtlMs: integer(100, 3_600_000).default(5000),
  lockWaitMs: integer(0, 3_600_000).default(5000),
  onError: fn<(error: Error) => void>().optional(),
});

/**
 * Applies defaults and checks bounds.
 *
 * @throws {ConfigError} naming every problem at once (`cache.ttlMs`, what it got, what it accepts), unknown options with a "did you mean".
 */
export function resolveCacheOptions<V>(options: CacheOptions<V>): ResolvedCacheOptions<V> {
  const resolved = resolveOptions('cache', cacheSchema, options);
  return {
    ...resolved,
    // The schema checks the codec's shape; its value type is the caller's V.
    codec: (resolved.codec ?? jsonCodec) as Codec<V>,
    nearCache: resolved.nearCache,
    onError: resolved.onError,
  };
}

/** Checks a per-call TTL (`set`, `wrap`, `cached`). */
export function checkTtl(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > 365 * DAY_MS) {
    throw new InvalidArgumentError(`${name}=${String(value)}: expected a whole number of ms from 0 to ${365 * DAY_MS}`);
  }
}
