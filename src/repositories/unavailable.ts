import { PoolTimeoutError, RedisUnavailableError } from '../errors.js';
import { isRedisDown } from '../fallback/availability.js';

/**
 * Whether `error` means "Redis could not be reached": what `isRedisDown`
 * recognises (breaker open, connection refused or lost, a command timed out),
 * or a lease that timed out because connections could not be opened (a
 * `PoolTimeoutError` whose cause is one of those). A `PoolTimeoutError`
 * without such a cause is a saturated pool, not an outage, and is not.
 */
export function isUnreachable(error: unknown): boolean {
  return isRedisDown(error) || (error instanceof PoolTimeoutError && isRedisDown(error.cause));
}

/**
 * What a repository operation (records, message logs) rejects with: "Redis
 * cannot be reached", in whichever form the client reported it, becomes one
 * `RedisUnavailableError` naming the repository (`what`), with the client's
 * error as `cause`, so a caller sees the same error before the breaker opens
 * as after. A `RedisUnavailableError` and every other error (reply errors,
 * validation, `ClosedError` …) are returned as they are.
 */
export function unavailableError(error: unknown, what: string): unknown {
  if (error instanceof RedisUnavailableError || !isUnreachable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new RedisUnavailableError(`${what}: Redis cannot be reached (${reason})`, { cause: error });
}
