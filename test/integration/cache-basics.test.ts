import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CacheDecodeError, CacheEncodeError, createCache, msgpackCodec } from '../../src/cache/index.js';
import { ClosedError, InvalidArgumentError } from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

async function keys(server: RedisServer): Promise<string[]> {
  const text = await server.command('KEYS', '*');
  return text === '' ? [] : text.split('\n').sort();
}

describe('cache: get / set / delete / has / many / clear on a real server', () => {
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

  it('stores JSON under <keyPrefix><namespace>:<encoded key> and reads it back', async () => {
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    const cache = createCache<{ name: string }>(redis, { namespace: 'users' });
    await cache.set('42', { name: 'Ada' });
    await cache.set('a:b*c', { name: 'Bob' });
    assert.deepEqual(await cache.get('42'), { name: 'Ada' });
    assert.deepEqual(await cache.get('a:b*c'), { name: 'Bob' });
    assert.deepEqual(await keys(server), ['app:users:42', 'app:users:a%3Ab%2Ac']);
    assert.equal(await server.command('GET', 'app:users:42'), '{"name":"Ada"}', 'plain JSON, readable by anyone');
    assert.equal(await cache.get('43'), undefined);
    assert.equal(await cache.has('42'), true);
    assert.equal(await cache.has('43'), false);
    assert.equal(await cache.delete('42'), true);
    assert.equal(await cache.delete('42'), false);
    assert.equal(await cache.get('42'), undefined);
    const stats = cache.stats();
    assert.equal(stats.hits, 2);
    assert.equal(stats.misses, 2);
    assert.equal(stats.hitRate, 0.5);
    assert.equal(stats.errors, 0);
  });

  it('TTL per cache and per entry; 0 means no expiry', async () => {
    await using redis = kitFor(server);
    const cache = createCache(redis, { namespace: 't', ttlMs: 30_000 });
    await cache.set('default', 1);
    await cache.set('own', 1, { ttlMs: 5000 });
    await cache.set('forever', 1, { ttlMs: 0 });
    await cache.setMany(
      [
        { key: 'many-own', value: 1, ttlMs: 7000 },
        { key: 'many-call', value: 1 },
      ],
      { ttlMs: 9000 },
    );
    const pttl = async (key: string) => Number(await server.command('PTTL', `t:${key}`));
    const inRange = (value: number, max: number) => value > max - 2000 && value <= max;
    assert.ok(inRange(await pttl('default'), 30_000), 'the cache default');
    assert.ok(inRange(await pttl('own'), 5000), 'per entry');
    assert.equal(await pttl('forever'), -1);
    assert.ok(inRange(await pttl('many-own'), 7000));
    assert.ok(inRange(await pttl('many-call'), 9000));
    await assert.rejects(cache.set('x', 1, { ttlMs: -5 }), InvalidArgumentError);
    await assert.rejects(cache.set('x', 1, { ttlMs: 1.5 }), InvalidArgumentError);
  });

  it('getMany / setMany keep order and report misses', async () => {
    await using redis = kitFor(server);
    const cache = createCache<number>(redis, { namespace: 'many' });
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 3, value: 3 },
    ]);
    assert.deepEqual(await cache.getMany(['b', 'nope', 'a', 3]), [2, undefined, 1, 3]);
    assert.equal(cache.stats().misses, 1);
  });

  it('clear() removes only its own namespace, with SCAN (thousands of keys), never touching others', async () => {
    // A wide command deadline: a write that timed out on a loaded machine would go to the memory fallback.
    await using redis = kitFor(server, { keyPrefix: 'svc:', commandTimeoutMs: 20_000 });
    const mine = createCache(redis, { namespace: 'a' });
    const longer = createCache(redis, { namespace: 'ab' });
    const nested = createCache(redis, { namespace: 'a:b' });
    await mine.setMany(Array.from({ length: 2500 }, (_, i) => ({ key: `k${i}`, value: i })));
    await longer.set('k', 1);
    await nested.set('k', 1);
    await server.command('SET', 'svc:a-unrelated', '1');
    await server.command('SET', 'a:k1', 'no prefix, not ours');
    await redis.set('a#lock:k1', 'a lock is not data');
    const monitorBefore = Number((await server.command('INFO', 'commandstats')).match(/cmdstat_keys:calls=(\d+)/)?.[1] ?? 0);
    assert.equal(await mine.clear(), 2500);
    assert.equal(await mine.get('k1'), undefined);
    assert.equal(await longer.get('k'), 1);
    assert.equal(await nested.get('k'), 1);
    const commandstats = await server.command('INFO', 'commandstats');
    const keysCalls = Number(commandstats.match(/cmdstat_keys:calls=(\d+)/)?.[1] ?? 0);
    assert.equal(keysCalls, monitorBefore, 'no KEYS command was sent');
    assert.match(commandstats, /cmdstat_scan:calls=\d+/);
    assert.deepEqual(await keys(server), ['a:k1', 'svc:a#lock:k1', 'svc:a%3Ab:k', 'svc:a-unrelated', 'svc:ab:k']);
  });

  it('refuses values the codec cannot encode before writing anything (BigInt, cycle, undefined)', async () => {
    await using redis = kitFor(server);
    const errors: Error[] = [];
    const cache = createCache<unknown>(redis, { namespace: 'enc', onError: (e) => errors.push(e) });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [{ id: 1n }, cycle, undefined, () => 1]) {
      await assert.rejects(cache.set('k', bad), (error: unknown) => {
        assert.ok(error instanceof CacheEncodeError, String(error));
        assert.equal(error.code, 'ERR_REDIS_CACHE_ENCODE');
        assert.equal(error.codec, 'json');
        return true;
      });
    }
    await assert.rejects(
      cache.setMany([
        { key: 'good-1', value: 1 },
        { key: 'bad', value: { n: 2n } },
        { key: 'good-2', value: 2 },
      ]),
      CacheEncodeError,
    );
    await assert.rejects(
      cache.wrap('loaded', async () => ({ n: 3n })),
      CacheEncodeError,
    );
    assert.deepEqual(await keys(server), [], 'nothing at all was written');
    assert.equal(cache.stats().errors, 6);
  });

  it('malformed stored data is a miss plus a counted CacheDecodeError, never a crash', async () => {
    await using redis = kitFor(server);
    const errors: Error[] = [];
    const cache = createCache<unknown>(redis, { namespace: 'bad', onError: (e) => errors.push(e) });
    await server.command('SET', 'bad:text', 'not json {');
    await server.command('HSET', 'bad:hash', 'f', 'v');
    assert.equal(await cache.get('text'), undefined);
    assert.equal(await cache.get('hash'), undefined, 'WRONGTYPE is malformed too');
    assert.equal(await cache.wrap('text', async () => 'reloaded'), 'reloaded', 'wrap reloads over malformed data');
    assert.equal(await server.command('GET', 'bad:text'), '"reloaded"');
    const stats = cache.stats();
    // wrap read it twice: once as the miss, once more after taking the lock.
    assert.equal(stats.decodeErrors, 4);
    assert.equal(stats.errors, 4);
    assert.equal(stats.misses, 3);
    assert.equal(errors.length, 4);
    assert.ok(errors.every((e) => e instanceof CacheDecodeError));
    assert.equal((errors[0] as CacheDecodeError).key, 'text');
    assert.equal(errors[0]?.cause instanceof SyntaxError, true);
  });

  it('msgpack codec: binary values round-trip through Redis', async () => {
    await using redis = kitFor(server);
    const cache = createCache(redis, { namespace: 'mp', codec: msgpackCodec() });
    const value = { at: new Date(1_700_000_000_000), raw: Buffer.from([0, 255, 10, 13]), big: 2n ** 62n, text: 'é\u0000ü', n: [1.5, -2] };
    await cache.set('v', value);
    assert.deepEqual(await cache.get('v'), value);
    const stored = (await redis.getBuffer('mp:v')) as Buffer;
    assert.notEqual(stored.toString('utf8').startsWith('{'), true, 'stored as MessagePack, not JSON');
    await server.command('SET', 'mp:garbage', 'not msgpack at all');
    assert.equal(await cache.get('garbage'), undefined);
    assert.equal(cache.stats().decodeErrors, 1);
  });

  it('rejects bad keys and calls after close()', async () => {
    await using redis = kitFor(server);
    const cache = createCache(redis, { namespace: 'k' });
    await assert.rejects(cache.get({} as unknown as string), InvalidArgumentError);
    await assert.rejects(cache.get(Number.NaN), InvalidArgumentError);
    await cache.close();
    await assert.rejects(cache.get('a'), ClosedError);
  });
});
