import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { redisHealthRouter } from '../../src/express/index.js';
import { redisKit } from '../../src/fastify/plugin.js';
import { ConfigError, createRedis, type RedisKit } from '../../src/index.js';
import type { HealthRoutesOptions } from '../../src/observability/health-http.js';
import { once, type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** One app per adapter, both answering `get(path)`. */
interface Harness {
  get(path: string): Promise<Reply>;
  close(): Promise<void>;
}

async function fastifyHarness(redis: RedisKit, routes: HealthRoutesOptions | true): Promise<Harness> {
  const app: FastifyInstance = Fastify();
  await app.register(redisKit, { client: redis, healthRoutes: routes });
  await app.ready();
  return {
    async get(path) {
      const response = await app.inject(path);
      return { status: response.statusCode, body: response.json(), text: response.body };
    },
    close: () => app.close(),
  };
}

async function expressHarness(redis: RedisKit, routes: HealthRoutesOptions | true): Promise<Harness> {
  const app = express();
  app.use(redisHealthRouter(redis, routes === true ? {} : routes));
  const http: Server = app.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    async get(path) {
      const response = await fetch(`${base}${path}`);
      const text = await response.text();
      // Express answers an unknown path with an HTML page.
      const body = response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : {};
      return { status: response.status, body, text };
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Busy-waits: blocks the event loop the way a runaway synchronous handler would. */
function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

for (const [adapter, make] of [
  ['fastify', fastifyHarness],
  ['express', expressHarness],
] as const) {
  describe(`health routes through a real ${adapter} app`, () => {
    let server: RedisServer;
    let redis: RedisKit;
    let plain: Harness;
    let debug: Harness;
    before(async () => {
      server = await startRedis();
      redis = kitFor(server, { breakerFailureThreshold: 2 });
      plain = await make(redis, true);
      debug = await make(redis, { prefix: '/ops', debug: true, liveMaxLagMs: 100 });
    });
    after(async () => {
      await plain.close();
      await debug.close();
      await redis.close();
      await server.stop();
    });

    it('/health is the summary: status, timestamp and check statuses, no host or port', async () => {
      const reply = await plain.get('/health');
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body).sort(), ['checks', 'status', 'timestamp']);
      assert.notEqual(reply.body.status, 'unhealthy');
      assert.deepEqual(Object.keys(reply.body.checks as object).sort(), ['connectionPool', 'connectivity', 'performance']);
      assert.ok(!reply.text.includes(String(server.port)) && !reply.text.includes(server.host), reply.text);
    });

    it('the debug routes exist only when enabled', async () => {
      assert.equal((await plain.get('/debug/health/redis')).status, 404);
      const full = await debug.get('/ops/debug/health/redis');
      assert.equal(full.status, 200);
      const checks = full.body.checks as Record<string, { status: string }>;
      assert.deepEqual(Object.keys(checks).sort(), ['connectionPool', 'connectivity', 'operational', 'performance', 'serverInfo']);
      assert.ok(full.text.includes(String(server.port)), 'the full report names the target');
      for (const [segment, name] of [
        ['connectivity', 'connectivity'],
        ['performance', 'performance'],
        ['server-info', 'serverInfo'],
        ['connection-pool', 'connectionPool'],
        ['operational', 'operational'],
      ]) {
        const one = await debug.get(`/ops/debug/health/redis/${segment}`);
        assert.equal(one.status, 200, segment);
        assert.ok(typeof (one.body.check as { status?: unknown }).status === 'string', `${segment}: ${one.text}`);
        if (name === 'serverInfo') assert.ok((one.body.check as { facts?: { version?: string } }).facts?.version);
      }
      // The topology checks of the other modes have their segments too; outside their mode, no check.
      for (const segment of ['sentinel', 'cluster-topology']) {
        const other = await debug.get(`/ops/debug/health/redis/${segment}`);
        assert.equal(other.status, 200, segment);
        assert.equal(other.body.check, null, `${segment}: ${other.text}`);
      }
      assert.equal((await debug.get('/ops/debug/health/redis/nonsense')).status, 404);
    });

    it('/health/live: 200, and 503 after the event loop was blocked longer than liveMaxLagMs', async () => {
      // A loaded machine may have lagged already: start from a window that was fine.
      await waitFor(async () => (await debug.get('/ops/health/live')).status === 200, { what: 'live', timeoutMs: 10_000 });
      blockLoop(400);
      const blocked = await debug.get('/ops/health/live');
      assert.equal(blocked.status, 503, blocked.text);
      assert.equal(blocked.body.status, 'unresponsive');
      await waitFor(async () => (await debug.get('/ops/health/live')).status === 200, { what: 'live again', timeoutMs: 10_000 });
    });

    it('Redis down: /health 503 unhealthy, /health/ready 503; both recover', async () => {
      assert.equal((await plain.get('/health/ready')).status, 200);
      await server.kill();
      try {
        await waitFor(() => redis.isUnavailable, { what: 'the breaker to open', timeoutMs: 10_000 });
        const health = await plain.get('/health');
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'unhealthy');
        assert.ok(!health.text.includes(String(server.port)), health.text);
        assert.equal((await plain.get('/health/ready')).status, 503);
      } finally {
        await server.restart();
      }
      await waitFor(() => !redis.isUnavailable, { what: 'the breaker to close', timeoutMs: 10_000 });
      await waitFor(async () => (await plain.get('/health')).status === 200, { what: '/health 200', timeoutMs: 10_000 });
      assert.equal((await plain.get('/health/ready')).status, 200);
    });
  });

  describe(`${adapter}: memory:// mode and bad options`, () => {
    it('memory://: ready 200 (the mode was chosen), /health 200 degraded', async () => {
      const memory = createRedis({ env: {}, url: 'memory://' });
      const app = await make(memory, { debug: true });
      try {
        assert.deepEqual((await app.get('/health/ready')).body, { status: 'ready', mode: 'memory' });
        const health = await app.get('/health');
        assert.deepEqual([health.status, health.body.status, health.body.checks], [200, 'degraded', { connectivity: 'warn' }]);
      } finally {
        await app.close();
        await memory.close();
      }
    });

    it('a bad liveMaxLagMs is a ConfigError', async () => {
      const memory = createRedis({ env: {}, url: 'memory://' });
      try {
        await assert.rejects(
          make(memory, { liveMaxLagMs: 0 }),
          (error: unknown) => error instanceof ConfigError && /liveMaxLagMs/.test(error.message),
        );
      } finally {
        await memory.close();
      }
    });
  });
}
