import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type Cache, createCache } from '../../src/cache/index.js';
import diagnosticsChannel from 'node:diagnostics_channel';
import { type CommandEvent, type CreateRedisOptions, channelNames, EngineError } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { startHoldProxy } from '../helpers/hold-proxy.js';
import { invalidation } from '../helpers/cache-invalidation.js';
import { kitFor } from '../helpers/kit.js';

/**
 * The near-cache on the own engine's lanes (issue #8): tracking in OPTIN mode on every lane,
 * invalidations as RESP3 push frames on the connection that read the key. Pinned to
 * `engine: 'resp'` whatever the suite runs on (the transport exists only there).
 */
const onLanes: CreateRedisOptions = { engine: 'resp' };

function live(cache: Cache<unknown>): Promise<void> {
  return waitFor(() => cache.stats().nearCache.live, { what: 'the near-cache to be live' });
}

async function clientLines(server: RedisServer, role: string): Promise<string[]> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => line.includes(`name=redis-kit:${role}`));
}

function flags(line: string | undefined): string {
  return /\bflags=(\S*)/.exec(line ?? '')?.[1] ?? '';
}

async function trackedKeys(server: RedisServer): Promise<number> {
  return Number((await server.command('INFO', 'stats')).match(/tracking_total_keys:(\d+)/)?.[1] ?? -1);
}

async function nearCached(cache: Cache<unknown>, key: string, value: unknown): Promise<void> {
  await waitFor(
    async () => {
      const read = await cache.get(key);
      const hitsBefore = cache.stats().nearHits;
      return (
        JSON.stringify(read) === JSON.stringify(value) &&
        JSON.stringify(await cache.get(key)) === JSON.stringify(value) &&
        cache.stats().nearHits > hitsBefore
      );
    },
    { what: `${key} to be near-cached` },
  );
}

