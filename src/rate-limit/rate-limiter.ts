import type { RedisClient } from '../client/client.js';
import { kOwnResource } from '../client/internal.js';
import { encodeKeyPart } from '../keys/key-encoding.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { channels } from '../observability/channels.js';
import { LimiterContext } from './limiter-context.js';
import type { Rule } from './memory-algorithms.js';
import {
  checkCost,
  checkKey,
  type RateLimitAlgorithm,
  type RateLimiterOptions,
  resolveRateLimiterOptions,
  resolveRuleOverrides,
} from './options.js';
import { type RateLimitHeaders, type RateLimitResult, rateLimitHeaders } from './result.js';
import type { ScriptReply } from './scripts.js';

/** A rule for {@link RateLimiter.withRule}: the parts that may differ from the limiter it derives from. */
export interface RuleOverrides {
  /** Units per window; as {@link RateLimiterOptions.limit}. Default: the parent's. */
  limit?: number;
  /** As {@link RateLimiterOptions.windowMs}. Default: the parent's. */
  windowMs?: number;
  /**
   * A sub-namespace for the derived limiter's keys, e.g. a route (`'GET /login'`).
   * Any text: it is encoded like a key, so it cannot break out of the namespace.
   */
  scope?: string;
}

/**
 * Counts units per key in Redis, atomically, by one Lua script per call (one
 * round trip, EVALSHA), and answers with a {@link RateLimitResult}. Create one
 * per rule and keep it: it follows the client's availability.
 *
 * Lifecycle as every service: `close()`, `destroy(error?)`, `await using`;
 * afterwards `consume` and `reset` reject with `ClosedError`. Closing a
 * limiter closes the limiters derived from it (`withRule`); closing a
 * derived one leaves its parent working.
 */
export class RateLimiter extends Lifecycle {
  readonly #context: LimiterContext;
  readonly #rule: Rule;
  /** `<prefix>:<tag>:` plus the encoded scope, if any. */
  readonly #keyStart: string;
  readonly #scope: readonly string[];
  /** Limiters derived from this one and still open: they close with it. */
  readonly #children = new Set<RateLimiter>();
  /** What closing does besides closing the children: unregister from the client and release the context, or leave the parent. */
  readonly #release: () => void;

