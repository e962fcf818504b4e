import type { ServerResponse } from 'node:http';
import { AbortedError, type Lease, type RedisKit } from '../index.js';

/** Options of `request.lease(fn, options)` / `req.lease(fn, options)`. */
export interface RequestLeaseOptions {
  /** Also end the lease when this fires (besides the client disconnecting). */
  signal?: AbortSignal;
  /** How long to wait for a connection, overriding the client's `acquireTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * Runs `fn` on a leased connection that is given back when `fn` ends, and
 * also when the HTTP client goes away first: the response's 'close' before it
 * finished writing means nobody will read the answer, so the lease's signal
 * fires and the pool destroys (and replaces) the connection.
 *
 * The response, not the request, is watched: since Node 16 the request's
 * 'close' fires once its body has been read, which for a GET is at once.
 */
export async function leaseForResponse<T>(
  redis: RedisKit,
  response: ServerResponse,
  fn: (connection: Lease) => Promise<T>,
  options: RequestLeaseOptions = {},
): Promise<T> {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!response.writableFinished) controller.abort(new AbortedError('the HTTP client disconnected'));
  };
  if (response.closed) onClose();
  else response.once('close', onClose);
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal]);
  try {
    return await redis.lease(fn, options.timeoutMs === undefined ? { signal } : { signal, timeoutMs: options.timeoutMs });
  } finally {
    response.off('close', onClose);
  }
}
