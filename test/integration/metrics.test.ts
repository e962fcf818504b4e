import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import express from 'express';
import Fastify from 'fastify';
import { metricsHandler } from '../../src/express/index.js';
import { redisKit } from '../../src/fastify/plugin.js';
import { channelNames, createRedis, type RedisKit } from '../../src/index.js';
import { createMetrics, type Metrics } from '../../src/observability/prometheus/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';
import { type MetricsJson, parseExposition, sampleValue } from '../helpers/prom-text.js';
import { promtoolCheck } from '../helpers/promtool.js';

const SECRET = 'metrics-S3cret-pa55word';

/** A promise and the function that resolves it, to hold a lease open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('Prometheus metrics from the diagnostics channels', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let metrics: Metrics;

  before(async () => {
    server = await startRedis({ args: ['--requirepass', SECRET] });
    redis = kitFor({ url: `redis://:${SECRET}@127.0.0.1:${server.port}` }, { maxConnections: 5 });
    metrics = createMetrics(redis);
    await redis.connect();
  });
  after(async () => {
    await metrics.close();
    await redis.close();
    await server.stop();
  });

  it('counts every GET once in db_client_operation_duration_seconds and redis_kit_commands_total', async () => {
    const before = await metrics.registry.getMetricsAsJSON();
    const gets = 7;
    for (let i = 0; i < gets; i++) await redis.get(`k${i}`);
    const json = await metrics.registry.getMetricsAsJSON();
    const count = (j: MetricsJson) => sampleValue(j, 'db_client_operation_duration_seconds_count', { db_operation_name: 'get' });
    assert.equal(count(json) - count(before), gets);
    const total = (j: MetricsJson) => sampleValue(j, 'redis_kit_commands_total', { db_operation_name: 'get', outcome: 'ok' });
    assert.equal(total(json) - total(before), gets);
    // Every observation is in seconds: seven loopback GETs take far less than the 10 s bucket.
    assert.equal(sampleValue(json, 'db_client_operation_duration_seconds_bucket', { db_operation_name: 'get', le: 10 }), count(json));
  });

  it('labels a failed command with its error code, and an unknown command as "other"', async () => {
    await redis.set('a-string', 'x');
    const wrongType = await settle(redis.lpush('a-string', 'y'));
    assert.equal(wrongType.ok, false);
    const unknown = await settle(redis.sendCommand('no-such-command', []));
    assert.equal(unknown.ok, false);
    const json = await metrics.registry.getMetricsAsJSON();
    assert.equal(
      sampleValue(json, 'db_client_operation_duration_seconds_count', { db_operation_name: 'lpush', error_type: 'ERR_REDIS_WRONGTYPE' }),
      1,
    );
    assert.equal(sampleValue(json, 'redis_kit_commands_total', { db_operation_name: 'lpush', outcome: 'error' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_commands_total', { db_operation_name: 'other', outcome: 'error' }), 1);
    const names = json
      .find((m) => m.name === 'redis_kit_commands_total')
      ?.values.map((v) => (v.labels as Record<string, unknown>).db_operation_name);
    assert.ok(!names?.includes('no-such-command'), 'an unknown command name never becomes a label value');
  });

  it('leases: wait and use histograms, pool gauges at scrape time, and a timeout counted', async () => {
    const before = await metrics.registry.getMetricsAsJSON();
    await redis.lease(async (conn) => conn.ping());
    await redis.lease(async (conn) => conn.ping());
    let json = await metrics.registry.getMetricsAsJSON();
    assert.equal(
      sampleValue(json, 'db_client_connection_wait_time_seconds_count') -
        sampleValue(before, 'db_client_connection_wait_time_seconds_count'),
      2,
    );
    assert.equal(
      sampleValue(json, 'db_client_connection_use_time_seconds_count') - sampleValue(before, 'db_client_connection_use_time_seconds_count'),
      2,
    );
    assert.equal(sampleValue(json, 'db_client_connection_max'), 5);
    assert.equal(sampleValue(json, 'db_client_connections_usage', { state: 'used' }), 0);
    assert.equal(sampleValue(json, 'db_client_connection_timeouts_total'), 0);

    // Hold every pooled connection, then ask for one more.
    const hold = deferred();
    let leased = 0;
    const holders = Array.from({ length: 5 }, () =>
      redis.lease(async () => {
        leased++;
        await hold.promise;
      }),
    );
    await waitFor(() => leased === 5, { what: 'five leases held' });
    const late = settle(redis.lease(async (conn) => conn.ping(), { timeoutMs: 200 }));
    await waitFor(() => redis.stats().pool.waiting === 1, { what: 'the sixth lease to wait' });
    json = await metrics.registry.getMetricsAsJSON();
    assert.equal(sampleValue(json, 'db_client_connections_usage', { state: 'used' }), 5);
    assert.equal(sampleValue(json, 'db_client_connection_pending_requests'), 1);
    const result = await late;
    assert.equal(result.ok ? undefined : (result.error as { code?: string }).code, 'ERR_REDIS_POOL_TIMEOUT');
    hold.resolve();
    await Promise.all(holders);

    json = await metrics.registry.getMetricsAsJSON();
    assert.equal(sampleValue(json, 'db_client_connection_timeouts_total'), 1);
    assert.equal(sampleValue(json, 'db_client_connections_usage', { state: 'idle' }), 5);
    assert.equal(sampleValue(json, 'db_client_connection_pending_requests'), 0);
    assert.equal(sampleValue(json, 'redis_kit_connections_created_total', { role: 'lease' }), 5);
    assert.ok(sampleValue(json, 'redis_kit_lanes_ready') >= 1);
    assert.equal(sampleValue(json, 'redis_kit_breaker_open'), 0);
  });

  it('cache hit, miss and fallback hit; rate-limit allow and deny; a pub/sub message', async () => {
    const cache = redis.cache<string>({ namespace: 'products' });
    assert.equal(await cache.get('p1'), undefined);
    await cache.set('p1', 'book');
    assert.equal(await cache.get('p1'), 'book');
    const near = redis.cache<string>({ namespace: 'near', nearCache: { maxEntries: 10 } });
    await waitFor(() => near.stats().nearCache.live, { what: 'the near-cache to go live' });
    await near.set('n1', 'pen');
    assert.equal(await near.get('n1'), 'pen'); // from Redis, kept near
    assert.equal(await near.get('n1'), 'pen'); // from the near-cache
    // A memory:// client's cache runs on its fallback; the channels are process-wide, so it is counted too.
    const embedded = createRedis({ env: {}, url: 'memory://' });
    const offline = embedded.cache<string>({ namespace: 'offline' });
    await offline.set('p1', 'book');
    assert.equal(await offline.get('p1'), 'book');
    await embedded.close();

    const limiter = redis.rateLimiter({ limit: 1, windowMs: 60_000 });
    assert.equal((await limiter.consume('user-42')).allowed, true);
    assert.equal((await limiter.consume('user-42')).allowed, false);

    let received = 0;
    const subscription = await redis.subscribe('news', () => {
      received++;
    });
    await redis.publish('news', 'hello');
    await waitFor(() => received === 1, { what: 'the message to arrive' });
    await subscription.unsubscribe();

    const json = await metrics.registry.getMetricsAsJSON();
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'products', outcome: 'miss' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'products', outcome: 'hit' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'offline', outcome: 'fallback-hit' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'near', outcome: 'hit' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'near', outcome: 'near-hit' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_rate_limit_decisions_total', { decision: 'allowed', source: 'redis' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_rate_limit_decisions_total', { decision: 'denied', source: 'redis' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_pubsub_messages_total', { kind: 'channel' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_connections_created_total', { role: 'subscriber' }), 1);
    await Promise.all([cache.close(), near.close(), limiter.close()]);
  });

  it('a stale value served by wrap() counts in redis_kit_cache_stale_hits_total, and as a hit', async () => {
    const cache = redis.cache<string>({ namespace: 'stale', ttlMs: 50, staleWhileRevalidateMs: 60_000 });
    let loads = 0;
    const loader = async (): Promise<string> => `v${++loads}`;
    assert.equal(await cache.wrap('k', loader), 'v1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await cache.wrap('k', loader), 'v1', 'past ttlMs: the stale value, refreshed behind it');
    await waitFor(() => loads === 2, { what: 'the background refresh' });
    assert.equal(cache.stats().staleHits, 1);
    const json = await metrics.registry.getMetricsAsJSON();
    assert.equal(sampleValue(json, 'redis_kit_cache_stale_hits_total', { namespace: 'stale' }), 1);
    assert.equal(sampleValue(json, 'redis_kit_cache_requests_total', { namespace: 'stale', outcome: 'hit' }), 1);
    await cache.close();
  });

  it('the exposition passes promtool check metrics, parses back, and holds no secret, key or host', async () => {
    const text = await metrics.exposition();
    const { code, output } = await promtoolCheck(text);
    assert.equal(output.trim(), '', 'promtool printed no lint problem');
    assert.equal(code, 0);
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);

    const json = await metrics.registry.getMetricsAsJSON();
    for (const metric of json) {
      assert.ok(text.includes(`# TYPE ${metric.name} ${metric.type}`), `${metric.name} is in the text as a ${metric.type}`);
    }
    // Parsed back, the text holds the registry's values: every sample of these series, labels and all
    // (counters and a histogram the earlier tests fed, and a gauge; nothing moves them between the two reads).
    const samples = parseExposition(text);
    const compared = [
      'redis_kit_commands_total',
      'redis_kit_cache_requests_total',
      'redis_kit_rate_limit_decisions_total',
      'redis_kit_cache_stale_hits_total',
      'db_client_connection_max',
      'db_client_connection_wait_time_seconds',
    ];
    for (const name of compared) {
      const metric = json.find((m) => m.name === name);
      assert.ok(metric !== undefined && metric.values.length > 0, `${name} has samples`);
      for (const value of metric.values) {
        const series = (value as { metricName?: string }).metricName ?? name;
        const labels = Object.fromEntries(Object.entries(value.labels).map(([k, v]) => [k, String(v)]));
        const found = samples.filter((sample) => sample.name === series && isDeepStrictEqual(sample.labels, labels));
        assert.equal(found.length, 1, `${series} ${JSON.stringify(labels)} appears once in the text`);
        assert.equal(found[0]?.value, value.value, `${series} ${JSON.stringify(labels)}`);
      }
    }
    assert.equal(
      samples.find(
        (sample) =>
          sample.name === 'redis_kit_commands_total' && sample.labels.db_operation_name === 'get' && sample.labels.outcome === 'ok',
      )?.value,
      sampleValue(json, 'redis_kit_commands_total', { db_operation_name: 'get', outcome: 'ok' }),
    );
    assert.ok(!text.includes(SECRET), 'the password never appears');
    assert.ok(!text.includes('127.0.0.1'), 'no host');
    assert.ok(!text.includes('user-42') && !text.includes('a-string') && !text.includes('news'), 'no key or channel name');
  });

  it('close() unsubscribes: publishing afterwards changes nothing in the registry', async () => {
    const own = createMetrics(redis, { prefix: 'closing_' });
    await redis.get('before-close');
    await own.close();
    assert.equal(own.closed, true);
    const frozen = await own.registry.getMetricsAsJSON();
    await redis.get('after-close');
    await redis.lease(async (conn) => conn.ping());
    diagnosticsChannel.channel(channelNames.breakerState).publish({ from: 'closed', to: 'open' });
    diagnosticsChannel.channel(channelNames.cacheResult).publish({ namespace: 'late', outcome: 'hit', stale: false });
    assert.deepEqual(await own.registry.getMetricsAsJSON(), frozen);
    assert.equal(sampleValue(frozen, 'closing_db_client_operation_duration_seconds_count', { db_operation_name: 'get' }), 1);
  });

  it('the client closing closes its metrics', async () => {
    const client = kitFor({ url: `redis://:${SECRET}@127.0.0.1:${server.port}` });
    const own = createMetrics(client, { prefix: 'owned_' });
    await client.close();
    assert.equal(own.closed, true);
  });

  it('Fastify: metrics: true answers GET /metrics with the exposition; { path } moves it', async () => {
    const app = Fastify();
    await app.register(redisKit, { client: redis, metrics: true });
    await redis.get('through-fastify');
    const reply = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(reply.statusCode, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(reply.body, /^db_client_operation_duration_seconds_count\{db_operation_name="get"\} \d+$/m);
    assert.ok(!reply.body.includes(SECRET));
    await app.close();
    assert.equal(redis.closed, false, 'a client handed to the plugin stays open');

    const moved = Fastify();
    await moved.register(redisKit, { client: redis, metrics: { path: '/ops/metrics' } });
    assert.equal((await moved.inject({ method: 'GET', url: '/ops/metrics' })).statusCode, 200);
    assert.equal((await moved.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
    await moved.close();
  });

  it('Express: metricsHandler(metrics) answers with the exposition and its content type', async () => {
    const app = express();
    app.get('/metrics', metricsHandler(metrics));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listening.once('listening', resolve));
    try {
      const address = listening.address();
      assert.ok(address !== null && typeof address === 'object');
      const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await response.text(), /^# TYPE db_client_operation_duration_seconds histogram$/m);
    } finally {
      await new Promise<void>((resolve, reject) => listening.close((error) => (error ? reject(error) : resolve())));
    }
  });
});