  /** @internal Use {@link createRateLimiter} or {@link RateLimiter.withRule}. */
  constructor(context: LimiterContext, rule: Rule, scope: readonly string[], parent?: RateLimiter) {
    super();
    this.#context = context;
    this.#rule = rule;
    this.#keyStart = `${[context.namespace, ...scope.map((part) => encodeKeyPart(part))].join(':')}:`;
    this.#scope = scope;
    if (parent === undefined) {
      // The root owns the context: the client closes it with itself; closed first, it unregisters.
      const unregister = context.redis[kOwnResource](this);
      this.#release = () => {
        unregister();
        context.dispose();
      };
    } else {
      parent.#children.add(this);
      this.#release = () => parent.#children.delete(this);
    }
  }

  get limit(): number {
    return this.#rule.limit;
  }

  get windowMs(): number {
    return this.#rule.windowMs;
  }

  get algorithm(): RateLimitAlgorithm {
    return this.#context.algorithm;
  }

  /** True while answers come from the fallback (Redis down, recovering, or memory://). */
  get usingFallback(): boolean {
    return this.#context.availability.usingFallback;
  }

  /**
   * Consumes `cost` units (default 1) for `key` if the rule allows it, and
   * says so. Denied calls consume nothing. `cost` 0 consumes nothing and
   * answers whether one unit would be allowed now.
   *
   * `key` is any text (an IP, a user id, an API key, at most 512 characters)
   * or a number; it is encoded, so it cannot leave the limiter's namespace.
   * Rejects only for bad arguments (`InvalidArgumentError`), a closed client,
   * or a Redis reply error (WRONGTYPE on a key someone else wrote, NOPERM);
   * an unreachable Redis is answered by the failMode instead.
   */
  async consume(key: string | number, cost = 1): Promise<RateLimitResult> {
    this.assertOpen();
    const redisKey = this.#keyStart + encodeKeyPart(checkKey(key));
    checkCost(cost, this.#rule.limit);
    const context = this.#context;
    if (context.availability.usingFallback) return published(context.namespace, this.#fallback(redisKey, cost));
    const { limit, windowMs } = this.#rule;
    // Every failMode has an answer for an unreachable Redis; reply errors still reach the caller.
    const reply: ScriptReply | undefined = await context.policy.run(
      () => context.script.run(context.sink, [redisKey], [limit, windowMs, cost]),
      () => undefined,
    );
    if (reply === undefined) return published(context.namespace, this.#fallback(redisKey, cost));
    return published(context.namespace, {
      allowed: reply[0] === 1,
      limit,
      remaining: reply[1],
      resetMs: reply[2],
      retryAfterMs: reply[3],
      source: 'redis',
    });
  }

  /**
   * Forgets everything counted for `key`, in Redis and in the fallback: it
   * starts again with its full quota (e.g. after a successful login). The
   * fallback's count is cleared at once; the Redis DEL rejects like any
   * command when Redis cannot be reached (and is skipped while the limiter
   * runs on its fallback).
   */
  async reset(key: string | number): Promise<void> {
    this.assertOpen();
    const redisKey = this.#keyStart + encodeKeyPart(checkKey(key));
    this.#context.memory.delete(redisKey);
    if (this.#context.availability.usingFallback) return;
    await this.#context.redis.del(redisKey);
  }

  /** The standard response headers for a result; see {@link rateLimitHeaders}. */
  headers(result: RateLimitResult): RateLimitHeaders {
    return rateLimitHeaders(result);
  }

  /**
   * A limiter with another limit, window or sub-namespace that shares this
   * one's client, algorithm, failMode and fallback (cheap: no new listeners on
   * the client). The @fastify/rate-limit store uses it for per-route rules.
   */
  withRule(overrides: RuleOverrides): RateLimiter {
    this.assertOpen();
    const { limit, windowMs, scope: sub } = resolveRuleOverrides(overrides, this.#context.algorithm, this.#rule);
    const scope = sub === undefined ? this.#scope : [...this.#scope, sub];
    return new RateLimiter(this.#context, { limit, windowMs }, scope, this);
  }

  /** Closes the derived limiters, then (the root) stops following the client and unregisters from it. */
  protected async onClose(): Promise<void> {
    await Promise.all([...this.#children].map((child) => child.close()));
    this.#release();
  }

  protected onDestroy(error: Error): void {
    for (const child of [...this.#children]) child.destroy(error);
    this.#release();
  }

  #fallback(redisKey: string, cost: number): RateLimitResult {
    const context = this.#context;
    const { limit, windowMs } = this.#rule;
    if (context.failMode === 'memory' || context.memoryMode) {
      return { ...context.memory.consume(redisKey, this.#rule, cost), limit, source: 'memory' };
    }
    if (context.failMode === 'open') {
      return { allowed: true, limit, remaining: limit - cost, resetMs: 0, retryAfterMs: 0, source: 'open' };
    }
    // The soonest this limiter may be back on Redis, but never longer than the rule's own window.
    const retryAfterMs = Math.max(1, Math.min(windowMs, context.recoverAfterMs));
    return { allowed: false, limit, remaining: 0, resetMs: retryAfterMs, retryAfterMs, source: 'closed' };
  }
}

/** Tells `redis-kit:rate-limit:decision` what `consume` answered (never the key); free while nobody listens. */
function published(namespace: string, result: RateLimitResult): RateLimitResult {
  if (channels.rateLimitDecision.hasSubscribers) {
    channels.rateLimitDecision.publish({ namespace, allowed: result.allowed, source: result.source });
  }
  return result;
}

/**
 * Creates a rate limiter on `redis`. Options are checked at once; a bad or
 * unknown one throws a `ConfigError` naming every problem.
 *
 * ```ts
 * const limiter = createRateLimiter(redis, { limit: 100, windowMs: 60_000 });
 * const result = await limiter.consume(req.ip ?? 'unknown'); // @types/express 5: req.ip may be undefined
 * res.set(limiter.headers(result));
 * if (!result.allowed) return res.status(429).end();
 * ```
 */
export function createRateLimiter(redis: RedisClient, options: RateLimiterOptions): RateLimiter {
  const resolved = resolveRateLimiterOptions(options);
  const context = new LimiterContext(redis, resolved);
  return new RateLimiter(context, { limit: resolved.limit, windowMs: resolved.windowMs }, []);
}
