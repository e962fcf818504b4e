import { z } from 'zod';
import { integer, oneOf, resolveOptions, text } from '../config/resolve-options.js';
import { ConfigError, InvalidArgumentError } from '../errors.js';

/**
 * The algorithms, in one list: the schema, the type and the error messages
 * all read it, so adding one is one line here (and its script).
 */
export const ALGORITHMS = ['sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'] as const;

/** How the limiter counts. See docs/rate-limiting.md for the exact promise each one makes. */
export type RateLimitAlgorithm = (typeof ALGORITHMS)[number];

const FAIL_MODES = ['memory', 'open', 'closed'] as const;

/** What the limiter does while Redis cannot be reached. */
export type FailMode = (typeof FAIL_MODES)[number];

export interface RateLimiterOptions {
  /**
   * How many units (requests, by default one unit each) a key may consume per
   * window. A whole number from 1 to 1,000,000,000 (to 10,000 for
   * `'sliding-log'`). Required.
   *
   * Every algorithm but `'sliding-log'` keeps a few numbers per key, whatever
   * the limit. `'sliding-log'` keeps one list element per unit consumed in
   * the last `windowMs`, so a busy key costs memory proportional to `limit`
   * (about 10 bytes per unit: ~100 KB for a full key at 10,000), which is
   * why its limit is capped.
   */
  limit: number;

  /**
   * The window, in milliseconds. A whole number from 1 to 31,536,000,000 (365
   * days). Required.
   *
   * - `'sliding-window'`: windows of `windowMs` aligned to the clock; at
   *   most `limit` units in each, and at most `limit × (1 + f)` in a span of
   *   `windowMs` that starts a fraction `f` into one (the previous window's
   *   count is weighted by its share of the last `windowMs`).
   * - `'sliding-log'`: at most `limit` units in any `windowMs` span, exactly.
   * - `'fixed-window'`: a window starts at a key's first consume and lasts
   *   `windowMs`; at most `limit` units in it.
   * - `'token-bucket'`: the time an empty bucket takes to refill to `limit`
   *   tokens (refill rate `limit / windowMs` per ms). `limit × windowMs` must
   *   not exceed 2^53 − 1, because the script counts in integer fractions of a
   *   token to stay exact.
   */
  windowMs: number;

  /**
   * Default `'sliding-window'`: a sliding window counter, two counters per
   * key whatever the limit, close to exact for steady traffic (see
   * `windowMs` for its bound). `'sliding-log'` is exact over any span but
   * keeps one entry per unit (limit at most 10,000). `'token-bucket'` allows
   * bursts up to `limit` and then a steady rate; `'fixed-window'` is the
   * cheapest (one counter per key) but lets up to `2 × limit` through around
   * a window boundary.
   */
  algorithm?: RateLimitAlgorithm;

  /**
   * What `consume` answers while Redis is unreachable (breaker open, command
   * timeout, connection lost). Default `'memory'`.
   *
   * - `'memory'`: an in-process limiter with the same rule. It counts per
   *   process, so N processes let up to N × `limit` through between them, and
   *   it starts from zero (it does not know what Redis had counted).
   * - `'open'`: allow everything; results carry `source: 'open'`.
   * - `'closed'`: deny everything; results carry `source: 'closed'`.
   *
   * With `REDIS_URL=memory://` the in-process limiter is always used, whatever
   * this says: there is no Redis to fail.
   */
  failMode?: FailMode;

  /**
   * The namespace of this limiter's keys (under the client's own `keyPrefix`).
   * Default `'rl'`. 1 to 100 characters from `A–Z a–z 0–9 . _ : -`.
   *
   * Keys are `<prefix>:<sc|sw|tb|fw>:<encoded key>` (`sw` is the sliding log). Pitfall: two limiters with
   * different rules but the same prefix and algorithm share their counters;
   * give each rule its own prefix (e.g. `'rl:login'`, `'rl:api'`).
   */
  prefix?: string;

  /**
   * How many keys the in-memory limiter (failMode `'memory'`, `memory://`)
   * tracks at most, least recently used evicted first. Default 10,000; 1 to
   * 10,000,000. Pitfall: an evicted key starts again with a full quota, so a
   * flood of distinct keys weakens the fallback for the keys it pushes out.
   */
  memoryMaxKeys?: number;

  /**
   * After a fallback, how long (ms) Redis must stay reachable before the
   * limiter uses it again. Default 5000; 0 to 3,600,000. It keeps a flapping
   * server from flipping the limiter between Redis and memory every second.
   * Under failMode `'closed'` it is also the `retryAfterMs` of denials (capped
   * at `windowMs`).
   */
  recoverAfterMs?: number;

  /**
   * The deadline (ms) of the Redis round trip of one `consume`, after which the
   * fallback answers instead. Default: the client's `commandTimeoutMs`
   * (5000). 1 to 60,000. A rate limit check sits in front of every request,
   * so services often want it well below a second.
   */
  timeoutMs?: number;
}

