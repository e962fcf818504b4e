import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createCache } from '../../src/cache/index.js';
import { RedisUnavailableError } from '../../src/index.js';
import { startFaultProxy, startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

describe('cache: memory fallback while Redis is down', () => {
  it('server killed: serves from memory (TTLs kept), switches back with hysteresis, then forgets memory', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    const cache = createCache<unknown>(redis, { namespace: 'f', recoverAfterMs: 400 });
    await redis.connect();
    await cache.set('before', 'in redis');

    const fellBack = once(cache, 'fallback');
    await server.kill();
    await fellBack;
    assert.equal(cache.stats().usingFallback, true);

    await cache.set('during', { v: 1 });
    assert.deepEqual(await cache.get('during'), { v: 1 });
    assert.equal(await cache.has('during'), true);
    assert.equal(await cache.get('before'), undefined, 'what only Redis holds is a miss, not an error');
    let calls = 0;
    const loaded = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('loaded', async () => ++calls)));
    assert.deepEqual(new Set(loaded), new Set([1]), 'single-flight still holds on memory');
    assert.equal(await cache.get('loaded'), 1);

    await cache.set('short', 'x', { ttlMs: 100 });
    assert.equal(await cache.get('short'), 'x');
    const setAt = performance.now();
    await waitFor(async () => (await cache.get('short')) === undefined, { what: 'the memory TTL to pass' });
    assert.ok(performance.now() - setAt >= 90, 'TTLs are kept in memory');

    const ready = once(redis, 'ready');
    await server.restart();
    await ready;
    const readyAt = performance.now();
    // Hysteresis: Redis answers again, but the cache stays on memory for recoverAfterMs.
    assert.equal(cache.stats().usingFallback, true);
    assert.deepEqual(await cache.get('during'), { v: 1 }, 'still from memory right after ready');

    await once(cache, 'recovered');
    assert.ok(performance.now() - readyAt >= 350, `switched back after ${(performance.now() - readyAt).toFixed(0)} ms`);
    const stats = cache.stats();
    assert.equal(stats.usingFallback, false);
    assert.equal(stats.memory.entries, 0, 'the memory store was cleared on the way back');
    assert.ok(stats.fallbackHits >= 4, `fallback hits ${stats.fallbackHits}`);
    assert.equal(await cache.get('during'), undefined, 'memory values are not served after switching back');
    await cache.set('after', 2);
    assert.equal(await server.command('GET', 'f:after'), '2', 'writes go to Redis again');
    await cache.close();
  });

  it('the way back: keys written or deleted in memory are removed from Redis; memory values are not served over Redis', async () => {
    await using server = await startRedis();
    await using proxy = await startFaultProxy({ host: server.host, port: server.port });
    await using redis = kitFor(proxy, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    const cache = createCache<string>(redis, { namespace: 'f', recoverAfterMs: 200 });
    await redis.connect();
    await cache.set('deleted-while-down', 'old');
    await cache.set('written-while-down', 'old');
    await cache.set('untouched', 'keep');

    const fellBack = once(cache, 'fallback');
    proxy.refuse(true);
    proxy.resetAll();
    await fellBack;
    assert.equal(await cache.delete('deleted-while-down'), false, 'memory did not have it');
    await cache.set('written-while-down', 'memory value');
    // Another instance, still connected, writes to Redis meanwhile.
    await server.command('SET', 'f:written-while-down', '"newer, from another process"');

    const recovered = once(cache, 'recovered');
    proxy.refuse(false);
    await recovered;
    assert.equal(await cache.get('deleted-while-down'), undefined, 'a delete made during the outage is not undone');
    assert.equal(await server.command('EXISTS', 'f:deleted-while-down'), '0');
    const written = await cache.get('written-while-down');
    assert.notEqual(written, 'memory value', 'the memory value is not served');
    assert.equal(written, undefined, 'the key was reconciled away; the next read reloads it');
    assert.equal(await cache.get('untouched'), 'keep', 'keys not touched during the outage stay in Redis');
    await cache.close();
  });

  it('a single command failing before the breaker opens is answered from memory, and reconciled later', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { commandTimeoutMs: 200, breakerFailureThreshold: 100 });
    const cache = createCache<number>(redis, { namespace: 'f' });
    await redis.connect();
    await server.pause();
    try {
      await cache.set('p', 1); // times out on the wire: kept in memory instead
      assert.equal(await cache.get('p'), 1, 'answered from memory');
      assert.equal(await cache.get('q'), undefined, 'a read that times out is a miss from memory');
      const stats = cache.stats();
      assert.equal(stats.usingFallback, false, 'the breaker never opened');
      assert.ok(stats.fallbackOps >= 2, `fallback ops ${stats.fallbackOps}`);
      assert.equal(stats.errors, 0);
    } finally {
      await server.resume();
    }
    // The paused server ran the SET when it woke up; the dirty key is unlinked
    // at the next successful command, and memory forgets it.
    await waitFor(
      async () => {
        await cache.get('other');
        return cache.stats().memory.entries === 0;
      },
      { what: 'the dirty key to be reconciled' },
    );
    assert.equal(await server.command('EXISTS', 'f:p'), '0');
    assert.equal(await cache.get('p'), undefined);
    await cache.close();
  });

  it('many caches on one client share one breaker listener, and all fall back and recover', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const listenersBefore = redis.listenerCount('unavailable');
      const caches = Array.from({ length: 12 }, (_, i) => createCache<number>(redis, { namespace: `c${i}`, recoverAfterMs: 100 }));
      assert.equal(redis.listenerCount('unavailable') - listenersBefore, 1, 'one shared listener, not twelve');
      await redis.connect();
      const fellBack = Promise.all(caches.map((cache) => once(cache, 'fallback')));
      await server.kill();
      await fellBack;
      await Promise.all(caches.map((cache) => cache.set('k', 1)));
      const recovered = Promise.all(caches.map((cache) => once(cache, 'recovered')));
      await server.restart();
      await recovered;
      for (const cache of caches) assert.equal(cache.stats().usingFallback, false);
      await Promise.all(caches.map((cache) => cache.close()));
      assert.equal(redis.listenerCount('unavailable'), listenersBefore, 'released when the last cache closed');
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning'),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("fallback: 'none' lets the errors reach the caller", async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    const cache = createCache<number>(redis, { namespace: 'f', fallback: 'none' });
    await redis.connect();
    const unavailable = once(redis, 'unavailable');
    await server.kill();
    await unavailable;
    const read = await settle(cache.get('k'));
    assert.ok(!read.ok && read.error instanceof RedisUnavailableError, String(!read.ok && read.error));
    const write = await settle(cache.set('k', 1));
    assert.ok(!write.ok && write.error instanceof RedisUnavailableError);
    const loaded = await settle(cache.wrap('k', async () => 1));
    assert.ok(!loaded.ok && loaded.error instanceof RedisUnavailableError);
    const stats = cache.stats();
    assert.equal(stats.usingFallback, false);
    assert.equal(stats.errors, 3);
    assert.equal(stats.memory.entries, 0);
    await cache.close();
  });
});