describe('cache: near-cache invalidations as RESP3 pushes on the lanes', () => {
  let server: RedisServer;
  let other: Redis;
  before(async () => {
    server = await startRedis();
    other = new Redis(server.port, '127.0.0.1'); // "another service"
  });
  after(async () => {
    other.disconnect();
    await server.stop();
  });

  it('tracks on the lanes in OPTIN mode (only what the near-cache read), with no connection of its own', async () => {
    await using redis = kitFor(server, { ...onLanes, keyPrefix: 'app:' });
    const cache = createCache<unknown>(redis, { namespace: 'near', nearCache: {} });
    await live(cache);
    assert.equal(cache.stats().nearCache.transport, 'lanes');
    const lanes = await clientLines(server, 'lane');
    assert.equal(lanes.length, 2);
    for (const line of lanes) {
      assert.match(flags(line), /t/, 'tracking on');
      assert.doesNotMatch(flags(line), /B/, 'not broadcasting');
      assert.match(line, /\bresp=3\b/);
    }
    assert.deepEqual(await clientLines(server, 'invalidation'), []);

    await other.set('app:near:user%3A1', '{"v":1}');
    // The tracked read (CLIENT CACHING YES + GET + PTTL in one batch) counts as the GET it is.
    const ended: string[] = [];
    const onEnd = (message: unknown): void => void ended.push((message as CommandEvent).command);
    diagnosticsChannel.subscribe(channelNames.commandEnd, onEnd);
    try {
      await nearCached(cache, 'user:1', { v: 1 });
    } finally {
      diagnosticsChannel.unsubscribe(channelNames.commandEnd, onEnd);
    }
    assert.ok(ended.includes('get') && !ended.includes('pipeline'), JSON.stringify(ended));
    for (let i = 0; i < 20; i++) await redis.get(`plain:${i}`);
    assert.equal(await trackedKeys(server), 1, 'the server tracks the near-cached key, not every key read on the lanes');

    const changed = invalidation(cache, 'user:1');
    await other.set('app:near:user%3A1', '{"v":2}');
    await changed;
    assert.equal(cache.stats().nearCache.entries, 0);
    assert.deepEqual(await cache.get('user:1'), { v: 2 });
    await cache.close();
  });

  it("another client's write is never served stale once acknowledged (polled), and a FLUSHALL drops everything", async () => {
    await using redis = kitFor(server, onLanes);
    const cache = createCache<unknown>(redis, { namespace: 'w', nearCache: {} });
    await live(cache);
    for (const key of ['a', 'b', 'c']) await other.set(`w:${key}`, '"v1"');
    for (const key of ['a', 'b', 'c']) await nearCached(cache, key, 'v1');
    assert.equal(cache.stats().nearCache.entries, 3);

    await other.set('w:a', '"v2"');
    // The push follows the write's effect on the server at once; a wide bound, never a measurement.
    await waitFor(async () => (await cache.get('a')) === 'v2', { timeoutMs: 5000, what: 'the new value of a' });

    const flushed = invalidation(cache, null);
    await other.flushall();
    await flushed;
    assert.equal(cache.stats().nearCache.entries, 0);
    assert.equal(await cache.get('b'), undefined);
    await cache.close();
  });

  it('a lane killed: its entries are dropped, and tracking is back on the new connection (invalidations flow again)', async () => {
    // Two lanes: the near-cache stays live on the other one, so only the flush on loss can drop the entry.
    await using redis = kitFor(server, onLanes);
    const cache = createCache<unknown>(redis, { namespace: 'kill', nearCache: {} });
    await live(cache);
    await other.set('kill:k', '"v1"');
    await nearCached(cache, 'k', 'v1');
    const [lane] = await clientLines(server, 'lane');
    const id = /\bid=(\d+)/.exec(lane ?? '')?.[1] ?? '';
    const resets: (string | null)[] = [];
    cache.on('invalidate', (key) => resets.push(key));
    await server.command('CLIENT', 'KILL', 'ID', id);
    await waitFor(() => resets.includes(null), { what: 'the near-cache to be flushed' });
    assert.equal(cache.stats().nearCache.entries, 0, 'what was read through the lost lane is dropped');
    // Written while the lane was down: must not be missed.
    await other.set('kill:k', '"v2"');
    await waitFor(
      async () => (await clientLines(server, 'lane')).some((line) => /\bid=(\d+)/.exec(line)?.[1] !== id && /t/.test(flags(line))),
      {
        what: 'the reconnected lane to track',
      },
    );
    await live(cache);
    await nearCached(cache, 'k', 'v2');
    const changed = invalidation(cache, 'k');
    await other.set('kill:k', '"v3"');
    await changed;
    assert.equal(await cache.get('k'), 'v3');
    await cache.close();
  });

  it('a near-cache created after the lanes connected turns tracking on over them', async () => {
    await using redis = kitFor(server, onLanes);
    await redis.connect();
    await waitFor(async () => (await clientLines(server, 'lane')).length === 2, { what: 'both lanes up' });
    for (const line of await clientLines(server, 'lane')) assert.doesNotMatch(flags(line), /t/, 'no tracking without a near-cache');
    const cache = createCache<unknown>(redis, { namespace: 'late', nearCache: {} });
    await live(cache);
    for (const line of await clientLines(server, 'lane')) assert.match(flags(line), /t/);
    await other.set('late:k', '1');
    await nearCached(cache, 'k', 1);
    const changed = invalidation(cache, 'k');
    await other.set('late:k', '2');
    await changed;
    assert.equal(await cache.get('k'), 2);
    await cache.close();
    await waitFor(async () => (await clientLines(server, 'lane')).every((line) => !/t/.test(flags(line))), {
      what: 'tracking off once no near-cache is left',
    });
  });

  it('closing the client ends the near-cache (not live, nothing served) with no connection left behind', async () => {
    const redis = kitFor(server, onLanes);
    const cache = createCache<unknown>(redis, { namespace: 'end', nearCache: {} });
    await live(cache);
    await other.set('end:k', '1');
    await nearCached(cache, 'k', 1);
    await redis.close();
    assert.equal(cache.stats().nearCache.live, false);
    assert.equal(cache.stats().nearCache.entries, 0);
    await waitFor(async () => (await clientLines(server, 'lane')).length === 0, { what: 'the lanes to close' });
  });

  it('an invalidation parsed after the reply but before the read stores its value: the value is not kept', async () => {
    await using proxy = await startHoldProxy({ host: server.host, port: server.port });
    // One lane, no heartbeat PINGs in the way of the held bytes.
    await using redis = kitFor({ url: proxy.url }, { ...onLanes, lanes: 1 });
    const cache = createCache<unknown>(redis, { namespace: 'race', nearCache: { heartbeatMs: 60_000 } });
    await live(cache);
    await other.set('race:k', '"v1"');
    proxy.hold();
    const read = cache.get('k');
    // The GET's and the PTTL's replies (no TTL: -1) are at the proxy, not yet at the client.
    await waitFor(() => proxy.held.includes('"v1"') && proxy.held.includes(':-1\r\n'), { what: 'the replies to be held' });
    await other.set('race:k', '"v2"');
    await waitFor(() => proxy.held.includes('invalidate'), { what: 'the invalidation to be held behind them' });
    // Replies and push in one chunk: the push is handled before the read's continuation runs.
    proxy.release();
    assert.equal(await read, 'v1', 'the caller gets what it read');
    assert.equal(cache.stats().nearCache.entries, 0, 'but it is not kept');
    assert.equal(await cache.get('k'), 'v2');
    await cache.close();
  });
});

describe('cache: near-cache on the lanes of a server without HELLO 3', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ['--rename-command', 'HELLO', ''] });
  });
  after(async () => {
    await server.stop();
  });

  it('the lanes speak RESP2, the near-cache reports why it stays bypassed, and the cache still works', async () => {
    const errors: Error[] = [];
    await using redis = kitFor(server, onLanes);
    const cache = createCache<unknown>(redis, { namespace: 'r2', nearCache: {}, onError: (error) => errors.push(error) });
    await waitFor(() => errors.length > 0, { what: 'the refusal to be reported' });
    assert.ok(errors[0] instanceof EngineError, String(errors[0]));
    assert.match(errors[0].message, /HELLO 3/);
    for (const line of await clientLines(server, 'lane')) assert.match(line, /\bresp=2\b/);
    await cache.set('k', 1);
    assert.equal(await cache.get('k'), 1);
    assert.equal(await cache.get('k'), 1);
    assert.equal(cache.stats().nearHits, 0);
    assert.equal(cache.stats().nearCache.live, false);
    await cache.close();
  });
});
