import type { FastifyInstance } from 'fastify';
import type { RedisKit } from '../index.js';
import { isMemoryMode } from '../adapters/client-facts.js';
import { sendUnavailable } from './unavailable-reply.js';

/**
 * `/health`, `/health/live`, `/health/ready` under `prefix`. Kept small on
 * purpose: the health report itself belongs to the client.
 */
export function registerHealthRoutes(app: FastifyInstance, redis: RedisKit, prefix: string): void {
  // A summary of redis.health() without `target`: a public route must not name the host.
  app.get(`${prefix}/health`, async () => {
    const report = await redis.health();
    return {
      status: report.status,
      breaker: report.breaker,
      ...(report.latencyMs === undefined ? {} : { latencyMs: report.latencyMs }),
      ...(report.error === undefined ? {} : { error: { code: report.error.code } }),
      pool: report.pool,
    };
  });
  app.get(`${prefix}/health/live`, async () => ({ status: 'live' }));
  // memory:// has no Redis to wait for: the services run on their fallbacks, so the app is ready.
  app.get(`${prefix}/health/ready`, async (_request, reply) => {
    if (isMemoryMode(redis)) return { status: 'ready', mode: 'memory' };
    if (redis.isUnavailable) return sendUnavailable(reply, redis);
    return { status: 'ready' };
  });
}
