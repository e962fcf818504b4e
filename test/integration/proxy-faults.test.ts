import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  CommandTimeoutError,
  ConnectError,
  type ConnectionEvent,
  ConnectionLostError,
  channelNames,
  RedisKitError,
  RedisUnavailableError,
} from '../../src/index.js';
import { type FaultProxy, once, type RedisServer, startFaultProxy, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/**
 * Resolves with the first `count` events published on a diagnostics channel that match. The
 * subscription is made at once, so call it before injecting the fault the events are about.
 */
function nextEvents<T>(name: string, match: (message: T) => boolean, count = 1, timeoutMs = 5000): Promise<T[]> {
  const seen: T[] = [];
  let listener: ((message: unknown) => void) | undefined;
  const events = new Promise<T[]>((resolve) => {
    listener = (message: unknown) => {
      if (!match(message as T)) return;
      seen.push(message as T);
      if (seen.length === count) resolve(seen);
    };
    diagnosticsChannel.subscribe(name, listener);
  });
  const bounded = withTimeout(events, timeoutMs, `${count} '${name}' event(s) (saw ${seen.length})`).finally(() => {
    if (listener !== undefined) diagnosticsChannel.unsubscribe(name, listener);
  });
  // Observed by the caller later; a timeout before then must not count as unhandled.
  bounded.catch(() => undefined);
  return bounded;
}

const laneBroken = (event: ConnectionEvent) => event.role === 'lane' && event.reason === 'broken';

/** Milliseconds `promise` took to settle, and how it settled. */
async function timed<T>(promise: Promise<T>): Promise<{ elapsed: number; result: Awaited<ReturnType<typeof settle<T>>> }> {
  const started = performance.now();
  const result = await settle(promise);
  return { elapsed: performance.now() - started, result };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name} (${(error as { code?: string }).code}): ${error.message}` : String(error);
}

describe('faults: a fault proxy between the client and a real server', () => {
  let server: RedisServer;
  let proxy: FaultProxy;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    // A fresh proxy per test: no switch (latency, blackhole, refuse) leaks into the next test.
    proxy = await startFaultProxy({ host: server.host, port: server.port });
  });
  afterEach(async () => {
    await proxy.close();
  });

  it('blackhole: a command ends with CommandTimeoutError at its deadline; the lane is replaced and works again', async () => {
    // One lane, so "the lane" is unambiguous and 'ready' means it is back.
    await using redis = kitFor(proxy, { lanes: 1, commandTimeoutMs: 300, socketTimeoutMs: 1000 });
    await redis.connect();
    await redis.set('bh:key', 'value');
    const lost = nextEvents<ConnectionEvent>(channelNames.connectionDestroy, laneBroken);

    proxy.blackhole();
    const { elapsed, result } = await timed(redis.get('bh:key'));
    assert.ok(!result.ok && result.error instanceof CommandTimeoutError, describeError(!result.ok && result.error));
    assert.equal(result.error.timeoutMs, 300);
    assert.equal(result.error.code, 'ERR_REDIS_COMMAND_TIMEOUT');
    // The error and its timeoutMs say the deadline ended it; not before it, and the upper bound
    // is only a 10x safety net.
    assert.ok(elapsed >= 295 && elapsed < 3000, `ended after ${elapsed.toFixed(0)} ms, not at its 300 ms deadline`);

    // The socket timeout (1 s after the unanswered write) drops the wedged lane. Waiting for that
    // while still blackholed keeps the test from un-dropping bytes mid-stream, which TCP never does.
    const [event] = await lost;
    assert.match(String(event?.error?.message), /timeout/i, 'dropped by the socket timeout');
    const ready = once(redis, 'ready', 5000);
    proxy.blackhole(false);
    await ready;

    assert.equal(await redis.get('bh:key'), 'value');
    assert.equal(await redis.set('bh:after', '1'), 'OK');
    assert.equal(redis.stats().lanes.ready, 1);
    assert.equal(redis.stats().commands.errors.ERR_REDIS_COMMAND_TIMEOUT, 1);
  });

  it('latency: command latency and health().latencyMs show the added round trip', async () => {
    const baseline = { p50Ms: 0, healthMs: 0 };
    {
      // Without latency: the baseline the delayed round trips are compared with.
      await using fast = kitFor(proxy);
      await fast.connect();
      await fast.set('lat:key', 'x');
      for (let i = 0; i < 20; i++) await fast.get('lat:key');
      baseline.p50Ms = fast.stats().commands.latency.p50Ms;
      const health = await fast.health();
      assert.notEqual(health.status, 'unhealthy');
      assert.ok(health.latencyMs !== undefined);
      baseline.healthMs = health.latencyMs;
    }

    proxy.setLatency(40);
    // A fresh client, so its latency summary holds only delayed commands.
    await using slow = kitFor(proxy);
    await slow.connect();
    for (let i = 0; i < 20; i++) assert.equal(await slow.get('lat:key'), 'x');
    const { latency } = slow.stats().commands;
    assert.ok(latency.count >= 20);
    // Request and reply are each held back 40 ms: a lower bound, as the delay can only add to a
    // round trip. The baseline is compared, not bounded (a loaded machine slows both runs).
    assert.ok(latency.p50Ms >= 78, `p50 with 40 ms each way is ${latency.p50Ms.toFixed(2)} ms`);
    assert.ok(baseline.p50Ms < latency.p50Ms, `p50 without latency ${baseline.p50Ms.toFixed(2)} ms is lower`);
    assert.ok(latency.p50Ms < 800, `p50 ${latency.p50Ms.toFixed(2)} ms: delayed, not stuck (a 10x safety net)`);
    const health = await slow.health();
    assert.notEqual(health.status, 'unhealthy');
    assert.ok(health.latencyMs !== undefined && health.latencyMs >= 78, `health latency ${health.latencyMs}`);
    assert.ok(baseline.healthMs < health.latencyMs, `health latency without delay ${baseline.healthMs.toFixed(2)} ms is lower`);
  });

  it('reset: reads in flight and after are resent, writes succeed or fail typed, lanes reconnect', async () => {
    await using redis = kitFor(proxy, { commandTimeoutMs: 2000 });
    await redis.connect();
    await redis.set('rst:key', 'kept');
    const lost = nextEvents<ConnectionEvent>(channelNames.connectionDestroy, laneBroken, 2);

    // Held in the proxy for a moment, so these are surely written and unanswered when the RST comes.
    proxy.setLatency(30);
    const readsBefore = Array.from({ length: 5 }, () => redis.get('rst:key'));
    const writesBefore = Array.from({ length: 5 }, (_, i) => settle(redis.set(`rst:w${i}`, 'x')));
    await new Promise<void>((resolve) => setImmediate(resolve));
    proxy.resetAll();
    proxy.setLatency(0);
    // Issued while the client has not yet noticed the reset.
    const readAfter = redis.get('rst:key');
    const writeAfter = settle(redis.incr('rst:counter'));

    const reads = await withTimeout(Promise.all([...readsBefore, readAfter]), 3000, 'the reads to be answered');
    assert.deepEqual(reads, Array(6).fill('kept'));
    const writes = await withTimeout(Promise.all([...writesBefore, writeAfter]), 3000, 'the writes to settle');
    for (const [i, write] of writes.entries()) {
      if (write.ok) {
        const key = i < writesBefore.length ? `rst:w${i}` : 'rst:counter';
        assert.equal(await server.command('EXISTS', key), '1', `a write reported done really ran (${key})`);
        continue;
      }
      assert.ok(write.error instanceof ConnectionLostError, `a write failed with ${describeError(write.error)}`);
      assert.equal(write.error.code, 'ERR_REDIS_CONNECTION_LOST');
    }

    await lost;
    await waitFor(() => redis.stats().lanes.ready === 2, { what: 'both lanes to reconnect' });
    assert.equal(await redis.get('rst:key'), 'kept');
    assert.equal(await redis.set('rst:after', 'y'), 'OK');
    assert.equal(redis.stats().breaker.state, 'closed');
  });

  it('half-close: the client notices the FIN, reconnects, and commands succeed', async () => {
    await using redis = kitFor(proxy);
    await redis.connect();
    await redis.set('hc:key', 'v');
    const lost = nextEvents<ConnectionEvent>(channelNames.connectionDestroy, laneBroken, 2);
    const reconnected = nextEvents<ConnectionEvent>(channelNames.connectionCreate, (e) => e.role === 'lane', 2);

    proxy.halfCloseAll();
    const read = redis.get('hc:key');
    await lost;
    await reconnected;
    assert.equal(await withTimeout(read, 3000, 'the read issued during the half-close'), 'v');
    await waitFor(() => redis.stats().lanes.ready === 2, { what: 'both lanes ready' });
    assert.equal(await redis.set('hc:after', 'w'), 'OK');
    assert.equal(await redis.get('hc:after'), 'w');
  });

  it('refuse at startup: connect() rejects typed, then the client recovers by itself', async () => {
    proxy.refuse();
    await using redis = kitFor(proxy, { breakerFailureThreshold: 2 });
    const error = await redis.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError || error instanceof RedisUnavailableError, describeError(error));
    assert.ok(error instanceof RedisKitError);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${proxy.port}`), 'says where it looked');

    const ready = once(redis, 'ready', 5000);
    proxy.refuse(false);
    await ready;
    assert.equal(await redis.set('ref:key', '1'), 'OK');
    assert.equal(await redis.get('ref:key'), '1');
    assert.equal(redis.stats().breaker.state, 'closed');
    assert.notEqual((await redis.health()).status, 'unhealthy');
  });

  it('a lease blackholed mid-lease: its command times out, the lease comes back, the connection is destroyed', async () => {
    await using redis = kitFor(proxy, { commandTimeoutMs: 300 });
    await redis.connect();
    let firstId = 0;
    const started = performance.now();
    const leased = await settle(
      redis.lease(async (conn) => {
        firstId = conn.connectionId;
        await conn.set('lease:key', 'v');
        proxy.blackhole();
        const commandStarted = performance.now();
        const result = await settle(conn.get('lease:key'));
        const elapsed = performance.now() - commandStarted;
        assert.ok(elapsed >= 295 && elapsed < 3000, `lease command ended after ${elapsed.toFixed(0)} ms (10x safety net)`);
        if (!result.ok) throw result.error;
        return result.value;
      }),
    );
    assert.ok(!leased.ok && leased.error instanceof CommandTimeoutError, describeError(!leased.ok && leased.error));
    assert.ok(performance.now() - started < 3000, 'the lease ended promptly (10x its 300 ms deadline)');
    proxy.blackhole(false);

    const { pool } = redis.stats();
    assert.equal(pool.active, 0, 'the lease was given back');
    assert.equal(pool.idle, 0, 'the connection that owes a reply is not kept');
    assert.ok((pool.destroyed.dirty ?? 0) + (pool.destroyed.broken ?? 0) >= 1, JSON.stringify(pool.destroyed));

    const secondId = await redis.lease(async (conn) => {
      assert.equal(await conn.get('lease:key'), 'v');
      return conn.connectionId;
    });
    assert.notEqual(secondId, firstId, 'a new connection, not the blackholed one');
    assert.equal(redis.stats().pool.created, 2);
  });
});
