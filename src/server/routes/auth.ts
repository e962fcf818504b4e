import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface Session {
    /**
     * The reference service's signed-in user; absent for an anonymous visitor.
     * A name of its own: this augmentation is global, and apps' `user` is theirs.
     */
    referenceUser?: string;
  }
}

const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `POST /api/v1/login` `{ username }`, `POST /api/v1/logout`, `GET /api/v1/me`:
 * sessions in the redis-kit session store through @fastify/session. A demo:
 * there is no password; the point is the session's life cycle.
 */
export function registerAuthRoutes(app: FastifyInstance): void {
  app.post<{ Body: { username?: unknown } }>('/api/v1/login', async (request, reply) => {
    const username = request.body?.username;
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      return reply.code(400).send({ error: { code: 'BAD_USERNAME', message: 'username: 1 to 64 of A-Z a-z 0-9 _ . -' } });
    }
    // A new id at login: an id planted before it (session fixation) is worth nothing after.
    await request.session.regenerate();
    request.session.referenceUser = username;
    return { user: username };
  });

  app.post('/api/v1/logout', async (request) => {
    // destroy() deletes the session from the store; the cookie then names nothing.
    if (request.session.referenceUser !== undefined) await request.session.destroy();
    return { user: null };
  });

  app.get('/api/v1/me', async (request) => ({ user: request.session.referenceUser ?? null }));
}
