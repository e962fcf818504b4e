import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createRedis, type RedisKit } from '../../src/index.js';
import { type CreateAppOptions, createApp } from '../../src/server/create-app.js';
import { PROBE_MAX_OPERATIONS } from '../../src/server/throughput-route.js';
import { EventReader } from '../helpers/event-reader.js';
import { freePort, type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

const BIN = fileURLToPath(new URL('../../../bin/redis-kit.js', import.meta.url));
const SECRET = 'a test secret of at least 32 characters';

function baseUrl(app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** `redis_kit_cache_requests_total{namespace="flags",outcome="near-hit"}` as the service's /metrics shows it. */
async function nearHitMetric(app: FastifyInstance): Promise<number> {
  const text = (await app.inject('/metrics')).body;
  const line = /^redis_kit_cache_requests_total\{namespace="flags",outcome="near-hit"\} (\d+)$/m.exec(text);
  return line === null ? 0 : Number(line[1]);
}

function sessionCookie(response: { cookies: { name: string; value: string }[] }): string | undefined {
  return response.cookies.find((c) => c.name === 'sessionId')?.value;
}

describe('reference service against a real Redis', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let app: FastifyInstance;

  before(async () => {
    server = await startRedis();
    redis = kitFor(server);
    await redis.connect();
    ({ app } = await createApp({ redis, sessionSecret: SECRET, rateLimit: 3, productLoadDelayMs: 1 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app?.close();
    await redis?.close({ deadlineMs: 2000 });
    await server?.stop();
  });

  it('serves the plugin health routes', async () => {
    const health = await app.inject('/health');
    assert.equal(health.statusCode, 200);
    // The summary for monitors: `checks` maps each check's name to its status.
    const report = health.json() as { status: string; checks: Record<string, string> };
    assert.equal(report.checks.connectivity, 'pass');
    // A loaded machine may class the PING latency 'poor' (a warn: 'degraded'); nothing else may fall short.
    const short = Object.entries(report.checks).filter(([name, status]) => status !== 'pass' && name !== 'performance');
    assert.deepEqual(short, [], JSON.stringify(report.checks));
    assert.notEqual(report.status, 'unhealthy');
    assert.equal((await app.inject('/health/ready')).statusCode, 200);
  });

  it('serves Prometheus metrics at /metrics', async () => {
    await app.inject('/api/v1/products/1');
    const metrics = await app.inject('/metrics');
    assert.equal(metrics.statusCode, 200);
    assert.match(String(metrics.headers['content-type']), /text\/plain/);
    assert.match(metrics.body, /^db_client_operation_duration_seconds_count\{[^}]*db_operation_name="get"/m);
  });

  it('a product read is x-cache: miss, then hit, through wrap', async () => {
    const first = await app.inject('/api/v1/products/2');
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['x-cache'], 'miss');
    assert.equal(first.json().name, 'mouse');
    const second = await app.inject('/api/v1/products/2');
    assert.equal(second.headers['x-cache'], 'hit');
    assert.deepEqual(second.json(), first.json());
    assert.equal(await server.command('EXISTS', 'products:2'), '1', 'the value is in Redis');
    const missing = await app.inject('/api/v1/products/999');
    assert.equal(missing.statusCode, 404);
  });

  it('login sets a session cookie stored in Redis; logout destroys it', async () => {
    const anonymous = await app.inject('/api/v1/me');
    assert.equal(anonymous.json().user, null);
    assert.equal(sessionCookie(anonymous), undefined, 'saveUninitialized: false: no cookie for an empty session');

    const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'ada' } });
    assert.equal(login.statusCode, 200);
    const cookie = sessionCookie(login);
    assert.ok(cookie !== undefined, 'a session cookie');
    assert.equal(await server.command('DBSIZE').then((n) => Number(n) > 0), true);
    const me = await app.inject({ url: '/api/v1/me', cookies: { sessionId: cookie } });
    assert.equal(me.json().user, 'ada');

    const logout = await app.inject({ method: 'POST', url: '/api/v1/logout', cookies: { sessionId: cookie } });
    assert.equal(logout.statusCode, 200);
    const after = await app.inject({ url: '/api/v1/me', cookies: { sessionId: cookie } });
    assert.equal(after.json().user, null, 'the old cookie names no session');
    const bad = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'a b' } });
    assert.equal(bad.statusCode, 400);
  });

  it('the limited route answers 429 with RateLimit headers after the limit', async () => {
    for (let i = 1; i <= 3; i++) {
      const ok = await app.inject('/api/v1/limited');
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['ratelimit-limit'], '3');
      assert.equal(ok.headers['ratelimit-remaining'], String(3 - i));
      assert.ok(Number(ok.headers['ratelimit-reset']) > 0);
    }
    const denied = await app.inject('/api/v1/limited');
    assert.equal(denied.statusCode, 429);
    assert.equal(denied.headers['ratelimit-remaining'], '0');
    assert.ok(Number(denied.headers['retry-after']) >= 1);
  });

  it('the progress stream receives a published message and unsubscribes when the client disconnects', async () => {
    const events = await EventReader.open(`${baseUrl(app)}/api/v1/progress/job-7`);
    await events.next((e) => e.event === 'subscribed', 'the subscribed event');
    assert.equal(await server.command('PUBSUB', 'NUMSUB', 'progress:job-7'), 'progress:job-7\n1');
    // Published from outside the service, as a worker would.
    const receivers = await redis.publish('progress:job-7', '40%');
    assert.ok(receivers >= 1);
    const progress = await events.next((e) => e.event === 'progress', 'the published progress');
    assert.equal(progress.data, '40%');
    const viaRoute = await app.inject({ method: 'POST', url: '/api/v1/progress/job-7', payload: { message: 'done' } });
    assert.equal(viaRoute.json().receivers, 1);
    await events.next((e) => e.data === 'done', 'the message published through the route');

    events.close();
    await waitFor(async () => (await server.command('PUBSUB', 'NUMSUB', 'progress:job-7')) === 'progress:job-7\n0', {
      what: 'the subscription to end with the request',
    });
  });

  it('flags: defaults, a write, then reads answered by the near-cache (x-cache and the service’s metrics agree), and a write seen at once', async () => {
    const fresh = await app.inject('/api/v1/flags/new-checkout');
    assert.deepEqual(fresh.json(), { name: 'new-checkout', enabled: false, source: 'default' });
    assert.equal(fresh.headers['x-cache'], 'miss');
    const put = await app.inject({ method: 'PUT', url: '/api/v1/flags/new-checkout', payload: { enabled: true } });
    assert.equal(put.statusCode, 200);
    // The near-cache goes live once CLIENT TRACKING is set up on the lanes; until then reads go to Redis.
    const nearHitsBefore = await nearHitMetric(app);
    const sources: unknown[] = [];
    const read = async (): Promise<unknown> => {
      const reply = await app.inject('/api/v1/flags/new-checkout');
      assert.deepEqual(reply.json(), { name: 'new-checkout', enabled: true, source: 'store' });
      sources.push(reply.headers['x-cache']);
      return reply.headers['x-cache'];
    };
    await waitFor(async () => (await read()) === 'near-hit', { what: 'a read answered by the near-cache' });
    assert.equal(await read(), 'near-hit', 'and the next one too: the value stays near');
    assert.deepEqual(
      sources.filter((source) => source !== 'near-hit' && source !== 'hit'),
      [],
      'every other read was a Redis hit',
    );
    const nearReads = sources.filter((source) => source === 'near-hit').length;
    assert.equal((await nearHitMetric(app)) - nearHitsBefore, nearReads, 'redis_kit_cache_requests_total counts the same near hits');
    // A write invalidates the near copy: the next read has the new value, not the kept one.
    await app.inject({ method: 'PUT', url: '/api/v1/flags/new-checkout', payload: { enabled: false } });
    assert.equal((await app.inject('/api/v1/flags/new-checkout')).json().enabled, false);
    assert.equal((await app.inject('/api/v1/flags/no-such-flag')).statusCode, 404);
    const bad = await app.inject({ method: 'PUT', url: '/api/v1/flags/dark-mode', payload: { enabled: 'yes' } });
    assert.equal(bad.statusCode, 400);
  });

  it('the throughput probe runs N operations, defaults to 10,000 and refuses N over the max', async () => {
    const small = await app.inject('/api/v1/test/redis?n=500');
    assert.equal(small.statusCode, 200);
    const body = small.json();
    assert.equal(body.operations, 500);
    assert.equal(body.mix.get + body.mix.set, 500);
    assert.equal(body.errors, 0);
    assert.ok(body.opsPerSec > 0);
    assert.ok(body.latencyMs.p50 <= body.latencyMs.p99 && body.latencyMs.p99 <= body.latencyMs.max);
    assert.equal((await app.inject('/api/v1/test/redis')).json().operations, 10_000);
    for (const n of [String(PROBE_MAX_OPERATIONS + 1), '0', '-5', '1.5', 'many']) {
      const refused = await app.inject(`/api/v1/test/redis?n=${n}`);
      assert.equal(refused.statusCode, 400, `n=${n}`);
      assert.equal(refused.json().error.code, 'BAD_PROBE_SIZE');
    }
  });

  it('the dashboard serves its page and assets (uPlot from the package) and streams stats', async () => {
    const page = await app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external URL: the page works offline');
    for (const asset of ['uPlot.iife.min.js', 'uPlot.min.css', 'dashboard.css', 'dashboard.mjs']) {
      const response = await app.inject(`/dashboard/assets/${asset}`);
      assert.equal(response.statusCode, 200, asset);
      assert.ok(response.body.length > 100, asset);
    }
    assert.equal((await app.inject('/dashboard/assets/..%2Fcreate-app.js')).statusCode, 404);
    const events = await EventReader.open(`${baseUrl(app)}/dashboard/events`);
    try {
      const first = await events.next((e) => e.event === 'stats', 'a stats event');
      const stats = first.data as Record<string, unknown>;
      assert.equal(stats.mode, 'redis');
      assert.equal(stats.onFallback, false);
      assert.equal((stats.breaker as { state: string }).state, 'closed');
      assert.ok((stats.rateLimit as { denied: number }).denied >= 1);
      await events.next((e) => e.event === 'stats' && e !== first, 'a second stats event a second later');
    } finally {
      events.close();
    }
  });
});

