import { LRUCache } from 'lru-cache';
import type { RedisClient } from '../client/client.js';
import type { RateLimiterOptions } from './options.js';
import { createRateLimiter, RateLimiter } from './rate-limiter.js';

/** Options for {@link fastifyRateLimitStore} when it should create the limiter itself. */
export interface FastifyStoreOptions extends Omit<RateLimiterOptions, 'limit' | 'windowMs'> {
  /** The client the store counts in. It is not closed by the store: close it yourself. */
  redis: RedisClient;
}

/** What @fastify/rate-limit's `incr` callback receives: the count so far and ms until it resets. */
export interface FastifyIncrResult {
  current: number;
  ttl: number;
}

/** The shape @fastify/rate-limit expects of a `store` (its `FastifyRateLimitStore`). */
export interface FastifyRateLimitStoreLike {
  incr(key: string, callback: (error: Error | null, result?: FastifyIncrResult) => void, timeWindow?: number, max?: number): void;
  child(routeOptions: object): FastifyRateLimitStoreLike;
}

/** A class @fastify/rate-limit accepts as its `store` option: it calls `new Store(pluginOptions)`. */
export type FastifyRateLimitStoreClass = new (pluginOptions?: unknown) => FastifyRateLimitStoreLike;

// @fastify/rate-limit's own defaults, used only if it ever calls incr() without a rule.
const PLUGIN_DEFAULT_MAX = 1000;
const PLUGIN_DEFAULT_WINDOW_MS = 60_000;
/** Distinct (max, timeWindow) pairs kept per store; `max` as a function of the request can make many. */
const MAX_RULES = 256;

/**
 * A store for @fastify/rate-limit that counts with a redis-kit limiter: atomic
 * in Redis, with the limiter's algorithm and failMode (the plugin's own Redis
 * store counts with INCR and fails with Redis).
 *
 * The plugin stays in charge of the rule: its `max` and `timeWindow` (global,
 * per route, or functions of the request) are what is counted against; the
 * limiter (or options) supplies the client, algorithm, key prefix and
 * failMode. Each route with its own `config.rateLimit` counts under its own
 * scope (`METHOD url`), as the plugin's stores do.
 *
 * ```ts
 * await app.register(rateLimit, { max: 100, timeWindow: 60_000, store: fastifyRateLimitStore({ redis }) });
 * ```
 *
 * Not supported: `continueExceeding` and `exponentialBackoff` (denied requests
 * are not counted, so the window is never extended), and `ban` above 0 (the
 * store reports `max + 1` for every denied request).
 */
export function fastifyRateLimitStore(source: RateLimiter | FastifyStoreOptions): FastifyRateLimitStoreClass {
  let root: RateLimiter | undefined = source instanceof RateLimiter ? source : undefined;
  const options = source instanceof RateLimiter ? undefined : source;
  // Created on first use, so that defining the store class has no side effects.
  const base = (): RateLimiter => {
    if (root === undefined && options !== undefined) {
      const { redis, ...rest } = options;
      root = createRateLimiter(redis, { ...rest, limit: PLUGIN_DEFAULT_MAX, windowMs: PLUGIN_DEFAULT_WINDOW_MS });
    }
    return root as RateLimiter;
  };

  return class RedisKitRateLimitStore implements FastifyRateLimitStoreLike {
    readonly #limiter: RateLimiter;
    // An evicted rule is closed: it would otherwise stay among its parent's children for ever.
    readonly #rules = new LRUCache<string, RateLimiter>({ max: MAX_RULES, dispose: (limiter) => void limiter.close() });

    /** The plugin passes its options; they are read per call (incr gets the rule), so they are not needed here. */
    constructor(_pluginOptions?: unknown, scoped?: RateLimiter) {
      this.#limiter = scoped ?? base();
    }

    incr(key: string, callback: (error: Error | null, result?: FastifyIncrResult) => void, timeWindow?: number, max?: number): void {
      const limit = max ?? this.#limiter.limit;
      const windowMs = Math.max(1, timeWindow ?? this.#limiter.windowMs);
      if (limit < 1) {
        // max 0 blocks every request; nothing to count.
        callback(null, { current: 1, ttl: windowMs });
        return;
      }
      let limiter: RateLimiter;
      try {
        limiter = this.#forRule(limit, windowMs);
      } catch (error) {
        callback(error as Error);
        return;
      }
      limiter.consume(key).then(
        (result) =>
          callback(
            null,
            result.allowed ? { current: limit - result.remaining, ttl: result.resetMs } : { current: limit + 1, ttl: result.retryAfterMs },
          ),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: object): FastifyRateLimitStoreLike {
      return new RedisKitRateLimitStore(undefined, this.#limiter.withRule({ scope: routeScope(routeOptions) }));
    }

    #forRule(limit: number, windowMs: number): RateLimiter {
      const current = this.#limiter;
      if (limit === current.limit && windowMs === current.windowMs) return current;
      const id = `${limit}/${windowMs}`;
      let limiter = this.#rules.get(id);
      if (limiter === undefined) {
        limiter = current.withRule({ limit, windowMs });
        this.#rules.set(id, limiter);
      }
      return limiter;
    }
  };
}

/** `METHOD url` of the route the plugin is configuring (it passes `routeInfo`); '' when it has none. */
function routeScope(routeOptions: object): string {
  const info = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
  const method = Array.isArray(info?.method) ? info.method.join(',') : info?.method;
  const url = info?.url;
  if (typeof method !== 'string' || typeof url !== 'string') return '';
  return `${method} ${url}`;
}
