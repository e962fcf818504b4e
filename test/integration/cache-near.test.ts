import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type Cache, createCache } from '../../src/cache/index.js';
import { createRedis, NoPermissionError } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { invalidation } from '../helpers/cache-invalidation.js';
import { kitFor } from '../helpers/kit.js';

/** Resolves when the near-cache starts (true) or stops (false) serving. */
function nearState(cache: Cache<unknown>, live: boolean): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const listener = (now: boolean) => {
        if (now !== live) return;
        cache.off('nearCache', listener);
        resolve();
      };
      cache.on('nearCache', listener);
    }),
    5000,
    `the near-cache to become ${live ? 'live' : 'bypassed'}`,
  );
}

async function invalidationClients(server: RedisServer): Promise<string[]> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => line.includes('name=redis-kit:invalidation'));
}

async function getCalls(server: RedisServer): Promise<number> {
  return Number((await server.command('INFO', 'commandstats')).match(/cmdstat_get:calls=(\d+)/)?.[1] ?? 0);
}

/**
 * The invalidation connection (BCAST, RESP2) is the transport on ioredis lanes (and Sentinel, Cluster):
 * the tests about it pin `engine: 'ioredis'`. On the own engine's lanes: cache-near-lanes.test.ts.
 * The others run on whichever engine the suite runs on.
 */
const onConnection = { engine: 'ioredis' } as const;

