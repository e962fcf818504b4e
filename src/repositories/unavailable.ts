import { neverSent } from '../engine/classify-error.js';
import { CommandTimeoutError, ConnectionLostError, PoolTimeoutError, RedisUnavailableError } from '../errors.js';
import { isRedisDown } from '../fallback/availability.js';

/** Whether a repository operation only reads, or may change what is stored. */
export type RepositoryEffect = 'read' | 'write';

/**
 * Whether `error` means "Redis could not be reached": what `isRedisDown`
 * recognises (breaker open, connection refused or lost, a command timed out),
 * or a lease that timed out because connections could not be opened (a
 * `PoolTimeoutError` whose cause is one of those; such a lease sent nothing).
 * A `PoolTimeoutError` without such a cause is a saturated pool, not an
 * outage, and is not.
 *
 * For a write, a timeout or a lost connection counts only when the command
 * surely never left (`CommandTimeoutError.sent` false, a loss before
 * writing): one that may have run keeps its own error, which says so, since
 * "unavailable, retry later" would invite the caller to apply it twice.
 */
export function isUnreachable(error: unknown, effect: RepositoryEffect = 'read'): boolean {
  if (error instanceof PoolTimeoutError) return isRedisDown(error.cause);
  if (!isRedisDown(error)) return false;
  if (effect === 'read') return true;
  if (error instanceof CommandTimeoutError) return !error.sent;
  if (error instanceof ConnectionLostError) return neverSent(error);
  return true;
}

/**
 * What a repository operation (records, message logs) rejects with: "Redis
 * cannot be reached", in whichever form the client reported it, becomes one
 * `RedisUnavailableError` naming the repository (`what`), with the client's
 * error as `cause`, so a caller sees the same error before the breaker opens
 * as after. A `RedisUnavailableError`, a write that may have run (see
 * {@link isUnreachable}) and every other error (reply errors, validation,
 * `ClosedError` …) are returned as they are.
 */
export function unavailableError(error: unknown, what: string, effect: RepositoryEffect = 'read'): unknown {
  if (error instanceof RedisUnavailableError || !isUnreachable(error, effect)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new RedisUnavailableError(`${what}: Redis cannot be reached (${reason})`, { cause: error });
}
