import type { ErrorRequestHandler } from 'express';
import type { RedisKit } from '../index.js';
import { isRedisUnavailable, retryAfterSeconds, unavailableBody } from '../adapters/unavailable-response.js';
import { clientOf } from './middleware.js';

/**
 * Error middleware (mount it after the routes, before your own error
 * handler) that answers "Redis unavailable" errors (`isRedisUnavailable`:
 * breaker open, no connection, session store unavailable) with 503, a
 * Retry-After header and a JSON body without host or secrets. Every other
 * error goes on to `next(err)`.
 *
 * When the response has already started (`res.headersSent`, e.g. a session
 * save that failed while the body was being written) no status can be set
 * any more: the error goes to `next(err)`, whose final handler closes the
 * connection instead of throwing ERR_HTTP_HEADERS_SENT.
 *
 * @param redis The client, for Retry-After; default the one `redisKit()` attached to `req`.
 */
export function redisErrorHandler(redis?: RedisKit): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!isRedisUnavailable(err) || res.headersSent) {
      next(err);
      return;
    }
    res
      .status(503)
      .set('Retry-After', String(retryAfterSeconds(redis ?? clientOf(req))))
      .set('Cache-Control', 'no-store')
      .json(unavailableBody());
  };
}
