import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRedis, type Lease } from '../index.js';
import { leaseForResponse, type RequestLeaseOptions } from '../adapters/response-lease.js';
import { optionalRedis, requireRedis } from '../adapters/unavailable-response.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerMetricsRoute } from './metrics-route.js';
import { type RedisKitPluginOptions, resolvePluginOptions } from './options.js';
import { wrapHandler } from './unavailable-reply.js';
import './types.js';

export type { HealthRoutesOptions, MetricsRouteOptions, RedisKitPluginOptions, RedisKitPluginOwnOptions } from './options.js';
export type { RequestLeaseOptions } from '../adapters/response-lease.js';
export { isRedisUnavailable, retryAfterSeconds, unavailableBody, type UnavailableBody } from '../adapters/unavailable-response.js';

/** Each request's raw response, for `request.lease()` to watch for a disconnect. */
const responses = new WeakMap<FastifyRequest, ServerResponse>();

const plugin: FastifyPluginAsync<RedisKitPluginOptions> = async (app, options) => {
  const resolved = resolvePluginOptions(options);
  const owned = resolved.client === undefined;
  const redis = resolved.client ?? createRedis(resolved.clientOptions);

  app.decorate('redis', redis);
  app.decorateRequest('redis', function redisRequired(this: FastifyRequest) {
    return requireRedis(this.server.redis);
  });
  app.decorateRequest('redisOptional', function redisOptional(this: FastifyRequest) {
    return optionalRedis(this.server.redis);
  });
  app.decorateRequest('lease', function lease<T>(this: FastifyRequest, fn: (c: Lease) => Promise<T>, opts?: RequestLeaseOptions) {
    const response = responses.get(this);
    // Outside a request's lifecycle (no response to watch) it is a plain lease.
    if (response === undefined) return this.server.redis.lease(fn, opts);
    return leaseForResponse(this.server.redis, response, fn, opts);
  });
  // A callback hook, not an async one: it runs on every request and needs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    responses.set(request, reply.raw);
    done();
  });
  // Routes registered after the plugin (here and in child contexts) answer 503 for "Redis unavailable".
  app.addHook('onRoute', (route) => {
    route.handler = wrapHandler(route.handler, redis);
  });
  if (resolved.health !== undefined) registerHealthRoutes(app, redis, resolved.health);
  if (resolved.metricsPath !== undefined) registerMetricsRoute(app, redis, resolved.metricsPath);

  // Close what we created, never what we were handed.
  if (owned) {
    app.addHook('onClose', async () => {
      await redis.close({ deadlineMs: resolved.closeDeadlineMs });
    });
  }
};

/**
 * The redis-kit Fastify plugin: `app.register(redisKit, options)`. Decorates
 * `app.redis` and gives every request `redis()` (required: 503 while Redis is
 * unavailable), `redisOptional()` (null while unavailable) and `lease(fn)`
 * (managed: released when `fn` ends or the client disconnects).
 */
export const redisKit = fp(plugin, { fastify: '5.x', name: 'redis-kit' });
export default redisKit;
