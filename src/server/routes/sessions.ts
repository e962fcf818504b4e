import type { FastifyInstance } from 'fastify';
import type { SessionStore } from '../../session/index.js';
import type { RepositoryDependency } from '../repositories/dependency.js';

/**
 * `GET /api/v1/sessions/count`: how many sessions the store holds, the
 * session repository's optional variant: while Redis is down it answers 200
 * with `active: null` and `degraded: true` rather than failing a page that
 * only shows the figure. (Counting SCANs the store's keys: fine for a
 * dashboard, not for a hot path.)
 */
export function registerSessionRoutes(app: FastifyInstance, sessions: RepositoryDependency<SessionStore>): void {
  app.get('/api/v1/sessions/count', async (request, reply) => {
    const store = sessions.optional(request);
    if (store === null) {
      reply.header('x-degraded', 'redis-unavailable');
      return { active: null, degraded: true };
    }
    return { active: await store.length(), degraded: false };
  });
}
