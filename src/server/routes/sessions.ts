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

/**
 * `POST /api/v1/logout/everywhere`: signs the current user out of every
 * session they have (other browsers, other devices) and this one, answering
 * `{ user: null, revoked }`. The session repository's required variant: a
 * revocation must never answer 200 without having reached the store, so
 * while Redis is down it is a 503 with `Retry-After`, and it is asked for
 * first, before anything else is looked at. 401 for an anonymous visitor.
 * Registered where @fastify/session runs (it reads `request.session`).
 *
 * It finds the user's sessions with `all()`, a SCAN of the store: fine for a
 * demo; an app with many sessions keeps a set of session ids per user.
 */
export function registerSessionRevocationRoutes(scope: FastifyInstance, sessions: RepositoryDependency<SessionStore>): void {
  scope.post('/api/v1/logout/everywhere', async (request, reply) => {
    const store = sessions.required(request);
    const user = request.session.referenceUser;
    if (user === undefined) return reply.code(401).send({ error: { code: 'NOT_SIGNED_IN', message: 'sign in first' } });
    const current = request.session.sessionId;
    let revoked = 0;
    for (const [id, data] of await store.all()) {
      if (id !== current && data.referenceUser === user && (await store.delete(id))) revoked++;
    }
    await request.session.destroy();
    return { user: null, revoked: revoked + 1 };
  });
}