/** Options with every default filled in. */
export interface ResolvedRateLimiterOptions {
  limit: number;
  windowMs: number;
  algorithm: RateLimitAlgorithm;
  failMode: FailMode;
  prefix: string;
  memoryMaxKeys: number;
  recoverAfterMs: number;
  timeoutMs: number | undefined;
}

const PREFIX = /^[A-Za-z0-9._:-]{1,100}$/;
const MAX_LIMIT = 1_000_000_000;
const MAX_WINDOW_MS = 31_536_000_000;
/** The sliding log keeps one list element (~10 bytes) per unit: this bounds a key at ~100 KB. */
export const MAX_SLIDING_LOG_LIMIT = 10_000;
/** Longest key (in characters, before encoding) a caller may pass to consume(). */
export const MAX_KEY_LENGTH = 512;

const limitSchema = integer(1, MAX_LIMIT);
const windowSchema = integer(1, MAX_WINDOW_MS);

/** The limiter's options as one zod schema; `limit` and `windowMs` have no default. */
const rateLimiterSchema = z.strictObject({
  limit: limitSchema,
  windowMs: windowSchema,
  algorithm: oneOf(ALGORITHMS).default('sliding-window'),
  failMode: oneOf(FAIL_MODES).default('memory'),
  prefix: text(1, 100, PREFIX, 'A-Z a-z 0-9 . _ : -').default('rl'),
  memoryMaxKeys: integer(1, 10_000_000).default(10_000),
  recoverAfterMs: integer(0, 3_600_000).default(5000),
  timeoutMs: integer(1, 60_000).optional(),
});

const overridesSchema = z.strictObject({
  limit: limitSchema.optional(),
  windowMs: windowSchema.optional(),
  scope: z.string({ error: 'a string' }).optional(),
});

/**
 * Checks every option and fills in defaults. All problems are reported at
 * once in a {@link ConfigError}, each naming the option, what it got, and what
 * it accepts; unknown options are rejected with a "did you mean" (a typo must
 * not silently mean "no limit").
 */
export function resolveRateLimiterOptions(options: RateLimiterOptions): ResolvedRateLimiterOptions {
  const resolved = resolveOptions('rateLimiter', rateLimiterSchema, options);
  checkRule('rateLimiter', resolved.algorithm, resolved.limit, resolved.windowMs);
  return { ...resolved, timeoutMs: resolved.timeoutMs };
}

/** Checks the overrides of `withRule()` the same way, under `rateLimiter.withRule`. */
export function resolveRuleOverrides(
  overrides: RuleOverridesInput,
  algorithm: RateLimitAlgorithm,
  parent: { limit: number; windowMs: number },
): { limit: number; windowMs: number; scope: string | undefined } {
  const resolved = resolveOptions('rateLimiter.withRule', overridesSchema, overrides);
  const limit = resolved.limit ?? parent.limit;
  const windowMs = resolved.windowMs ?? parent.windowMs;
  checkRule('rateLimiter.withRule', algorithm, limit, windowMs);
  return { limit, windowMs, scope: resolved.scope };
}

/** The overrides `withRule()` takes; see `RuleOverrides` in rate-limiter.ts for their documentation. */
export interface RuleOverridesInput {
  limit?: number;
  windowMs?: number;
  scope?: string;
}

/** The token bucket counts in integer fractions of a token: `limit × windowMs` must stay exact. */
function checkRule(label: string, algorithm: RateLimitAlgorithm, limit: number, windowMs: number): void {
  if (algorithm === 'sliding-log' && limit > MAX_SLIDING_LOG_LIMIT) {
    const bound = MAX_SLIDING_LOG_LIMIT.toLocaleString('en-US');
    throw new ConfigError([
      {
        name: `${label}.limit`,
        received: String(limit),
        expected: `at most ${bound} for 'sliding-log' (one entry per unit); 'sliding-window' keeps O(1) state`,
      },
    ]);
  }
  if (algorithm !== 'token-bucket' || limit * windowMs <= Number.MAX_SAFE_INTEGER) return;
  throw new ConfigError([
    {
      name: `${label}.limit × windowMs`,
      received: String(limit * windowMs),
      expected: 'at most 2^53 − 1 for the token bucket (it counts in exact integer units)',
    },
  ]);
}

/** Checks a `cost` given to consume(): a whole number from 0 to the limit. */
export function checkCost(cost: unknown, limit: number): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0 || cost > limit) {
    throw new InvalidArgumentError(`rate limit cost must be a whole number from 0 to the limit (${limit}), got ${describe(cost)}`);
  }
  return cost;
}

/** Checks a key given to consume(): a non-empty string of at most 512 characters, or a finite number. */
export function checkKey(key: unknown): string {
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  if (typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH) return key;
  // The key itself is not echoed: it is user input (an IP, a token) and may be long.
  const what = typeof key === 'string' ? `a string of ${key.length} characters` : typeof key;
  throw new InvalidArgumentError(
    `rate limit key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters or a finite number, got ${what}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return typeof value;
}
