import { type ConfigIssue, ConfigError, InvalidArgumentError } from '../errors.js';

/** How the limiter counts. See docs/rate-limiting.md for the exact promise each one makes. */
export type RateLimitAlgorithm = 'sliding-window' | 'sliding-log' | 'token-bucket' | 'fixed-window';

/** What the limiter does while Redis cannot be reached. */
export type FailMode = 'memory' | 'open' | 'closed';

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

const KNOWN = new Set(['limit', 'windowMs', 'algorithm', 'failMode', 'prefix', 'memoryMaxKeys', 'recoverAfterMs', 'timeoutMs']);
const ALGORITHMS: readonly RateLimitAlgorithm[] = ['sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'];
const FAIL_MODES: readonly FailMode[] = ['memory', 'open', 'closed'];
const PREFIX = /^[A-Za-z0-9._:-]{1,100}$/;
const MAX_LIMIT = 1_000_000_000;
const MAX_WINDOW_MS = 31_536_000_000;
/** The sliding log keeps one list element (~10 bytes) per unit: this bounds a key at ~100 KB. */
export const MAX_SLIDING_LOG_LIMIT = 10_000;
/** Longest key (in characters, before encoding) a caller may pass to consume(). */
export const MAX_KEY_LENGTH = 512;

/**
 * Checks every option and fills in defaults. All problems are reported at
 * once in a {@link ConfigError}, each naming the option, what it got, and what
 * it accepts; unknown options are rejected (a typo must not silently mean
 * "no limit").
 */
export function resolveOptions(options: RateLimiterOptions): ResolvedRateLimiterOptions {
  const issues: ConfigIssue[] = [];
  const raw = (options ?? {}) as unknown as Record<string, unknown>;
  for (const name of Object.keys(raw)) {
    if (!KNOWN.has(name)) issues.push(issue(name, raw[name], `one of the known options: ${[...KNOWN].join(', ')}`));
  }
  const limit = wholeNumber(issues, 'limit', raw.limit, 1, MAX_LIMIT, undefined);
  const windowMs = wholeNumber(issues, 'windowMs', raw.windowMs, 1, MAX_WINDOW_MS, undefined);
  const algorithm = oneOf(issues, 'algorithm', raw.algorithm, ALGORITHMS, 'sliding-window');
  const failMode = oneOf(issues, 'failMode', raw.failMode, FAIL_MODES, 'memory');
  const memoryMaxKeys = wholeNumber(issues, 'memoryMaxKeys', raw.memoryMaxKeys, 1, 10_000_000, 10_000);
  const recoverAfterMs = wholeNumber(issues, 'recoverAfterMs', raw.recoverAfterMs, 0, 3_600_000, 5000);
  const timeoutMs = raw.timeoutMs === undefined ? undefined : wholeNumber(issues, 'timeoutMs', raw.timeoutMs, 1, 60_000, undefined);
  let prefix = 'rl';
  if (raw.prefix !== undefined) {
    if (typeof raw.prefix === 'string' && PREFIX.test(raw.prefix)) prefix = raw.prefix;
    else issues.push(issue('prefix', raw.prefix, '1 to 100 characters from A-Z a-z 0-9 . _ : -'));
  }
  if (algorithm === 'sliding-log' && limit !== undefined && limit > MAX_SLIDING_LOG_LIMIT) {
    const bound = MAX_SLIDING_LOG_LIMIT.toLocaleString('en-US');
    issues.push(issue('limit', limit, `at most ${bound} for 'sliding-log' (one entry per unit); 'sliding-window' keeps O(1) state`));
  }
  if (algorithm === 'token-bucket' && limit !== undefined && windowMs !== undefined && limit * windowMs > Number.MAX_SAFE_INTEGER) {
    issues.push(issue('limit × windowMs', limit * windowMs, 'at most 2^53 − 1 for the token bucket (it counts in exact integer units)'));
  }
  if (issues.length > 0 || limit === undefined || windowMs === undefined) throw new ConfigError(issues);
  return {
    limit,
    windowMs,
    algorithm,
    failMode,
    prefix,
    memoryMaxKeys: memoryMaxKeys ?? 10_000,
    recoverAfterMs: recoverAfterMs ?? 5000,
    timeoutMs,
  };
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

function wholeNumber(
  issues: ConfigIssue[],
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number | undefined,
): number | undefined {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  issues.push(issue(name, value, `a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`));
  return undefined;
}

function oneOf<T extends string>(issues: ConfigIssue[], name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  issues.push(issue(name, value, allowed.map((a) => `'${a}'`).join(', ')));
  return fallback;
}

function issue(name: string, value: unknown, expected: string): ConfigIssue {
  return { name: `rateLimiter.${name}`, received: describe(value), expected };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return typeof value;
}
