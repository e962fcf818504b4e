import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { redisKit } from '../../src/fastify/plugin.js';
import { ConfigError, type RedisKit } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** Client options as the tests' kitFor() sets them, for the plugin to create its own client with. */
function clientOptions(server: RedisServer) {
  return {
    env: {},
    url: server.url,
    connectTimeoutMs: 1000,
    socketTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    acquireTimeoutMs: 2000,
    retryMaxDelayMs: 200,
    breakerFailureThreshold: 2,
  };
}

/** An app with one route per way of getting Redis, plus an error handler of the app's own. */
async function appWith(options: Parameters<typeof redisKit>[1]): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(redisKit, options);
  // The app's own handler: the plugin must leave every other error to it.
  app.setErrorHandler((error, _request, reply) => reply.code(418).send({ handledBy: 'app', message: (error as Error).message }));
  app.get('/required', async (request) => ({ value: await request.redis().get('k') }));
  app.get('/direct', async (request) => ({ value: await request.server.redis.get('k') }));
  app.get('/sync-required', (request, reply) => {
    request.redis();
    reply.send({ ok: true });
  });
  app.get('/optional', async (request) => {
    const redis = request.redisOptional();
    return redis === null ? { degraded: true } : { degraded: false, value: await redis.get('k') };
  });
  app.get('/lease', async (request) => ({ value: await request.lease(async (conn) => conn.get('k')) }));
  app.get('/lease-throws', async (request) =>
    request.lease(async (conn) => {
      await conn.get('k');
      throw new Error('boom in the lease');
    }),
  );
  // An encapsulated child context registered after the plugin: its routes are wrapped too.
  await app.register(async (child) => {
    child.get('/child/required', async (request) => ({ value: await request.redis().get('k') }));
  });
  app.get('/other-error', async () => {
    throw new Error('not about Redis');
  });
  await app.ready();
  return app;
}

