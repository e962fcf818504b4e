import type { FastifyInstance } from 'fastify';
import type { RepositoryDependency } from '../repositories/dependency.js';
import { newUserSchema, userPatchSchema, type Users } from '../repositories/users.js';
import { badRequest, sendRepositoryError, sendSchemaIssues } from './repository-errors.js';

/** A record id `create()` made: 26 characters of Crockford base32. */
export const USER_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** Most ids one `GET /api/users/names` looks up. */
const MAX_NAMES = 100;

/**
 * `POST /api/users` `{ name, email }` (201 with the user and its id),
 * `GET /api/users/:id`, `PATCH /api/users/:id` `{ name?, email? }` (through
 * `update`: atomic against concurrent patches) and `GET
 * /api/users/by-email/:email` (the unique key) need the users repository
 * (`required`): while Redis is down they answer 503 with `Retry-After`, since
 * an account page, a sign-up or an edit cannot be answered without it.
 *
 * `GET /api/users/names?ids=A,B,…` (up to 100 ids) uses the `optional`
 * variant: it gives the display names other pages decorate their content
 * with (a message's author, a comment's), `{ names: { id: name | null } }`,
 * null for an id with no user. That page can still render without names, so
 * while Redis is down it answers 200 with every name null, `degraded: true`
 * and `x-degraded: redis-unavailable`, and the page shows "unknown user"
 * rather than an error. (Not a cached copy of earlier answers: names that
 * may have changed would be shown as current.)
 */
export function registerUserRoutes(app: FastifyInstance, users: RepositoryDependency<Users>): void {
  app.get<{ Querystring: { ids?: string } }>('/api/users/names', async (request, reply) => {
    const ids = (request.query.ids ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0 || ids.length > MAX_NAMES || !ids.every((id) => USER_ID.test(id))) {
      return reply.code(400).send(badRequest(`ids: 1 to ${MAX_NAMES} user ids, comma-separated`));
    }
    const repository = users.optional(request);
    if (repository === null) {
      reply.header('x-degraded', 'redis-unavailable');
      return { names: Object.fromEntries(ids.map((id) => [id, null])), degraded: true };
    }
    const found = await repository.getMany(ids);
    return { names: Object.fromEntries(ids.map((id, i) => [id, found[i]?.name ?? null])), degraded: false };
  });

  app.post<{ Body: unknown }>('/api/users', async (request, reply) => {
    const body = newUserSchema.safeParse(request.body ?? {});
    if (!body.success) return sendSchemaIssues(reply, body.error.issues);
    try {
      const created = await users.required(request).create({ ...body.data, createdAt: Date.now() });
      return reply.code(201).send({ id: created.id, ...created.value });
    } catch (error) {
      if (sendRepositoryError(reply, error)) return reply;
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>('/api/users/:id', async (request, reply) => {
    const { id } = request.params;
    if (!USER_ID.test(id)) return reply.code(400).send(badRequest('id: a user id as POST /api/users returned it'));
    const user = await users.required(request).get(id);
    if (user === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such user' } });
    return { id, ...user };
  });

  app.get<{ Params: { email: string } }>('/api/users/by-email/:email', async (request, reply) => {
    const found = await users.required(request).findBy('email', request.params.email.trim().toLowerCase());
    if (found === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no user with this email' } });
    return { id: found.id, ...found.value };
  });

  app.patch<{ Params: { id: string }; Body: unknown }>('/api/users/:id', async (request, reply) => {
    const { id } = request.params;
    if (!USER_ID.test(id)) return reply.code(400).send(badRequest('id: a user id as POST /api/users returned it'));
    const patch = userPatchSchema.safeParse(request.body ?? {});
    if (!patch.success) return sendSchemaIssues(reply, patch.error.issues);
    try {
      const updated = await users.required(request).update(id, (current) => ({ ...current, ...definedFields(patch.data) }));
      return { id, ...updated };
    } catch (error) {
      if (sendRepositoryError(reply, error)) return reply;
      throw error;
    }
  });
}

/** The patch without its absent fields: `{ name: undefined }` must not erase a name. */
function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