describe('cache: near-cache kept correct by client-side caching', () => {
  let server: RedisServer;
  let other: Redis;
  before(async () => {
    server = await startRedis();
    other = new Redis(server.port, '127.0.0.1'); // a plain ioredis client: "another service"
  });
  after(async () => {
    other.disconnect();
    await server.stop();
  });

  it('serves hot reads in-process, and never serves a value another client changed once the invalidation arrived', async () => {
    await using redis = kitFor(server, { ...onConnection, keyPrefix: 'app:' });
    const cache = createCache<unknown>(redis, { namespace: 'near', nearCache: { maxEntries: 100 } });
    await nearState(cache, true);
    assert.equal(cache.stats().nearCache.transport, 'invalidation-connection');
    const [line] = await invalidationClients(server);
    assert.match(line ?? '', /flags=\S*t/, 'tracking is on');
    assert.match(line ?? '', /flags=\S*B/, 'in broadcast mode');
    assert.match(line ?? '', /sub=1/, 'subscribed to __redis__:invalidate');

    let changed = invalidation(cache, 'user:1');
    await other.set('app:near:user%3A1', '{"v":1}');
    await changed;
    assert.deepEqual(await cache.get('user:1'), { v: 1 }, 'first read from Redis');
    const before = await getCalls(server);
    for (let i = 0; i < 100; i++) assert.deepEqual(await cache.get('user:1'), { v: 1 });
    assert.equal(await getCalls(server), before, 'no GET reached Redis');
    assert.equal(cache.stats().nearHits, 100);

    changed = invalidation(cache, 'user:1');
    await other.set('app:near:user%3A1', '{"v":2}');
    await changed;
    assert.deepEqual(await cache.get('user:1'), { v: 2 }, 'the new value, not the stale one');

    changed = invalidation(cache, 'user:1');
    await other.del('app:near:user%3A1');
    await changed;
    assert.equal(await cache.get('user:1'), undefined);
    assert.equal(await cache.wrap('user:1', async () => 'loaded'), 'loaded');
    await cache.close();
  });

  it('own writes and deletes are visible at once, and a FLUSHALL empties the near-cache', async () => {
    await using redis = kitFor(server);
    const cache = createCache<unknown>(redis, { namespace: 'own', nearCache: {} });
    await nearState(cache, true);
    await cache.set('k', 1);
    assert.equal(await cache.get('k'), 1);
    await cache.set('k', 2);
    assert.equal(await cache.get('k'), 2, 'read-your-writes');
    await cache.delete('k');
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', 3);
    await waitFor(async () => (await cache.get('k')) === 3 && cache.stats().nearCache.entries === 1, { what: 'k to be near-cached' });
    const flushed = invalidation(cache, null);
    await other.flushall();
    await flushed;
    assert.equal(cache.stats().nearCache.entries, 0);
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });

  it('when the invalidation connection drops: flushed first, bypassed until tracking is back, then correct', async () => {
    await using redis = kitFor(server, onConnection);
    const cache = createCache<unknown>(redis, { namespace: 'drop', nearCache: {} });
    await nearState(cache, true);
    await other.set('drop:k', '"v1"');
    await waitFor(async () => (await cache.get('k')) === 'v1' && cache.stats().nearCache.entries === 1, { what: 'k to be near-cached' });

    const down = nearState(cache, false);
    const back = nearState(cache, true);
    const [line] = await invalidationClients(server);
    const id = /\bid=(\d+)/.exec(line ?? '')?.[1] ?? '';
    await server.command('CLIENT', 'KILL', 'ID', id);
    await down;
    assert.equal(cache.stats().nearCache.entries, 0, 'flushed before anything else is served');
    assert.equal(cache.stats().nearCache.live, false);
    // Written while nobody tracks for us: must not be missed.
    await other.set('drop:k', '"v2"');
    const hitsBefore = cache.stats().nearHits;
    assert.equal(await cache.get('k'), 'v2');
    assert.equal(await cache.get('k'), 'v2');
    assert.equal(cache.stats().nearHits, hitsBefore, 'not served from the process while bypassed');
    await back;
    assert.equal((await invalidationClients(server)).length, 1, 'reconnected, one connection');
    assert.equal(await cache.get('k'), 'v2');
    const changed = invalidation(cache, 'k');
    await other.set('drop:k', '"v3"');
    await changed;
    assert.equal(await cache.get('k'), 'v3', 'invalidations flow again');
    await cache.close();
  });

  it('a missed heartbeat (paused server) bypasses the near-cache until the server answers', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 5000, socketTimeoutMs: 10_000 });
    const cache = createCache<unknown>(redis, { namespace: 'beat', nearCache: { heartbeatMs: 100 } });
    await nearState(cache, true);
    await cache.set('k', 1);
    await waitFor(async () => (await cache.get('k')) === 1 && cache.stats().nearCache.entries === 1, { what: 'k to be near-cached' });
    const suspect = nearState(cache, false);
    await server.pause();
    let back: Promise<void> | undefined;
    try {
      await suspect;
      assert.equal(cache.stats().nearCache.entries, 0);
      assert.equal(cache.stats().nearCache.live, false);
      back = nearState(cache, true);
    } finally {
      await server.resume();
    }
    await back;
    assert.equal(await cache.get('k'), 1);
    await cache.close();
  });

  it('caches of one client share one invalidation connection; each gets its own keys', async () => {
    await using redis = kitFor(server, onConnection);
    const a = createCache<unknown>(redis, { namespace: 'sa', nearCache: {} });
    const b = createCache<unknown>(redis, { namespace: 'sb', nearCache: {} });
    await Promise.all([
      a.stats().nearCache.live ? undefined : nearState(a, true),
      b.stats().nearCache.live ? undefined : nearState(b, true),
    ]);
    await waitFor(() => a.stats().nearCache.live && b.stats().nearCache.live, { what: 'both near-caches to be live' });
    assert.equal((await invalidationClients(server)).length, 1);
    const seenByA: (string | null)[] = [];
    a.on('invalidate', (key) => seenByA.push(key));
    const bChanged = invalidation(b, 'x');
    await other.set('sb:x', '1');
    await bChanged;
    assert.deepEqual(seenByA, [], "b's key is not a's business");
    const aChanged = invalidation(a, 'x');
    await other.set('sa:x', '1');
    await aChanged;
    await a.close();
    await b.close();
    await waitFor(async () => (await invalidationClients(server)).length === 0, { what: 'the unused connection to close' });
  });

  it('the invalidation connection closes with the client', async () => {
    const redis = kitFor(server, onConnection);
    const cache = createCache<unknown>(redis, { namespace: 'life', nearCache: {} });
    await nearState(cache, true);
    assert.equal((await invalidationClients(server)).length, 1);
    await redis.close();
    await waitFor(async () => (await invalidationClients(server)).length === 0, { what: 'the connection to close' });
    assert.equal(cache.stats().nearCache.live, false);
  });

  it('when tracking is refused (ACL), the near-cache stays bypassed, reports it, and the cache still works', async () => {
    await server.command('ACL', 'SETUSER', 'no-tracking', 'on', '>secret', '~*', '&*', '+@all', '-client|tracking');
    const errors: Error[] = [];
    await using redis = kitFor(server, { username: 'no-tracking', password: 'secret' });
    const cache = createCache<unknown>(redis, { namespace: 'acl', nearCache: {}, onError: (e) => errors.push(e) });
    await waitFor(() => errors.length > 0, { what: 'the refused tracking to be reported' });
    assert.ok(errors[0] instanceof NoPermissionError, String(errors[0]));
    assert.equal(cache.stats().nearCache.live, false);
    await cache.set('k', 1);
    assert.equal(await cache.get('k'), 1);
    assert.equal(await cache.get('k'), 1);
    assert.equal(cache.stats().nearHits, 0, 'nothing served from the process without invalidations');
    await cache.close();
  });

  // In cluster mode it runs with one tracking connection per primary: test/integration/cluster-nodes.test.ts.
  it('is off (no connection) with memory://', async () => {
    await using memory = createRedis({ env: {}, url: 'memory://' });
    const cache = createCache(memory, { nearCache: {} });
    assert.equal(cache.stats().nearCache.enabled, false);
    await cache.set('k', 1);
    assert.equal(await cache.get('k'), 1);
  });
});
