import type { Request, RequestHandler } from 'express';
import type { RedisKit } from '../index.js';
import { leaseForResponse } from '../adapters/response-lease.js';
import { optionalRedis, requireRedis } from '../adapters/unavailable-response.js';
import './types.js';

/** The client each request was given, for `redisErrorHandler()`'s Retry-After. */
const clients = new WeakMap<Request, RedisKit>();

/** @internal The client `redisKit()` attached to `req`, if any. */
export function clientOf(req: Request): RedisKit | undefined {
  return clients.get(req);
}

/**
 * Middleware that gives every request `req.redis()` (required),
 * `req.redisOptional()` (optional) and `req.lease(fn)` (managed), on the
 * client you pass. Express has no close hook, so the client is yours to
 * create and close (after `server.close()`).
 */
export function redisKit(redis: RedisKit): RequestHandler {
  return (req, res, next) => {
    clients.set(req, redis);
    req.redis = () => requireRedis(redis);
    req.redisOptional = () => optionalRedis(redis);
    req.lease = (fn, options) => leaseForResponse(redis, res, fn, options);
    next();
  };
}
