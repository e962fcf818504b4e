/**
 * Where a result came from: Redis (shared by every process), the in-process
 * fallback, or the fail-open / fail-closed answer given without counting.
 */
export type RateLimitSource = 'redis' | 'memory' | 'open' | 'closed';

/** The answer of `consume`: a value, never a thrown error, whether allowed or not. */
export interface RateLimitResult {
  /** Whether the units were granted (and counted). A denied call counts nothing. */
  allowed: boolean;
  /** The rule's limit (units per window). */
  limit: number;
  /** Units still available now, after this call; 0 when nothing is left. */
  remaining: number;
  /**
   * Milliseconds until the key is back to its full `limit` (0 when it already
   * is). For the sliding window counter: until the end of the window after
   * the newest count (up to 2 × `windowMs`: a window's count weighs on the
   * next one); for the sliding log: until everything counted has aged out;
   * for the token bucket: until the bucket is full; for the fixed window:
   * until the window ends.
   */
  resetMs: number;
  /**
   * When denied, milliseconds until a call of the same cost would be allowed
   * (assuming nobody else consumes meanwhile); 0 when allowed. Rounded up to the
   * millisecond, so waiting that long is enough (for the sliding window
   * counter it is exact: a millisecond less and the call is still denied).
   */
  retryAfterMs: number;
  /** Where the answer came from; anything but `'redis'` means Redis was not reachable. */
  source: RateLimitSource;
}

/**
 * The standard rate limit response headers, by name. A type alias (not an
 * interface) so it fits `Record<string, string>` parameters such as
 * fastify's `reply.headers()` and express's `res.set()`.
 */
export type RateLimitHeaders = {
  'RateLimit-Limit': string;
  'RateLimit-Remaining': string;
  /** Seconds (rounded up) until the quota is full again. */
  'RateLimit-Reset': string;
  /** Seconds (rounded up, at least 1) to wait; only on a denied result. */
  'Retry-After'?: string;
};

/**
 * The `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` headers (the
 * IETF httpapi draft; Reset in delta seconds) and, when denied, `Retry-After`
 * (seconds, RFC 9110). Seconds are rounded up so a client that waits that long
 * is not denied again for being a few milliseconds early.
 */
export function rateLimitHeaders(result: RateLimitResult): RateLimitHeaders {
  const headers: RateLimitHeaders = {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(Math.max(0, result.remaining)),
    'RateLimit-Reset': String(Math.ceil(Math.max(0, result.resetMs) / 1000)),
  };
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  return headers;
}
