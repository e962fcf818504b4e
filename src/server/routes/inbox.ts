import type { FastifyInstance } from 'fastify';
import type { RepositoryDependency } from '../repositories/dependency.js';
import type { Inbox } from '../repositories/inbox.js';
import type { Users } from '../repositories/users.js';
import { badRequest } from './repository-errors.js';
import { USER_ID } from './users.js';

/** How long `GET …/inbox/next` waits by default, and at most, ms: under the usual 60 s proxy idle timeout. */
const DEFAULT_WAIT_MS = 25_000;
const MAX_WAIT_MS = 55_000;
const MAX_NOTICE = 2000;

/**
 * A user's inbox of notices, delivered by long polling:
 *
 * - `POST /api/users/:id/inbox` `{ text }`: queues a notice for the user
 *   (201 with the inbox's length; 404 for no such user). Required: 503 while
 *   Redis is down.
 * - `GET /api/users/:id/inbox/next?waitMs=`: takes the oldest notice, waiting
 *   up to `waitMs` (default 25,000, at most 55,000) for one to arrive: 200
 *   `{ notice }`, or 204 when none came in time (poll again). Each notice
 *   goes to exactly one poll.
 *
 * The wait is a BLPOP, which holds its connection for as long as it blocks,
 * so it runs through the plugin's **managed** helper, `request.lease()`: an
 * exclusive connection, given back when the BLPOP answers, and also when the
 * HTTP client gives up first: the lease is aborted and the pool destroys
 * (and replaces) the connection, so a closed tab neither holds a pooled
 * connection for the rest of its wait nor goes on to take a notice nobody
 * will read (one popped in that same instant is lost: BLPOP delivers at
 * most once). The client would lease a bare `redis.blpop()` by itself, but
 * nothing would end that lease when the poller went away. Each waiting poll is one pooled connection: count
 * them into `REDIS_MAX_CONNECTIONS`. A lease while Redis is down is
 * `RedisUnavailableError`: the plugin's 503 with `Retry-After`. With
 * `memory://` there are no connections to lend, so both routes answer 503.
 */
export function registerInboxRoutes(app: FastifyInstance, users: RepositoryDependency<Users>, inbox: Inbox): void {
  app.post<{ Params: { id: string }; Body: { text?: unknown } }>('/api/users/:id/inbox', async (request, reply) => {
    const { id } = request.params;
    const text = request.body?.text;
    if (!USER_ID.test(id)) return reply.code(400).send(badRequest('id: a user id as POST /api/users returned it'));
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_NOTICE) {
      return reply.code(400).send(badRequest(`text: 1 to ${MAX_NOTICE} characters`));
    }
    if (!(await users.required(request).exists(id))) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such user' } });
    return reply.code(201).send({ queued: await inbox.push(request.redis(), id, text) });
  });

  app.get<{ Params: { id: string }; Querystring: { waitMs?: string } }>('/api/users/:id/inbox/next', async (request, reply) => {
    const { id } = request.params;
    const waitMs = Number(request.query.waitMs ?? DEFAULT_WAIT_MS);
    if (!USER_ID.test(id)) return reply.code(400).send(badRequest('id: a user id as POST /api/users returned it'));
    if (!Number.isInteger(waitMs) || waitMs < 1 || waitMs > MAX_WAIT_MS) {
      return reply.code(400).send(badRequest(`waitMs: a whole number from 1 to ${MAX_WAIT_MS}`));
    }
    if (!(await users.required(request).exists(id))) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such user' } });
    const notice = await request.lease((connection) => inbox.take(connection, id, waitMs));
    if (notice === undefined) return reply.code(204).send();
    return { notice };
  });
}