describe('reference service: the debug health routes are opt-in', () => {
  it('off by default; HEALTH_DEBUG_ROUTES=1 (or debugHealthRoutes) serves /debug/health/redis and its checks', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server);
    await redis.connect();
    const status = async (options: Partial<CreateAppOptions>, url: string): Promise<number> => {
      const { app } = await createApp({ redis, sessionSecret: SECRET, ...options });
      try {
        return (await app.inject(url)).statusCode;
      } finally {
        await app.close();
      }
    };
    assert.equal(await status({ env: {} }, '/debug/health/redis'), 404, 'off when the variable is unset');
    assert.equal(await status({ env: { HEALTH_DEBUG_ROUTES: 'yes' } }, '/debug/health/redis'), 404, 'anything but 1 or true is off');
    assert.equal(await status({ env: { HEALTH_DEBUG_ROUTES: '1' }, debugHealthRoutes: false }, '/debug/health/redis'), 404);
    const { app } = await createApp({ redis, sessionSecret: SECRET, env: { HEALTH_DEBUG_ROUTES: '1' } });
    try {
      const full = await app.inject('/debug/health/redis');
      assert.equal(full.statusCode, 200);
      assert.ok(full.body.includes(String(server.port)), 'the full report, which names the target');
      const serverInfo = await app.inject('/debug/health/redis/server-info');
      assert.equal(serverInfo.statusCode, 200);
      assert.equal(typeof serverInfo.json().check.facts.version, 'string');
      assert.equal((await app.inject('/health')).statusCode, 200, 'the public routes are unchanged');
    } finally {
      await app.close();
    }
    assert.equal(await status({ env: {}, debugHealthRoutes: true }, '/debug/health/redis/connectivity'), 200);
    assert.equal(await status({ env: { HEALTH_DEBUG_ROUTES: 'TRUE' } }, '/debug/health/redis/connectivity'), 200);
  });
});

