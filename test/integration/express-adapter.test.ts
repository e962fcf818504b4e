import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { isRedisUnavailable, redisErrorHandler, redisKit, retryAfterSeconds, unavailableBody } from '../../src/express/index.js';
import {
  CommandTimeoutError,
  ConnectError,
  ConnectionLostError,
  type RedisKit,
  RedisUnavailableError,
  SessionUnavailableError,
} from '../../src/index.js';
import { type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

describe('redis-kit/express: middleware and error handler in a real Express 5 app', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let http: Server;
  let base: string;
  let leaseStarted: () => void = () => undefined;
  const forwarded: unknown[] = [];

  async function get(path: string): Promise<Reply> {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  before(async () => {
    server = await startRedis();
    await server.command('SET', 'k', 'v');
    // Retry-After is the probe interval rounded up to seconds: 1500 ms gives 2.
    redis = kitFor(server, { breakerFailureThreshold: 2, breakerProbeIntervalMs: 1500 });
    const app = express();
    app.use(redisKit(redis));
    app.get('/required', async (req, res) => {
      res.json({ value: await req.redis().get('k') });
    });
    app.get('/direct', async (_req, res) => {
      res.json({ value: await redis.get('k') });
    });
    app.get('/optional', async (req, res) => {
      const client = req.redisOptional();
      res.json(client === null ? { degraded: true } : { degraded: false, value: await client.get('k') });
    });
    app.get('/lease', async (req, res) => {
      res.json({ value: await req.lease(async (conn) => conn.get('k')) });
    });
    app.get('/lease-throws', async (req) => {
      await req.lease(async (conn) => {
        await conn.get('k');
        throw new Error('boom in the lease');
      });
    });
    app.get('/block', async (req, res) => {
      const value = await req.lease(async (conn) => {
        leaseStarted();
        // Blocks for 30 s: only the disconnect can end this lease within the test's wait.
        return conn.blpop('never-pushed', 30);
      });
      res.json({ value });
    });
    // The response has started when Redis fails (a session save during the body, say).
    app.get('/late', (_req, res, next) => {
      res.status(200).write('partial');
      next(new RedisUnavailableError('Redis is unavailable (circuit open)'));
    });
    app.use(redisErrorHandler());
    const appHandler: ErrorRequestHandler = (err, _req, res, _next) => {
      forwarded.push(err);
      if (res.headersSent) {
        res.end();
        return;
      }
      res.status(500).json({ handledBy: 'app', message: (err as Error).message });
    };
    app.use(appHandler);
    http = app.listen(0, '127.0.0.1');
    await once(http, 'listening');
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
    await redis.close();
    await server.stop();
  });

  it('req.redis(), req.redisOptional() and req.lease() answer while Redis is up', async () => {
    for (const path of ['/required', '/direct', '/lease']) {
      const reply = await get(path);
      assert.deepEqual([reply.status, JSON.parse(reply.text)], [200, { value: 'v' }], path);
    }
    assert.deepEqual(JSON.parse((await get('/optional')).text), { degraded: false, value: 'v' });
    assert.equal(redis.stats().pool.active, 0);
  });

  it('a lease whose fn throws is released; the error reaches the app handler', async () => {
    const reply = await get('/lease-throws');
    assert.deepEqual([reply.status, JSON.parse(reply.text)], [500, { handledBy: 'app', message: 'boom in the lease' }]);
    assert.equal(redis.stats().pool.active, 0);
  });

  it('a lease is released when the HTTP client disconnects mid-lease', async () => {
    const started = new Promise<void>((resolve) => {
      leaseStarted = resolve;
    });
    const req = httpRequest(`${base}/block`);
    req.on('error', () => undefined); // the socket hang-up we cause
    req.end();
    await withTimeout(started, 5000, 'the lease to start');
    await waitFor(() => redis.stats().pool.active === 1, { what: 'the lease to hold a connection' });
    req.destroy();
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to be released after the disconnect' });
    assert.equal(await redis.set('after', '1'), 'OK');
  });

  it('with headers already sent, the error goes on to next(err) instead of ERR_HTTP_HEADERS_SENT', async () => {
    forwarded.length = 0;
    const reply = await get('/late');
    assert.deepEqual([reply.status, reply.text], [200, 'partial']);
    assert.equal(forwarded.length, 1);
    assert.ok(forwarded[0] instanceof RedisUnavailableError, String(forwarded[0]));
  });

  it('server killed: 503 + Retry-After without host, optional degrades; 200 again after a restart', async () => {
    await server.kill();
    try {
      await waitFor(() => redis.isUnavailable, { what: 'the breaker to open', timeoutMs: 10_000 });
      for (const path of ['/required', '/direct']) {
        const reply = await get(path);
        assert.equal(reply.status, 503, path);
        assert.equal(reply.headers.get('retry-after'), '2');
        assert.deepEqual(JSON.parse(reply.text), {
          error: { code: 'ERR_REDIS_UNAVAILABLE', message: 'Redis is unavailable; retry later' },
        });
        assert.ok(!reply.text.includes(server.host) && !reply.text.includes(String(server.port)), reply.text);
      }
      assert.deepEqual(JSON.parse((await get('/optional')).text), { degraded: true });
    } finally {
      await server.restart();
    }
    await server.command('SET', 'k', 'v');
    await waitFor(() => !redis.isUnavailable, { what: 'the breaker to close', timeoutMs: 10_000 });
    const reply = await get('/required');
    assert.deepEqual([reply.status, JSON.parse(reply.text)], [200, { value: 'v' }]);
  });
});

describe('redis-kit adapters: what counts as "Redis unavailable"', () => {
  it('the breaker, no connection and the session store are; a lost connection and a timeout are not', () => {
    assert.equal(isRedisUnavailable(new RedisUnavailableError('circuit open')), true);
    assert.equal(isRedisUnavailable(new ConnectError('127.0.0.1:1', 'connection refused')), true);
    assert.equal(isRedisUnavailable(new SessionUnavailableError({ cause: new Error('down') })), true);
    // Their command may have run: a 503 with Retry-After would invite repeating a write.
    assert.equal(isRedisUnavailable(new ConnectionLostError('lost')), false);
    assert.equal(isRedisUnavailable(new CommandTimeoutError('get', 100)), false);
    // Unless it never left: it waited for a connection its whole deadline.
    assert.equal(isRedisUnavailable(new CommandTimeoutError('set', 100, false)), true);
    assert.equal(isRedisUnavailable(new Error('ERR_REDIS_UNAVAILABLE')), false);
    assert.equal(isRedisUnavailable({ code: 'ERR_REDIS_UNAVAILABLE' }), false);
  });

  it('Retry-After is the probe interval rounded up to seconds, at least 1; the body names no host', async () => {
    const cases: Array<[number, number]> = [
      [50, 1],
      [1000, 1],
      [1001, 2],
      [2500, 3],
    ];
    for (const [breakerProbeIntervalMs, seconds] of cases) {
      // Nothing connects until first use, so no server is needed to read the options.
      await using redis = kitFor({ url: 'redis://127.0.0.1:6379' }, { breakerProbeIntervalMs });
      assert.equal(retryAfterSeconds(redis), seconds, `${breakerProbeIntervalMs} ms`);
    }
    assert.equal(retryAfterSeconds(undefined), 1);
    assert.deepEqual(Object.keys(unavailableBody().error), ['code', 'message']);
  });
});
