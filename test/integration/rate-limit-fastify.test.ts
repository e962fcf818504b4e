import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RedisKit } from '../../src/index.js';
import { createRateLimiter, fastifyRateLimitStore, type RateLimiter } from '../../src/rate-limit/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

async function appWith(
  register: (app: FastifyInstance) => PromiseLike<unknown>,
  routes: (app: FastifyInstance) => void = (app) => {
    app.get('/', async () => 'ok');
  },
): Promise<FastifyInstance> {
  const app = Fastify();
  await register(app);
  routes(app);
  await app.ready();
  return app;
}

describe('@fastify/rate-limit with the redis-kit store', () => {
  let server: RedisServer;
  let redis: RedisKit;
  before(async () => {
    server = await startRedis();
    redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    await redis.connect();
  });
  after(async () => {
    await redis.close();
    await server.stop();
  });

  it('counts in Redis: 200 up to max with the headers, then 429 with Retry-After', async () => {
    const app = await appWith((a) =>
      a.register(rateLimit, { max: 3, timeWindow: 60_000, store: fastifyRateLimitStore({ redis, prefix: 'fastify' }) }),
    );
    try {
      for (const remaining of ['2', '1', '0']) {
        const response = await app.inject('/');
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['x-ratelimit-limit'], '3');
        assert.equal(response.headers['x-ratelimit-remaining'], remaining);
        const reset = Number(response.headers['x-ratelimit-reset']);
        // The default sliding window counter weighs a window's count into the next one: up to two windows.
        assert.ok(reset > 0 && reset <= 120, `x-ratelimit-reset ${reset}`);
      }
      const limited = await app.inject('/');
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['x-ratelimit-remaining'], '0');
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 120, `retry-after ${retryAfter}`);
      // The count lives in Redis (the plugin's default key is the client IP), with a TTL.
      const [current, previous] = (await server.call('HMGET', 'fastify:sc:127.0.0.1', 'c', 'p')) as string[];
      assert.equal(Number(current) + Number(previous ?? 0), 3);
      assert.ok(Number(await server.command('PTTL', 'fastify:sc:127.0.0.1')) > 0);
    } finally {
      await app.close();
    }
  });

  it('shares the count between two app instances (two processes behind a balancer)', async () => {
    const register = (a: FastifyInstance) =>
      a.register(rateLimit, { max: 2, timeWindow: 60_000, store: fastifyRateLimitStore({ redis, prefix: 'shared' }) });
    const [one, two] = await Promise.all([appWith(register), appWith(register)]);
    try {
      const codes = [
        (await one.inject('/')).statusCode,
        (await two.inject('/')).statusCode,
        (await one.inject('/')).statusCode,
        (await two.inject('/')).statusCode,
      ];
      assert.deepEqual(codes, [200, 200, 429, 429]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("per-route config counts under the route's own scope and rule; a limiter's algorithm is used", async () => {
    let limiter: RateLimiter | undefined;
    const app = await appWith(
      async (a) => {
        limiter = createRateLimiter(redis, { limit: 100, windowMs: 60_000, algorithm: 'fixed-window', prefix: 'routes' });
        await a.register(rateLimit, { max: 3, timeWindow: 60_000, store: fastifyRateLimitStore(limiter) });
      },
      (a) => {
        a.get('/open', async () => 'ok');
        a.get('/login', { config: { rateLimit: { max: 1, timeWindow: 30_000 } } }, async () => 'ok');
      },
    );
    try {
      assert.equal((await app.inject('/login')).statusCode, 200);
      const limited = await app.inject('/login');
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['x-ratelimit-limit'], '1');
      assert.equal((await app.inject('/open')).headers['x-ratelimit-remaining'], '2', '/open has its own count and rule');
      assert.equal(await server.command('GET', 'routes:fw:GET%20%2Flogin:127.0.0.1'), '1');
      assert.equal(await server.command('GET', 'routes:fw:127.0.0.1'), '1');
      const ttl = Number(await server.command('PTTL', 'routes:fw:GET%20%2Flogin:127.0.0.1'));
      assert.ok(ttl > 0 && ttl <= 30_000, `the route's window (${ttl})`);
    } finally {
      await app.close();
      await limiter?.close();
    }
  });

  it('the key generator output is encoded: it cannot leave the namespace', async () => {
    const app = await appWith((a) =>
      a.register(rateLimit, {
        max: 5,
        timeWindow: 60_000,
        keyGenerator: (req) => String(req.headers['x-api-key']),
        store: fastifyRateLimitStore({ redis, prefix: 'apikey' }),
      }),
    );
    try {
      assert.equal((await app.inject({ url: '/', headers: { 'x-api-key': 'a:b{c}*' } })).statusCode, 200);
      assert.equal(await server.command('EXISTS', 'apikey:sc:a%3Ab%7Bc%7D%2A'), '1');
    } finally {
      await app.close();
    }
  });

  it('draft-spec headers (enableDraftSpec) carry the same numbers', async () => {
    const app = await appWith((a) =>
      a.register(rateLimit, {
        max: 1,
        timeWindow: 10_000,
        enableDraftSpec: true,
        store: fastifyRateLimitStore({ redis, prefix: 'draft' }),
      }),
    );
    try {
      const ok = await app.inject('/');
      assert.equal(ok.headers['ratelimit-limit'], '1');
      assert.equal(ok.headers['ratelimit-remaining'], '0');
      const limited = await app.inject('/');
      assert.equal(limited.statusCode, 429);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // Up to two windows with the default sliding window counter.
      assert.ok(Number(limited.headers['ratelimit-reset']) <= 20);
    } finally {
      await app.close();
    }
  });

  it('limiter.headers() in a plain route gives the standard headers', async () => {
    // The sliding log, whose reset and retry times are exact to the window, so the headers can be checked to the second.
    const limiter = createRateLimiter(redis, { algorithm: 'sliding-log', limit: 1, windowMs: 5000, prefix: 'plain' });
    const app = await appWith(
      async () => undefined,
      (a) => {
        a.get('/', async (request, reply) => {
          const result = await limiter.consume(request.ip);
          reply.headers(limiter.headers(result));
          if (!result.allowed) return reply.code(429).send('slow down');
          return 'ok';
        });
      },
    );
    try {
      const ok = await app.inject('/');
      assert.equal(ok.statusCode, 200);
      assert.deepEqual([ok.headers['ratelimit-limit'], ok.headers['ratelimit-remaining'], ok.headers['ratelimit-reset']], ['1', '0', '5']);
      assert.equal(ok.headers['retry-after'], undefined);
      const limited = await app.inject('/');
      assert.equal(limited.statusCode, 429);
      assert.ok(['4', '5'].includes(String(limited.headers['retry-after'])), `retry-after ${limited.headers['retry-after']}`);
    } finally {
      await app.close();
      await limiter.close();
    }
  });

  it('keeps limiting (on the memory fallback) while Redis is down: no 500s', async () => {
    const app = await appWith((a) =>
      a.register(rateLimit, { max: 2, timeWindow: 60_000, store: fastifyRateLimitStore({ redis, prefix: 'down' }) }),
    );
    try {
      const unavailable = once(redis, 'unavailable');
      await server.kill();
      await unavailable;
      const codes = [(await app.inject('/')).statusCode, (await app.inject('/')).statusCode, (await app.inject('/')).statusCode];
      assert.deepEqual(codes, [200, 200, 429]);
    } finally {
      await app.close();
      const ready = once(redis, 'ready');
      await server.restart();
      await ready;
    }
  });
});
