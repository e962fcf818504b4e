import { validTimeout } from '../commands/timeout-option.js';
import type { LeaseOptions } from './lease-options.js';
import { AbortedError } from '../errors.js';
import type { LeasePool } from '../pool/lease-pool.js';
import { type Lease, type LeaseContext, LeasedConnection } from './leased-connection.js';
import type { PooledConnection } from '../pool/pooled-connection.js';
import type { SlotPin } from './slot-check.js';

/** A lease for one key (cluster mode): its slot, and what puts the connection on that slot's node. */
export interface LeaseTarget {
  pin: SlotPin;
  /**
   * Runs before `fn` gets the connection; a rejection gives the connection
   * back and fails the lease. Absent when the pool's connections are on the
   * slot's node already (a node's own pool).
   */
  prepare?(connection: PooledConnection, timeoutMs: number): Promise<void>;
  /** Told what `fn` threw, before the lease ends (a node's pool re-reads the slot map on a MOVED). */
  failed?(error: unknown): void;
}

/**
 * Lends a pooled connection to `fn` and always gives it back: when `fn`
 * returns, throws, or the signal fires. An abort ends the lease at once (the
 * caller gets AbortedError; the connection, which may still owe a reply, is
 * destroyed rather than lent again).
 */
export async function runLease<T>(
  pool: LeasePool,
  context: LeaseContext,
  fn: (connection: Lease) => Promise<T>,
  options: LeaseOptions,
  target?: LeaseTarget,
): Promise<T> {
  const timeoutMs = validTimeout('timeoutMs', options.timeoutMs);
  const signal = options.signal;
  if (signal?.aborted) throw new AbortedError('aborted before a connection was leased', { cause: signal.reason });
  // Only a lease for a key needs it (its node wait shares the acquire timeout): a clock read fewer per lease.
  const prepare = target?.prepare;
  const startedAt = prepare === undefined ? 0 : performance.now();
  // The synchronous fast path skips a promise tick when an idle connection is ready.
  const pooled = pool.tryAcquireNow() ?? (await pool.acquire(signal, timeoutMs));
  if (prepare !== undefined) {
    try {
      // The wait for the node shares the acquire timeout: one bound for getting a usable lease.
      const left = (timeoutMs ?? context.acquireTimeoutMs) - (performance.now() - startedAt);
      await prepare(pooled, Math.max(1, left));
    } catch (error) {
      pool.release(pooled, { discard: false, reset: [] });
      throw error;
    }
  }
  const connection = new LeasedConnection(pooled, context, target?.pin);
  if (signal === undefined) {
    try {
      return await fn(connection);
    } catch (error) {
      target?.failed?.(error);
      throw error;
    } finally {
      pool.release(pooled, connection.end());
    }
  }
  let abortError: AbortedError | undefined;
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      abortError = new AbortedError('the lease was aborted', { cause: signal.reason });
      reject(abortError);
    };
  });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([fn(connection), aborted]);
  } catch (error) {
    target?.failed?.(error);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    pool.release(pooled, connection.end(abortError));
  }
}
