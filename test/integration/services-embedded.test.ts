import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRedis, RedisUnavailableError } from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

describe('services created from the client', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('redis.cache / sessions / rateLimiter / subscribe work against Redis and close with the client', async () => {
    const redis = kitFor(server, { keyPrefix: 'svc:' });
    const cache = redis.cache<{ n: number }>({ namespace: 'c' });
    await cache.set('a', { n: 1 });
    assert.deepEqual(await cache.get('a'), { n: 1 });
    assert.equal(await server.command('EXISTS', 'svc:c:a'), '1', 'the client prefix and the namespace make the key');

    const sessions = redis.sessions();
    await sessions.set('sid-1', { cookie: { maxAge: 60_000 }, user: 'ada' } as never);
    assert.equal(((await sessions.get('sid-1')) as { user?: string } | undefined)?.user, 'ada');

    const limiter = redis.rateLimiter({ limit: 2, windowMs: 60_000 });
    const results = [await limiter.consume('ip-1'), await limiter.consume('ip-1'), await limiter.consume('ip-1')];
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, false],
    );

    const received: string[] = [];
    const got = new Promise<void>((resolve) => {
      void redis.subscribe('news', (message) => {
        received.push(message.message);
        resolve();
      });
    });
    await waitForSubscriber(server);
    assert.equal(await redis.publish('news', 'hello'), 1);
    await got;
    assert.deepEqual(received, ['hello']);

    await redis.close();
    const clients = await server.command('CLIENT', 'LIST');
    assert.doesNotMatch(clients, /name=redis-kit/, 'close() also closed the subscriber connection');
  });
});

describe('REDIS_URL=memory://: every service on its in-process fallback', () => {
  it('cache, sessions (fallback memory), rate limiter and pub/sub work with no Redis at all', async () => {
    await using redis = createRedis({ env: { REDIS_URL: 'memory://' } });
    assert.equal(redis.options.mode, 'memory');
    await assert.rejects(redis.get('k'), RedisUnavailableError, 'plain commands say there is no Redis');

    const cache = redis.cache<string>();
    await cache.set('k', 'v', { ttlMs: 60_000 });
    assert.equal(await cache.get('k'), 'v');
    assert.equal(await cache.wrap('w', async () => 'loaded'), 'loaded');

    const sessions = redis.sessions({ fallback: 'memory', onFallback: () => undefined });
    await sessions.set('sid', { cookie: { maxAge: 60_000 }, user: 'ada' } as never);
    assert.equal(((await sessions.get('sid')) as { user?: string } | undefined)?.user, 'ada');

    const limiter = redis.rateLimiter({ limit: 1, windowMs: 60_000 });
    assert.equal((await limiter.consume('x')).allowed, true);
    const denied = await limiter.consume('x');
    assert.equal(denied.allowed, false);
    assert.equal(denied.source, 'memory');

    const iterator = redis.messages('progress:42');
    await iterator.ready;
    assert.equal(await redis.publish('progress:42', '50%'), 1);
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.equal(first.value?.message, '50%');
    await iterator.return?.();
  });
});

async function waitForSubscriber(server: RedisServer): Promise<void> {
  const { waitFor } = await import('../helpers/index.js');
  await waitFor(async () => (await server.command('PUBSUB', 'NUMSUB', 'news')).endsWith('1'), { what: 'a subscriber on news' });
}