describe('reference service on memory:// (no Redis)', () => {
  it('works with no Redis and says so', async () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    const { app } = await createApp({ redis, sessionSecret: SECRET, productLoadDelayMs: 1 });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      assert.equal((await app.inject('/health/ready')).json().mode, 'memory');
      assert.equal((await app.inject('/api/v1/products/1')).headers['x-cache'], 'miss');
      assert.equal((await app.inject('/api/v1/products/1')).headers['x-cache'], 'fallback');
      const login = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'grace' } });
      const cookie = sessionCookie(login);
      assert.ok(cookie !== undefined);
      assert.equal((await app.inject({ url: '/api/v1/me', cookies: { sessionId: cookie } })).json().user, 'grace');
      assert.equal((await app.inject('/api/v1/limited')).statusCode, 200);
      const events = await EventReader.open(`${baseUrl(app)}/dashboard/events`);
      try {
        const stats = (await events.next((e) => e.event === 'stats', 'a stats event')).data as Record<string, unknown>;
        assert.equal(stats.mode, 'memory');
        assert.equal(stats.onFallback, true, 'the page shows the fallback banner from this');
      } finally {
        events.close();
      }
    } finally {
      await app.close();
      await redis.close();
    }
  });
});

describe('redis-kit serve: the SIGTERM sequence', () => {
  const children = new Set<ChildProcess>();
  after(() => {
    for (const child of children) if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });

  it('turns not-ready, keeps serving through the drain window, ends streams, exits 0 with a final line', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), REDIS_URL: 'memory://', HEALTH_DEBUG_ROUTES: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.stderr?.resume();
    const lines: { msg: string; [k: string]: unknown }[] = [];
    const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const listening = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout ?? process.stdin }).on('line', (text) => {
        lines.push(JSON.parse(text) as { msg: string });
        if (/reference service on http:/.test(text)) resolve();
      });
    });
    await withTimeout(listening, 10_000, 'the service to listen');
    // Logged right after the listening line: await it rather than expect it already read.
    await waitFor(() => lines.some((l) => /memory:\/\//.test(l.msg)), { what: 'the log line saying it runs without Redis' });
    const url = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
    // HEALTH_DEBUG_ROUTES=1 in serve's environment turns the debug routes on.
    const debug = await fetch(`${url}/debug/health/redis`);
    assert.equal(debug.status, 200);
    assert.equal(((await debug.json()) as { checks: { connectivity: { mode: string } } }).checks.connectivity.mode, 'memory');
    const events = await EventReader.open(`${url}/dashboard/events`);
    await events.next((e) => e.event === 'stats', 'a first stats event');

    assert.ok(child.pid !== undefined);
    process.kill(child.pid, 'SIGTERM');
    await waitFor(() => lines.some((l) => l.msg === 'shutting down'), { what: 'the shutting-down line' });
    // The drain window: not ready, yet still serving new and open requests.
    assert.equal((await fetch(`${url}/health/ready`)).status, 503);
    assert.equal((await fetch(`${url}/health/live`)).status, 200);
    const seen = events.events.length;
    await events.next((e) => e.event === 'stats' && events.events.indexOf(e) >= seen, 'stats during the drain window');

    await withTimeout(events.ended, 10_000, 'the event stream to be ended by the shutdown');
    assert.equal(await withTimeout(exit, 10_000, 'serve to exit'), 0);
    const last = lines.at(-1);
    assert.match(last?.msg ?? '', /^stopped/, `the final log line: ${JSON.stringify(last)}`);
    assert.equal(last?.signal, 'SIGTERM');
  });
});
