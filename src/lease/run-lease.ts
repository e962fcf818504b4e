import { validTimeout } from '../commands/timeout-option.js';
import type { LeaseOptions } from './lease-options.js';
import { AbortedError } from '../errors.js';
import type { LeasePool } from '../pool/lease-pool.js';
import { type Lease, type LeaseContext, LeasedConnection } from './leased-connection.js';

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
): Promise<T> {
  const timeoutMs = validTimeout('timeoutMs', options.timeoutMs);
  const signal = options.signal;
  if (signal?.aborted) throw new AbortedError('aborted before a connection was leased', { cause: signal.reason });
  // The synchronous fast path skips a promise tick when an idle connection is ready.
  const pooled = pool.tryAcquireNow() ?? (await pool.acquire(signal, timeoutMs));
  const connection = new LeasedConnection(pooled, context);
  if (signal === undefined) {
    try {
      return await fn(connection);
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
  } finally {
    signal.removeEventListener('abort', onAbort);
    pool.release(pooled, connection.end(abortError));
  }
}
