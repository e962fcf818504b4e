import type { FastifyReply, RouteOptions } from 'fastify';
import type { RedisKit } from '../index.js';
import { isRedisUnavailable, retryAfterSeconds, unavailableBody } from '../adapters/unavailable-response.js';

/** Answers 503 with the shared body and a Retry-After header. */
export function sendUnavailable(reply: FastifyReply, redis: RedisKit | undefined): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(retryAfterSeconds(redis)))
    .header('cache-control', 'no-store')
    .send(unavailableBody());
}

type Handler = RouteOptions['handler'];

/**
 * Wraps a route handler so that a "Redis unavailable" error it throws or
 * rejects with (see `isRedisUnavailable`) becomes a 503, and every other
 * error goes on, untouched, to the app's own error handler.
 *
 * Why wrap handlers (from an `onRoute` hook) rather than install an error
 * handler: `setErrorHandler` in the plugin would replace the app's (or be
 * replaced by it), and `onError` hooks cannot change the response. The cost:
 * only route handlers are covered, not errors thrown in the app's own hooks,
 * and routes registered before the plugin are not wrapped.
 */
export function wrapHandler(handler: Handler, redis: RedisKit): Handler {
  return function redisKitHandler(this: ThisParameterType<Handler>, request, reply) {
    const fallback = (error: unknown): FastifyReply => {
      if (!isRedisUnavailable(error) || reply.sent) throw error;
      return sendUnavailable(reply, redis);
    };
    let result: unknown;
    try {
      result = handler.call(this, request, reply);
    } catch (error) {
      // A synchronous handler: return nothing, Fastify would send a returned reply again.
      fallback(error);
      return undefined;
    }
    // An async handler: resolve to the reply, Fastify's sign that it was sent.
    if (isThenable(result)) return result.then((value) => value, fallback);
    return result;
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && 'then' in value && typeof value.then === 'function';
}
