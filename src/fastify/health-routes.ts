import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RedisKit } from '../index.js';
import {
  DEBUG_CHECK_SEGMENTS,
  debugResponse,
  type HealthResponse,
  LoopLagMonitor,
  liveResponse,
  type ResolvedHealthRoutes,
  readyResponse,
  summaryResponse,
} from '../observability/health-http.js';

/**
 * `/health`, `/health/live`, `/health/ready` under `prefix`, and with
 * `debug` the `/debug/health/redis` routes. The answers themselves are in
 * observability/health-http.ts, shared with Express.
 */
export function registerHealthRoutes(app: FastifyInstance, redis: RedisKit, options: ResolvedHealthRoutes): void {
  const { prefix } = options;
  const monitor = new LoopLagMonitor();
  app.addHook('onClose', async () => monitor.close());
  app.get(`${prefix}/health`, async (_request, reply) => send(reply, await summaryResponse(redis)));
  app.get(`${prefix}/health/live`, async (_request, reply) => send(reply, liveResponse(monitor, options.liveMaxLagMs)));
  app.get(`${prefix}/health/ready`, async (_request, reply) => send(reply, readyResponse(redis)));
  if (!options.debug) return;
  app.get(`${prefix}/debug/health/redis`, async (_request, reply) => send(reply, await debugResponse(redis)));
  for (const segment of DEBUG_CHECK_SEGMENTS) {
    app.get(`${prefix}/debug/health/redis/${segment}`, async (_request, reply) => send(reply, await debugResponse(redis, segment)));
  }
}

function send(reply: FastifyReply, response: HealthResponse): FastifyReply {
  return reply.code(response.statusCode).headers(response.headers).send(response.body);
}
