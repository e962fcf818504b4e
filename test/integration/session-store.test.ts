import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RedisKit } from '../../src/index.js';
import { createSessionStore, SessionDecodeError, type SessionStore } from '../../src/session/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

const MINUTE = 60_000;
const cookie = (ms: number) => ({ expires: new Date(Date.now() + ms), originalMaxAge: ms, httpOnly: true, path: '/' });

describe('session store on a real server', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let store: SessionStore;
  before(async () => {
    server = await startRedis();
    redis = kitFor(server, { keyPrefix: 'app:' });
    store = createSessionStore(redis);
  });
  after(async () => {
    await redis.close();
    await server.stop();
  });
  beforeEach(async () => {
    await server.command('FLUSHALL');
  });

  it('set / get / destroy, one key per session under keyPrefix + sess:', async () => {
    await store.set('abc', { cookie: cookie(MINUTE), user: { name: 'Ada' } });
    assert.deepEqual(await server.command('KEYS', '*'), 'app:sess:abc');
    assert.deepEqual(JSON.parse(await server.command('GET', 'app:sess:abc')).user, { name: 'Ada' }, 'plain JSON, readable in redis-cli');
    const session = await store.get('abc');
    assert.deepEqual(session?.user, { name: 'Ada' });
    assert.equal(session?.cookie?.originalMaxAge, MINUTE);
    assert.equal(await store.delete('abc'), true);
    assert.equal(await store.get('abc'), undefined);
    assert.equal(await server.command('EXISTS', 'app:sess:abc'), '0');
    assert.equal(await store.delete('abc'), false);
  });

  it('the Redis TTL is the cookie expiry; without a cookie it is ttlMs', async () => {
    await store.set('with-cookie', { cookie: cookie(90_000) });
    const pttl = Number(await server.command('PTTL', 'app:sess:with-cookie'));
    assert.ok(pttl > 85_000 && pttl <= 90_000, `PTTL ${pttl}`);
    const short = createSessionStore(redis, { ttlMs: 30_000 });
    await short.set('no-cookie', { user: 'bob' });
    const ttl = Number(await server.command('TTL', 'app:sess:no-cookie'));
    assert.ok(ttl > 25 && ttl <= 30, `TTL ${ttl}`);
    await store.set('browser-session', { cookie: { expires: null, originalMaxAge: null } });
    const day = Number(await server.command('TTL', 'app:sess:browser-session'));
    assert.ok(day > 86_000 && day <= 86_400, `default one day, TTL ${day}`);
  });

  it('touch gives the session a new lifetime without rewriting it; a gone session stays gone', async () => {
    await store.set('s', { cookie: cookie(MINUTE), n: 1 });
    await server.command('PEXPIRE', 'app:sess:s', '2000');
    assert.equal(await store.touch('s', { cookie: cookie(MINUTE), n: 2 }), true);
    const pttl = Number(await server.command('PTTL', 'app:sess:s'));
    assert.ok(pttl > 55_000, `extended to ${pttl}`);
    assert.equal((await store.get('s'))?.n, 1, 'touch only extends');
    assert.equal(await store.touch('missing', { cookie: cookie(MINUTE) }), false);
    assert.equal(await server.command('EXISTS', 'app:sess:missing'), '0', 'not created by touch');
  });

  it('a cookie that has already expired deletes the session on set and touch', async () => {
    await store.set('a', { cookie: cookie(MINUTE) });
    await store.set('a', { cookie: { expires: new Date(Date.now() - 1000) } });
    assert.equal(await server.command('EXISTS', 'app:sess:a'), '0');
    await store.set('b', { cookie: cookie(MINUTE) });
    assert.equal(await store.touch('b', { cookie: { expires: new Date(Date.now() - 1000) } }), true);
    assert.equal(await server.command('EXISTS', 'app:sess:b'), '0');
  });

  it('ids from cookies are encoded: no namespace escape, no hash tag, no pattern', async () => {
    const ids = ['*', 'x:admin:y', '{slot}', '[ab]?', 'back\\slash', '%2A'];
    for (const id of ids) await store.set(id, { id });
    const keys = (await server.command('KEYS', '*')).split('\n').sort();
    for (const key of keys) assert.match(key, /^app:sess:[^:{}*?[\]\\]+$/, key);
    for (const id of ids) assert.equal((await store.get(id))?.id, id);
    assert.equal(await store.length(), ids.length);
    assert.deepEqual([...(await store.all()).keys()].sort(), [...ids].sort());
    assert.equal(await store.delete('*'), true);
    assert.equal(await store.length(), ids.length - 1, "destroying '*' deleted only that session");
  });

  it('all / length / clear touch only this namespace (SCAN, never KEYS)', async () => {
    const admin = createSessionStore(redis, { prefix: 'sess:admin:' });
    await store.set('u1', { n: 1 });
    await store.set('u2', { n: 2 });
    await admin.set('root', { n: 3 });
    // Keys of other writers that SCAN MATCH app:sess:* also finds, and one outside the client's prefix.
    await server.command('SET', 'app:sess:%ZZ', 'x');
    await server.command('SET', 'app:sessions', 'x');
    await server.command('SET', 'sess:u3', '{}');
    await server.command('CONFIG', 'RESETSTAT');

    assert.equal(await store.length(), 2);
    assert.deepEqual(Object.fromEntries([...(await store.all())].map(([id, s]) => [id, s.n])), { u1: 1, u2: 2 });
    assert.equal(await admin.length(), 1);
    assert.equal(await store.clear(), 2);
    assert.equal(await store.length(), 0);
    const stats = await server.command('INFO', 'commandstats');
    assert.doesNotMatch(stats, /cmdstat_keys:/, 'the store never sent KEYS');
    assert.match(stats, /cmdstat_scan:/);
    const left = (await server.command('KEYS', '*')).split('\n').sort();
    assert.deepEqual(left, ['app:sess:%ZZ', 'app:sess:admin:root', 'app:sessions', 'sess:u3']);
  });

  it('handles more sessions than one SCAN batch', async () => {
    const count = 1234;
    await Promise.all(Array.from({ length: count }, (_, i) => store.set(`id-${i}`, { i })));
    assert.equal(await store.length(), count);
    const all = await store.all();
    assert.equal(all.size, count);
    assert.equal(all.get('id-1233')?.i, 1233);
    assert.equal(await store.clear(), count);
    assert.equal(await server.command('DBSIZE'), '0');
  });

  it('a blob of the wrong shape is a SessionDecodeError, not a crash', async () => {
    for (const [key, blob] of [
      ['array', '[1,2,3]'],
      ['number', '42'],
      ['broken', '{"user":'],
      ['cookie', '{"cookie":7}'],
    ] as const) {
      await server.command('SET', `app:sess:${key}`, blob);
      await assert.rejects(
        store.get(key),
        (error: unknown) => error instanceof SessionDecodeError && String(error.code) === 'ERR_REDIS_SESSION_DECODE',
      );
    }
    await assert.rejects(store.all(), SessionDecodeError);
    assert.equal(await store.length(), 4, 'length does not decode');
    assert.equal(await store.clear(), 4, 'and clear still clears them');
  });

  it("fallback: 'memory' answers an operation that timed out, before the breaker has opened", async () => {
    await using slow = kitFor(server, { commandTimeoutMs: 200 });
    const fallbacks: Error[] = [];
    const dev = createSessionStore(slow, { fallback: 'memory', onFallback: (error) => fallbacks.push(error) });
    await dev.set('before', { n: 1 });
    await server.pause();
    try {
      await dev.set('during', { n: 2 });
      assert.equal((await dev.get('during'))?.n, 2, 'written to and read from memory');
      assert.equal(dev.usingFallback, false, 'a paused server does not open the breaker');
    } finally {
      await server.resume();
    }
    assert.equal(fallbacks.length, 1);
    assert.equal((fallbacks[0] as { code?: string }).code, 'ERR_REDIS_COMMAND_TIMEOUT');
    // 'during' may be in Redis too: the paused server ran the timed-out SET when it resumed.
    assert.equal((await dev.get('before'))?.n, 1, 'Redis answers again');
  });

  it('a custom serializer is used both ways', async () => {
    const base64 = createSessionStore(redis, {
      prefix: 'b64:',
      serializer: {
        stringify: (session) => Buffer.from(JSON.stringify(session)).toString('base64'),
        parse: (text) => JSON.parse(Buffer.from(text, 'base64').toString('utf8')),
      },
    });
    await base64.set('s', { user: 'ada' });
    assert.equal(await server.command('GET', 'app:b64:s'), Buffer.from('{"user":"ada"}').toString('base64'));
    assert.equal((await base64.get('s'))?.user, 'ada');
  });
});
