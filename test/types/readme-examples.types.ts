/**
 * The README's Fastify and Express examples, compiled under strict with the
 * build so they cannot drift into code that does not compile (imports are
 * relative here, `redis-kit/fastify` / `redis-kit/express` in the README).
 * Never run.
 */
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import { redisErrorHandler, redisKit as redisMiddleware } from '../../src/express/index.js';
import { redisKit } from '../../src/fastify/plugin.js';
import { createRateLimiter, createRedis, sessionErrorStatus } from '../../src/index.js';

declare function buildFeed(): Promise<unknown>;

export async function fastifyExample(): Promise<void> {
  const app = Fastify();
  await app.register(redisKit, { healthRoutes: { prefix: '/ops' } }); // client options; the environment fills the rest

  // required: 503 + Retry-After while Redis is unavailable; the route catches nothing
  app.get('/counter', async (request) => ({ count: await request.redis().incr('counter') }));

  // optional: null while Redis is unavailable, so the route can degrade
  app.get('/feed', async (request) => {
    const redis = request.redisOptional();
    const cached = redis === null ? null : await redis.get('feed');
    return cached === null ? buildFeed() : JSON.parse(cached);
  });

  // managed: an exclusive connection, released when fn ends or the client disconnects
  app.post('/jobs/next', async (request) => ({ job: await request.lease((conn) => conn.blpop('jobs', 5)) }));

  await app.listen({ port: 3000 });
}

export async function fastifyOwnClientExample(): Promise<void> {
  const redis = createRedis();
  const app = Fastify();
  await app.register(redisKit, { client: redis });
  await app.close(); // leaves a client it was handed open
  await redis.close({ deadlineMs: 5000 });
}

export function expressExample(): void {
  const redis = createRedis();
  const limiter = createRateLimiter(redis, { limit: 100, windowMs: 60_000 });
  const app = express();
  app.use(redisMiddleware(redis));

  app.use(async (req, res, next) => {
    // @types/express 5: req.ip is string | undefined (undefined once the socket is gone);
    // the limiter refuses an empty key, so name that case.
    const result = await limiter.consume(req.ip ?? 'unknown');
    res.set(limiter.headers(result));
    if (!result.allowed) {
      res.status(429).send('Too many requests');
      return;
    }
    next();
  });

  app.get('/counter', async (req, res) => {
    res.json({ count: await req.redis().incr('counter') });
  });
  app.get('/feed', async (req, res) => {
    const client = req.redisOptional();
    const cached = client === null ? null : await client.get('feed');
    res.json(cached === null ? await buildFeed() : JSON.parse(cached));
  });
  app.post('/jobs/next', async (req, res) => {
    res.json({ job: await req.lease((conn) => conn.blpop('jobs', 5)) });
  });

  app.use(redisErrorHandler()); // 503 + Retry-After for "Redis unavailable"; every other error goes on
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    // The response has started (a session save that failed mid-body): no status can be set any
    // more; next(err) lets Express close the connection instead of throwing ERR_HTTP_HEADERS_SENT.
    if (res.headersSent) {
      next(err);
      return;
    }
    res.status(sessionErrorStatus(err) ?? 500).json({ error: 'something went wrong' });
  };
  app.use(onError);

  const server = app.listen(3000);
  process.once('SIGTERM', () => {
    server.close(() => void redis.close({ deadlineMs: 5000 }));
  });
}
