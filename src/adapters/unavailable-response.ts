import { CommandTimeoutError, type RedisKit, RedisKitError, type RedisKitErrorCode, RedisUnavailableError } from '../index.js';
import { isMemoryMode, probeIntervalMs } from './client-facts.js';

/**
 * The codes the adapters answer with 503 + Retry-After: Redis could not be
 * reached, so the command was never run and retrying later is safe.
 *
 * - `ERR_REDIS_UNAVAILABLE`: the breaker is open (also `memory://`, where there is no Redis).
 * - `ERR_REDIS_NODE_UNAVAILABLE`: on a Cluster, the breaker of the key's node is open (not sent).
 * - `ERR_REDIS_CONNECT`: a connection could not be made at all.
 * - `ERR_REDIS_SESSION_UNAVAILABLE`: the session store's own word for the two above.
 *
 * Deliberately NOT here: `ConnectionLostError` and `CommandTimeoutError`. Their
 * command may have run on the server; a 503 with Retry-After invites a client
 * to repeat a write that may already have happened, so the app's own error
 * handler decides (it sees them as ordinary errors). The exception, in
 * {@link isRedisUnavailable}: a `CommandTimeoutError` with `sent: false`,
 * which waited for a connection its whole deadline and never ran.
 */
const UNAVAILABLE_CODES: ReadonlySet<RedisKitErrorCode> = new Set<RedisKitErrorCode>([
  'ERR_REDIS_UNAVAILABLE',
  'ERR_REDIS_NODE_UNAVAILABLE',
  'ERR_REDIS_CONNECT',
  'ERR_REDIS_SESSION_UNAVAILABLE',
]);

/** The JSON body of every 503 the adapters send. */
export interface UnavailableBody {
  error: { code: 'ERR_REDIS_UNAVAILABLE'; message: string };
}

/** Whether `error` means "Redis cannot be reached now" (see {@link UNAVAILABLE_CODES}). */
export function isRedisUnavailable(error: unknown): error is RedisKitError {
  return error instanceof RedisKitError && (UNAVAILABLE_CODES.has(error.code) || (error instanceof CommandTimeoutError && !error.sent));
}

/**
 * The 503 body. Fixed text, never the error's message: that names the host
 * and port (and its `cause` chain may say more), which a public response must not.
 */
export function unavailableBody(): UnavailableBody {
  return { error: { code: 'ERR_REDIS_UNAVAILABLE', message: 'Redis is unavailable; retry later' } };
}

/**
 * Seconds for `Retry-After`: the breaker's probe interval rounded up, at least 1.
 * The breaker cannot close sooner than its next probe, so asking sooner is wasted.
 */
export function retryAfterSeconds(redis: RedisKit | undefined): number {
  const intervalMs = redis === undefined ? 1000 : probeIntervalMs(redis);
  return Math.max(1, Math.ceil(intervalMs / 1000));
}

/**
 * What `request.redis()` / `req.redis()` do: the client, or RedisUnavailableError
 * while the breaker is open (the adapters turn that into a 503).
 */
export function requireRedis(redis: RedisKit): RedisKit {
  if (redis.isUnavailable) throw unavailableError(redis);
  return redis;
}

/** What `request.redisOptional()` does: the client, or `null` while it is unavailable. */
export function optionalRedis(redis: RedisKit): RedisKit | null {
  return redis.isUnavailable ? null : redis;
}

function unavailableError(redis: RedisKit): RedisUnavailableError {
  return new RedisUnavailableError(
    isMemoryMode(redis) ? 'REDIS_URL is memory://: there is no Redis server' : 'Redis is unavailable (circuit open)',
  );
}
