import type { FastifyInstance } from 'fastify';
import type { RateLimiter } from '../../rate-limit/index.js';
import type { RateLimitDecisions } from '../service-state.js';

/**
 * `GET /api/v1/limited`: rate limited per client IP, with the standard
 * `RateLimit-Limit` / `-Remaining` / `-Reset` headers on every answer and
 * `Retry-After` on a 429. Each decision is counted for the dashboard.
 */
export function registerLimitedRoutes(app: FastifyInstance, limiter: RateLimiter, decisions: RateLimitDecisions): void {
  app.get('/api/v1/limited', async (request, reply) => {
    const result = await limiter.consume(request.ip);
    reply.headers(limiter.headers(result));
    if (!result.allowed) {
      decisions.denied++;
      return reply.code(429).send({ error: { code: 'RATE_LIMITED', message: 'too many requests; see Retry-After' } });
    }
    decisions.allowed++;
    return { allowed: true, remaining: result.remaining };
  });
}