function assertUnavailableReply(response: { statusCode: number; headers: Record<string, unknown>; body: string }, server: RedisServer) {
  assert.equal(response.statusCode, 503);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${String(response.headers['retry-after'])}`);
  assert.deepEqual(JSON.parse(response.body), { error: { code: 'ERR_REDIS_UNAVAILABLE', message: 'Redis is unavailable; retry later' } });
  assert.ok(!response.body.includes(server.host) && !response.body.includes(String(server.port)), response.body);
}

describe('redis-kit/fastify: the three ways a route gets Redis', () => {
  let server: RedisServer;
  let app: FastifyInstance;

  before(async () => {
    server = await startRedis();
    await server.command('SET', 'k', 'v');
    app = await appWith({ ...clientOptions(server), healthRoutes: { prefix: '/ops' } });
  });
  after(async () => {
    await app.close();
    await server.stop();
  });

  it('decorates app.redis and answers through request.redis(), redisOptional() and lease()', async () => {
    assert.equal(typeof app.redis.get, 'function');
    for (const url of ['/required', '/direct', '/lease', '/child/required']) {
      const response = await app.inject(url);
      assert.deepEqual([response.statusCode, response.json()], [200, { value: 'v' }], url);
    }
    assert.deepEqual((await app.inject('/optional')).json(), { degraded: false, value: 'v' });
    assert.equal(app.redis.stats().pool.active, 0);
  });

  it('a lease whose fn throws is released, and the error reaches the app handler', async () => {
    const response = await app.inject('/lease-throws');
    assert.deepEqual([response.statusCode, response.json()], [418, { handledBy: 'app', message: 'boom in the lease' }]);
    assert.equal(app.redis.stats().pool.active, 0);
  });

  it('errors that are not about Redis go to the app error handler untouched', async () => {
    const response = await app.inject('/other-error');
    assert.deepEqual([response.statusCode, response.json()], [418, { handledBy: 'app', message: 'not about Redis' }]);
  });

  it('health routes under the prefix: summary without host, live, ready', async () => {
    const health = await app.inject('/ops/health');
    assert.equal(health.statusCode, 200);
    const body = health.json() as Record<string, unknown>;
    assert.notEqual(body.status, 'unhealthy');
    assert.deepEqual(Object.keys(body).sort(), ['checks', 'status', 'timestamp']);
    assert.equal((body.checks as Record<string, string>).connectivity, 'pass');
    assert.ok(!health.body.includes(server.host) && !health.body.includes(String(server.port)), health.body);
    assert.equal((await app.inject('/ops/health/live')).statusCode, 200);
    assert.deepEqual((await app.inject('/ops/health/ready')).json(), { status: 'ready' });
    assert.equal((await app.inject('/health')).statusCode, 404);
  });

  it('server killed: required routes answer 503 + Retry-After, optional degrades; back to 200 after a restart', async () => {
    await server.kill();
    try {
      await waitFor(() => app.redis.isUnavailable, { what: 'the breaker to open', timeoutMs: 10_000 });
      for (const url of ['/required', '/sync-required', '/direct', '/child/required', '/ops/health/ready']) {
        assertUnavailableReply(await app.inject(url), server);
      }
      assert.deepEqual((await app.inject('/optional')).json(), { degraded: true });
      const health = await app.inject('/ops/health');
      assert.equal(health.statusCode, 503);
      assert.equal((health.json() as { status: string }).status, 'unhealthy');
      assert.ok(!health.body.includes(String(server.port)), health.body);
    } finally {
      await server.restart();
    }
    await server.command('SET', 'k', 'v');
    await waitFor(() => !app.redis.isUnavailable, { what: 'the breaker to close', timeoutMs: 10_000 });
    const response = await app.inject('/required');
    assert.deepEqual([response.statusCode, response.json()], [200, { value: 'v' }]);
    assert.deepEqual((await app.inject('/ops/health/ready')).json(), { status: 'ready' });
  });
});

describe('redis-kit/fastify: request.lease() and a client that disconnects', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let app: FastifyInstance;
  let leaseStarted: () => void = () => undefined;

  before(async () => {
    server = await startRedis();
    redis = kitFor(server);
    app = Fastify();
    await app.register(redisKit, { client: redis });
    app.get('/block', async (request) =>
      request.lease(async (conn) => {
        leaseStarted();
        // Blocks for 30 s: only the disconnect can end this lease within the test's wait.
        return conn.blpop('never-pushed', 30);
      }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await redis.close();
    await server.stop();
  });

  it('the lease is aborted and its connection released when the HTTP client goes away mid-lease', async () => {
    const started = new Promise<void>((resolve) => {
      leaseStarted = resolve;
    });
    const { port } = app.server.address() as AddressInfo;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/block' });
    req.on('error', () => undefined); // the socket hang-up we cause
    req.end();
    await withTimeout(started, 5000, 'the lease to start');
    await waitFor(() => redis.stats().pool.active === 1, { what: 'the lease to hold a connection' });
    req.destroy();
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to be released after the disconnect' });
    // The client keeps working afterwards.
    assert.equal(await redis.set('after', '1'), 'OK');
  });
});

describe('redis-kit/fastify: ownership, close deadline, options', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('a client handed in ({ client }) is NOT closed by app.close()', async () => {
    await using redis = kitFor(server);
    const app = Fastify();
    await app.register(redisKit, { client: redis });
    await app.ready();
    assert.equal(app.redis, redis);
    await app.close();
    assert.notEqual(redis.state, 'closed');
    assert.equal(await redis.set('still', 'open'), 'OK');
  });

  it('a client the plugin created IS closed by app.close()', async () => {
    const app = Fastify();
    await app.register(redisKit, clientOptions(server));
    await app.ready();
    assert.equal(await app.redis.set('k', '1'), 'OK');
    await app.close();
    assert.equal(app.redis.state, 'closed');
  });

  it('onClose with a paused server returns by the drain deadline, not when the command would time out', async () => {
    const app = Fastify();
    // The command deadline is 60 s: only closeDeadlineMs can end app.close() within the bound.
    await app.register(redisKit, { ...clientOptions(server), commandTimeoutMs: 60_000, socketTimeoutMs: 30_000, closeDeadlineMs: 300 });
    await app.ready();
    await app.redis.connect();
    await server.pause();
    try {
      const pending = settle(app.redis.get('k'));
      // Wide safety net (10x the deadline).
      await withTimeout(app.close(), 3000, 'app.close() with a paused server');
      assert.equal(app.redis.state, 'destroyed');
      const result = await pending;
      assert.ok(!result.ok, 'the unfinished command failed at the deadline');
    } finally {
      await server.resume();
    }
  });

  it('rejects unknown client options, and client options next to { client }', async () => {
    const unknown = Fastify();
    // @ts-expect-error -- not an option of the client or the plugin
    unknown.register(redisKit, { env: {}, url: server.url, notAnOption: 1 });
    await assert.rejects(
      async () => {
        await unknown.ready();
      },
      (error: unknown) => error instanceof ConfigError && /notAnOption/.test(error.message),
    );

    await using redis = kitFor(server);
    const both = Fastify();
    // @ts-expect-error -- the types forbid it too; this is a JavaScript caller
    both.register(redisKit, { client: redis, url: server.url });
    await assert.rejects(
      async () => {
        await both.ready();
      },
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.name === 'fastify.client',
    );

    const badPrefix = Fastify();
    badPrefix.register(redisKit, { client: redis, healthRoutes: { prefix: 'no-slash' } });
    await assert.rejects(
      async () => {
        await badPrefix.ready();
      },
      (error: unknown) => error instanceof ConfigError && /healthRoutes\.prefix/.test(error.message),
    );
  });

  it('memory:// mode: ready is 200, required routes answer 503, optional ones degrade', async () => {
    const app = Fastify();
    await app.register(redisKit, { env: {}, url: 'memory://', healthRoutes: true });
    app.get('/required', async (request) => ({ value: await request.redis().get('k') }));
    app.get('/optional', async (request) => ({ degraded: request.redisOptional() === null }));
    await app.ready();
    try {
      assert.deepEqual((await app.inject('/health/ready')).json(), { status: 'ready', mode: 'memory' });
      const required = await app.inject('/required');
      assert.equal(required.statusCode, 503);
      assert.ok(Number(required.headers['retry-after']) >= 1);
      assert.deepEqual((await app.inject('/optional')).json(), { degraded: true });
    } finally {
      await app.close();
    }
  });
});
