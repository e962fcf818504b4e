import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedis, InvalidArgumentError, RedisUnavailableError } from '../../src/index.js';
import { createSessionStore, SessionDecodeError, type SessionStoreOptions } from '../../src/session/index.js';

/** A client on memory:// (no Redis at all) and a store on its memory fallback, with a clock the test moves. */
function memoryStore(options: SessionStoreOptions = {}) {
  const redis = createRedis({ env: {}, url: 'memory://' });
  const clock = { now: Date.UTC(2030, 0, 1) };
  const fallbacks: Error[] = [];
  const store = createSessionStore(redis, {
    fallback: 'memory',
    now: () => clock.now,
    onFallback: (error) => fallbacks.push(error),
    ...options,
  });
  return { redis, store, clock, fallbacks };
}

const cookieFor = (clock: { now: number }, ms: number) => ({ expires: new Date(clock.now + ms), originalMaxAge: ms });

describe('session store on memory:// with fallback: memory', () => {
  it('get / set / destroy, and the fallback is reported once', async () => {
    const { redis, store, clock, fallbacks } = memoryStore();
    assert.equal(store.usingFallback, true);
    assert.equal(await store.get('a'), undefined);
    await store.set('a', { cookie: cookieFor(clock, 60_000), user: 'ada' });
    const got = await store.get('a');
    assert.deepEqual(got?.user, 'ada');
    assert.equal(typeof got?.cookie?.expires, 'string', 'a stored copy, serialized like in Redis');
    assert.equal(await store.delete('a'), true);
    assert.equal(await store.delete('a'), false);
    assert.equal(await store.get('a'), undefined);
    assert.equal(fallbacks.length, 1, 'onFallback told once, not per operation');
    assert.ok(fallbacks[0] instanceof RedisUnavailableError);
    assert.match(fallbacks[0].message, /memory:\/\//);
    await redis.close();
  });

  it('a session expires with its cookie; without one, after ttlMs', async () => {
    const { redis, store, clock } = memoryStore({ ttlMs: 5000 });
    await store.set('short', { cookie: cookieFor(clock, 1000) });
    await store.set('plain', { user: 'bob' });
    // Like Redis, a key is still there at its expiry instant and gone just after it.
    clock.now += 1000;
    assert.ok(await store.get('short'));
    clock.now += 1;
    assert.equal(await store.get('short'), undefined, 'gone after its cookie expiry');
    assert.ok(await store.get('plain'));
    clock.now += 4000;
    assert.equal(await store.get('plain'), undefined, 'gone after ttlMs');
    await redis.close();
  });

  it('touch gives a new lifetime from the cookie (rolling), and misses a session that is gone', async () => {
    const { redis, store, clock } = memoryStore();
    await store.set('s', { cookie: cookieFor(clock, 1000) });
    clock.now += 900;
    assert.equal(await store.touch('s', { cookie: cookieFor(clock, 1000) }), true);
    clock.now += 1000;
    assert.ok(await store.get('s'), 'still there 1900 ms after set: touch extended it');
    clock.now += 1;
    assert.equal(await store.get('s'), undefined);
    assert.equal(await store.touch('s', { cookie: cookieFor(clock, 1000) }), false, 'touch does not resurrect');
    assert.equal(await store.get('s'), undefined);
    await redis.close();
  });

  it('set with a cookie that has already expired deletes the session', async () => {
    const { redis, store, clock } = memoryStore();
    await store.set('s', { cookie: cookieFor(clock, 1000) });
    await store.set('s', { cookie: { expires: new Date(clock.now - 1) } });
    assert.equal(await store.get('s'), undefined);
    await redis.close();
  });

  it('all / length / clear see only this namespace, and expired sessions not at all', async () => {
    const { redis, store, clock } = memoryStore();
    const other = createSessionStore(redis, { fallback: 'memory', prefix: 'sess:admin:', onFallback: () => undefined });
    await store.set('a:1', { n: 1 });
    await store.set('__proto__', { n: 2 });
    await store.set('gone', { cookie: cookieFor(clock, 10) });
    clock.now += 11;
    assert.equal(await store.length(), 2);
    const all = await store.all();
    assert.deepEqual([...all.keys()].sort(), ['__proto__', 'a:1']);
    assert.equal(all.get('a:1')?.n, 1);
    assert.equal(await store.clear(), 2);
    assert.equal(await store.length(), 0);
    // Each store keeps its own memory: nothing of `store` leaks into `other`, and clear() left it alone.
    await other.set('x', { n: 3 });
    assert.equal(await other.length(), 1);
    await redis.close();
  });

  it('ids are untrusted: odd ones are keys like any other, unusable ones are never looked up', async () => {
    const { redis, store } = memoryStore();
    for (const id of ['*', 'a:b', '{tag}', '%41', 'ü']) {
      await store.set(id, { id });
      assert.equal((await store.get(id))?.id, id);
    }
    assert.equal(await store.get('A'), undefined, "'%41' did not collide with 'A'");
    assert.equal(await store.length(), 5);
    assert.equal(await store.get(''), undefined);
    assert.equal(await store.get('x'.repeat(513)), undefined);
    assert.equal(await store.delete(42 as unknown as string), false);
    await assert.rejects(store.set('', {}), InvalidArgumentError);
    await redis.close();
  });

  it('a stored blob that is not a session is a SessionDecodeError, through get and all', async () => {
    const { redis, store } = memoryStore({ serializer: { stringify: JSON.stringify, parse: () => [1, 2] } });
    await store.set('s', { user: 'ada' });
    await assert.rejects(store.get('s'), SessionDecodeError);
    await assert.rejects(store.all(), SessionDecodeError);
    await redis.close();
  });

  it('the memory fallback keeps at most fallbackMaxSessions', async () => {
    const { redis, store } = memoryStore({ fallbackMaxSessions: 2 });
    await store.set('a', {});
    await store.set('b', {});
    await store.set('c', {});
    assert.equal(await store.length(), 2);
    assert.equal(await store.get('a'), undefined, 'the least recently used went first');
    await redis.close();
  });
});

describe('session store on memory:// without a fallback', () => {
  it('every operation fails with RedisUnavailableError', async () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    const store = createSessionStore(redis);
    assert.equal(store.usingFallback, false);
    await assert.rejects(store.get('a'), RedisUnavailableError);
    await assert.rejects(store.set('a', {}), RedisUnavailableError);
    await assert.rejects(store.touch('a', {}), RedisUnavailableError);
    await assert.rejects(store.delete('a'), RedisUnavailableError);
    await assert.rejects(store.all(), RedisUnavailableError);
    await assert.rejects(store.length(), RedisUnavailableError);
    await assert.rejects(store.clear(), RedisUnavailableError);
    await redis.close();
  });
});
