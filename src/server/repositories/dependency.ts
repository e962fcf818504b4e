import type { FastifyRequest } from 'fastify';

/**
 * How a route depends on something stored in Redis, the way API services
 * inject repositories: `required(request)` for a route that cannot work
 * without it, `optional(request)` for one that can degrade. Both go through
 * the plugin's helpers, so "Redis is down" means the same thing everywhere:
 *
 * - `required` calls `request.redis()`, which throws `RedisUnavailableError`
 *   while the breaker is open; the plugin turns that into a 503 with
 *   `Retry-After`, before the route has done anything half-way;
 * - `optional` calls `request.redisOptional()` and gives `null` while Redis is
 *   unavailable, so the route answers with less instead of failing.
 *
 * The third helper, **managed** (`request.lease(fn)`), is not a repository
 * variant: it lends `fn` a connection of its own, for work that needs one
 * (a blocking read, WATCH/MULTI), given back when `fn` ends or the HTTP
 * client disconnects. The repositories' own transactions already lease
 * inside the repository (`update`); a route leases directly when it blocks.
 *
 * Where the service uses each (the example to copy):
 *
 * | repository | required | optional | managed |
 * | --- | --- | --- | --- |
 * | users (routes/users.ts, inbox.ts) | create, read, patch, by email, inbox | `GET /api/users/names` | `GET /api/users/:id/inbox/next` (BLPOP) |
 * | sessions (routes/sessions.ts) | `POST /api/v1/logout/everywhere` | `GET /api/v1/sessions/count` | |
 * | conversations (routes/conversations.ts) | append, the event stream | `GET …/messages` | |
 *
 * With `memory://` the repositories run in-process (there is no Redis to be
 * down), so both always give the repository: the plugin's helpers would
 * refuse, since the client reports itself unavailable in that mode.
 */
export class RepositoryDependency<R> {
  readonly #repository: R;
  readonly #inProcess: boolean;

  constructor(repository: R, inProcess: boolean) {
    this.#repository = repository;
    this.#inProcess = inProcess;
  }

  /** The repository; throws `RedisUnavailableError` (answered 503) while Redis is unavailable. */
  required(request: FastifyRequest): R {
    if (!this.#inProcess) request.redis();
    return this.#repository;
  }

  /** The repository, or `null` while Redis is unavailable. */
  optional(request: FastifyRequest): R | null {
    if (this.#inProcess) return this.#repository;
    return request.redisOptional() === null ? null : this.#repository;
  }
}
