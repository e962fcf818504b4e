import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CacheKeyError, createCache } from '../../src/cache/index.js';
import { encodeKeyPart } from '../../src/keys/key-encoding.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/** A promise the test opens when it wants, to hold a loader mid-flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('cache: wrap() and cached()', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    await server.command('FLUSHALL');
  });

  it('100 concurrent wrap() calls of one key: exactly one loader call, one value for all', async () => {
    await using redis = kitFor(server);
    const cache = createCache<{ n: number }>(redis, { namespace: 'w', ttlMs: 60_000 });
    let calls = 0;
    const hold = gate();
    const loader = async () => {
      calls++;
      await hold.promise;
      return { n: calls };
    };
    const pending = Array.from({ length: 100 }, () => cache.wrap('hot', loader));
    await waitFor(() => calls === 1, { what: 'the loader to start' });
    hold.open();
    const results = await Promise.all(pending);
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.n === 1));
    assert.equal(await server.command('GET', 'w:hot'), '{"n":1}');
    assert.ok(Number(await server.command('PTTL', 'w:hot')) > 55_000);
    assert.equal(await server.command('EXISTS', 'w#lock:hot'), '0', 'the lock was released');
    assert.deepEqual(await cache.wrap('hot', loader), { n: 1 }, 'later calls hit');
    const stats = cache.stats();
    assert.equal(stats.loaderCalls, 1);
    assert.equal(stats.misses, 100, 'every caller that joined the load saw a miss');
    assert.equal(stats.hits, 1);
  });

  it('a loader error reaches every joined caller, frees the lock, and the next call loads again', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w' });
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls++;
      await delay(20);
      throw new Error('database down');
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => cache.wrap('k', failing)));
    assert.equal(calls, 1);
    assert.ok(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).message === 'database down'));
    assert.equal(await server.command('EXISTS', 'w#lock:k'), '0');
    assert.equal(await cache.wrap('k', async () => 'ok'), 'ok');
    assert.equal(cache.stats().errors, 0, 'loader errors are the caller’s, not cache errors');
  });

  it('undefined from a loader is returned but not stored; null is stored', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string | null>(redis, { namespace: 'w' });
    assert.equal(await cache.wrap('u', async () => undefined as unknown as string), undefined);
    assert.equal(await server.command('EXISTS', 'w:u'), '0');
    assert.equal(await cache.wrap('n', async () => null), null);
    assert.equal(await server.command('GET', 'w:n'), 'null');
    assert.equal(await cache.wrap('n', async () => 'not called'), null);
  });

  it('waits for another process that holds the lock, and takes its value without loading', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w', lockWaitMs: 10_000 });
    await server.command('SET', 'w#lock:k', 'other-process-token', 'PX', '10000');
    let calls = 0;
    const result = cache.wrap('k', async () => {
      calls++;
      return 'mine';
    });
    await waitFor(() => cache.stats().lockWaits === 1, { what: 'wrap to wait for the lock' });
    await server.command('SET', 'w:k', '"theirs"');
    assert.equal(await result, 'theirs');
    assert.equal(calls, 0);
    assert.equal(await server.command('GET', 'w#lock:k'), 'other-process-token', 'someone else’s lock is not touched');
  });

  it('when the holder gives up without a value, a waiter takes the lock and loads', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w', lockWaitMs: 10_000 });
    await server.command('SET', 'w#lock:k', 'other', 'PX', '10000');
    const result = cache.wrap('k', async () => 'mine');
    await waitFor(() => cache.stats().lockWaits === 1, { what: 'wrap to wait for the lock' });
    await server.command('DEL', 'w#lock:k');
    assert.equal(await result, 'mine');
    assert.equal(cache.stats().loaderCalls, 1);
    assert.equal(cache.stats().lockTimeouts, 0);
  });

  it('after lockWaitMs a waiter stops waiting and loads itself', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w', lockWaitMs: 200 });
    await server.command('SET', 'w#lock:k', 'stuck', 'PX', '60000');
    const started = performance.now();
    assert.equal(await cache.wrap('k', async () => 'mine'), 'mine');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 195, `waited ${elapsed.toFixed(0)} ms`);
    const stats = cache.stats();
    assert.equal(stats.lockWaits, 1);
    assert.equal(stats.lockTimeouts, 1);
    assert.equal(stats.loaderCalls, 1);
    assert.equal(await server.command('GET', 'w:k'), '"mine"');
  });

  it('the holder extends its lock while a loader runs longer than lockTtlMs', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w', lockTtlMs: 150 });
    let heldLate = '';
    await cache.wrap('slow', async () => {
      await delay(450); // the loader's own work, three lock lifetimes long
      heldLate = await server.command('EXISTS', 'w#lock:slow');
      return 'done';
    });
    assert.equal(heldLate, '1', 'still locked after 3 × lockTtlMs');
    assert.equal(await server.command('EXISTS', 'w#lock:slow'), '0', 'released at the end');
  });

  it('stale-while-revalidate: serves the stale value at once while one background refresh runs', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'w' });
    const options = { ttlMs: 100, staleWhileRevalidateMs: 30_000 };
    assert.equal(await cache.wrap('k', async () => 'v1', options), 'v1');
    assert.ok(Number(await server.command('PTTL', 'w:k')) > 29_000, 'kept for ttl + stale window');
    await waitFor(async () => Number(await server.command('PTTL', 'w:k')) <= 30_000, { what: 'the value to go stale' });
    const hold = gate();
    let calls = 0;
    const refresh = async () => {
      calls++;
      await hold.promise;
      return 'v2';
    };
    const served = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('k', refresh, options)));
    assert.deepEqual(new Set(served), new Set(['v1']), 'all served the stale value without waiting');
    await waitFor(() => calls === 1, { what: 'the background refresh to start' });
    // More stale reads while the refresh runs start no second refresh.
    assert.equal(await cache.wrap('k', refresh, options), 'v1');
    hold.open();
    await waitFor(async () => (await server.command('GET', 'w:k')) === '"v2"', { what: 'the refreshed value' });
    assert.equal(await cache.wrap('k', refresh, options), 'v2');
    assert.equal(calls, 1);
    const stats = cache.stats();
    assert.equal(stats.refreshes, 1);
    assert.equal(stats.staleHits, 11, 'each caller served a stale value is counted');
  });

  it('cached(): memoizes by a stable key of the arguments', async () => {
    await using redis = kitFor(server);
    const cache = createCache<unknown>(redis, { namespace: 'fn' });
    let calls = 0;
    const search = cache.cached(
      async (query: { text: string; page: number }, limit: number) => {
        calls++;
        return { hits: [query.text], page: query.page, limit };
      },
      { key: 'search', ttlMs: 10_000 },
    );
    const first = await search({ text: 'redis', page: 1 }, 10);
    const again = await search({ page: 1, text: 'redis' }, 10);
    assert.deepEqual(again, first);
    assert.equal(calls, 1, 'property order does not matter');
    await search({ text: 'redis', page: 2 }, 10);
    assert.equal(calls, 2);
    assert.equal(search.keyFor({ text: 'redis', page: 1 }, 10), 'search:[{"page":1,"text":"redis"},10]');
    const pttl = Number(await server.command('PTTL', `fn:${encodeKeyPart(search.keyFor({ text: 'redis', page: 1 }, 10))}`));
    assert.ok(pttl > 0 && pttl <= 10_000, `per-function TTL (${pttl})`);
    assert.equal(await search.invalidate({ text: 'redis', page: 1 }, 10), true);
    await search({ text: 'redis', page: 1 }, 10);
    assert.equal(calls, 3);

    const byName = cache.cached(async function loadUser(id: number) {
      return { id };
    });
    assert.equal(byName.keyFor(7), 'loadUser:[7]');
    const custom = cache.cached(async (id: number) => id, { key: (id) => `user-${id}` });
    assert.equal(await custom(5), 5);
    assert.equal(await server.command('GET', 'fn:user-5'), '5');
  });

  it('cached(): refuses functions, symbols and cycles among arguments, and anonymous functions without a key', async () => {
    await using redis = kitFor(server);
    const cache = createCache<unknown>(redis, { namespace: 'fn' });
    const fn = cache.cached(async (arg: unknown) => String(arg), { key: 'f' });
    const cycle: Record<string, unknown> = {};
    cycle.me = cycle;
    for (const bad of [() => 1, Symbol('s'), cycle, { nested: { fn: () => 1 } }]) {
      await assert.rejects(fn(bad), CacheKeyError);
    }
    assert.throws(() => cache.cached(async () => 1), CacheKeyError);
    assert.equal(await server.command('DBSIZE'), '0');
  });
});
