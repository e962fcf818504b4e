import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kOwnedResourceCount } from '../../src/client/internal.js';
import { AvailabilityTracker } from '../../src/fallback/availability-tracker.js';
import { ClosedError, createPubSub, type RedisKit } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/** What a service leaves on its client: listeners, registered resources, views of the availability tracker. */
function footprint(redis: RedisKit): { ready: number; unavailable: number; owned: number; views: number } {
  return {
    ready: redis.listenerCount('ready'),
    unavailable: redis.listenerCount('unavailable'),
    owned: redis[kOwnedResourceCount],
    views: AvailabilityTracker.of(redis).observers,
  };
}

/** Small fallbacks: ten thousand default-sized LRUs would only measure the allocator. */
const small = {
  cache: { memory: { maxEntries: 10 } },
  sessions: { fallback: 'memory', fallbackMaxSessions: 10, onFallback: () => undefined },
  limiter: { limit: 5, windowMs: 60_000, memoryMaxKeys: 10 },
} as const;

async function subscriberConnections(server: RedisServer): Promise<number> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => /\bname=\S*:subscriber\b/.test(line)).length;
}

describe('one lifecycle for every service', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('creating and closing 10,000 services leaves the client as it was', async () => {
    await using redis = kitFor(server);
    // One of each open for the whole loop, so "as it was" is measured with the tracker already listening.
    await using keep = redis.cache({ ...small.cache, namespace: 'keep' });
    const before = footprint(redis);
    assert.equal(before.ready, 1, 'one listener for every service of the client');
    for (let i = 0; i < 10_000; i++) {
      const cache = redis.cache(small.cache);
      const sessions = redis.sessions(small.sessions);
      const limiter = redis.rateLimiter(small.limiter);
      const child = limiter.withRule({ limit: 2, scope: 'route' });
      const pubsub = createPubSub(redis);
      // Every way out: close, destroy, a child closed first, a parent closing its children.
      if (i % 2 === 0) {
        await Promise.all([cache.close(), sessions.close(), child.close(), pubsub.close()]);
        await limiter.close();
      } else {
        cache.destroy();
        sessions.destroy();
        limiter.destroy();
        pubsub.destroy();
        assert.ok(child.closed, "a parent's destroy ends its children");
      }
    }
    assert.deepEqual(footprint(redis), before);
    assert.equal(keep.closed, false);
  });

  it('near-caches created and closed leave no invalidation connection registered on the client', async () => {
    await using redis = kitFor(server);
    const before = footprint(redis);
    for (let i = 0; i < 20; i++) {
      const cache = redis.cache({ ...small.cache, nearCache: { maxEntries: 10 } });
      await cache.set('k', i);
      assert.equal(await cache.get('k'), i);
      if (i % 2 === 0) await cache.close();
      else cache.destroy();
    }
    assert.deepEqual(footprint(redis), before);
  });

  it('every service method rejects with ClosedError after close', async () => {
    await using redis = kitFor(server);
    const cache = redis.cache<number>(small.cache);
    const cachedFn = cache.cached(async (n: number) => n * 2, { key: 'double' });
    const sessions = redis.sessions();
    const limiter = redis.rateLimiter(small.limiter);
    const pubsub = createPubSub(redis);
    await Promise.all([cache.close(), sessions.close(), limiter.close(), pubsub.close()]);

    const calls: [string, () => Promise<unknown>][] = [
      ['cache.get', () => cache.get('k')],
      ['cache.set', () => cache.set('k', 1)],
      ['cache.delete', () => cache.delete('k')],
      ['cache.has', () => cache.has('k')],
      ['cache.getMany', () => cache.getMany(['k'])],
      ['cache.setMany', () => cache.setMany([{ key: 'k', value: 1 }])],
      ['cache.clear', () => cache.clear()],
      ['cache.wrap', () => cache.wrap('k', () => 1)],
      ['cache.cached', () => cachedFn(1)],
      ['sessions.get', () => sessions.get('sid')],
      ['sessions.get (unusable id)', () => sessions.get('')],
      ['sessions.set', () => sessions.set('sid', { cookie: {} })],
      ['sessions.touch', () => sessions.touch('sid', { cookie: {} })],
      ['sessions.delete', () => sessions.delete('sid')],
      ['sessions.all', () => sessions.all()],
      ['sessions.length', () => sessions.length()],
      ['sessions.clear', () => sessions.clear()],
      ['limiter.consume', () => limiter.consume('ip')],
      ['limiter.reset', () => limiter.reset('ip')],
      ['limiter.withRule', async () => limiter.withRule({ limit: 1 })],
      ['pubsub.subscribe', () => pubsub.subscribe('c', () => undefined)],
      ['pubsub.publish', () => pubsub.publish('c', 'm')],
      ['pubsub.messages', () => pubsub.messages('c').next()],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call, (error: unknown) => error instanceof ClosedError && error.code === 'ERR_REDIS_CLOSED', name);
    }
    // close and destroy stay idempotent, in any order.
    await Promise.all([cache.close(), sessions.close(), limiter.close(), pubsub.close()]);
    for (const service of [cache, sessions, limiter, pubsub]) {
      service.destroy();
      assert.equal(service.lifecycleState, 'closed', 'a destroy after a finished close changes nothing');
    }
  });

  it('a closed withRule child leaves its parent (and its siblings) working', async () => {
    await using redis = kitFor(server, { keyPrefix: 'life:' });
    await using limiter = redis.rateLimiter({ limit: 3, windowMs: 60_000, prefix: 'rl:life' });
    const child = limiter.withRule({ limit: 1, scope: 'a' });
    const sibling = limiter.withRule({ limit: 1, scope: 'b' });
    assert.equal((await child.consume('k')).source, 'redis');
    await child.close();
    await assert.rejects(child.consume('k'), ClosedError);
    const parent = await limiter.consume('k');
    assert.equal(parent.source, 'redis', 'the parent still counts in Redis');
    assert.equal(limiter.usingFallback, false);
    assert.equal((await sibling.consume('k')).allowed, true);
    assert.equal(redis.listenerCount('ready'), 1, "the parent still follows the client's availability");
  });

  it('await using closes every service; the client closes those still open', async () => {
    const redis = kitFor(server);
    let escaped: { closed: boolean }[];
    {
      await using cache = redis.cache(small.cache);
      await using sessions = redis.sessions();
      await using limiter = redis.rateLimiter(small.limiter);
      await using pubsub = createPubSub(redis);
      escaped = [cache, sessions, limiter, pubsub];
      assert.ok(escaped.every((service) => !service.closed));
    }
    assert.ok(escaped.every((service) => service.closed));
    assert.equal(redis[kOwnedResourceCount], 0);

    const open = [redis.cache(small.cache), redis.sessions(), redis.rateLimiter(small.limiter), createPubSub(redis)];
    await redis.close();
    assert.ok(open.every((service) => service.closed));
    assert.equal(redis[kOwnedResourceCount], 0);
  });

  it('subscriptions and message iterators have the same lifecycle', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const sub = await pubsub.subscribe('life', () => undefined);
    const closing = sub.close();
    assert.equal(sub.active, false, 'the handler stops at once');
    await closing;
    assert.equal(await pubsub.publish('life', 'x'), 0, 'close() unsubscribed');

    const destroyed = pubsub.messages('life');
    await destroyed.ready;
    destroyed.destroy(new Error('stop'));
    assert.equal(destroyed.closed, true);
    await assert.rejects(destroyed.next(), /stop/);
    assert.deepEqual(await destroyed.next(), { done: true, value: undefined });

    {
      await using iterator = pubsub.messages('life');
      await using other = await pubsub.subscribe('life', () => undefined);
      await iterator.ready;
      assert.ok(other.active);
    }
    await waitFor(async () => (await pubsub.publish('life', 'y')) === 0, { what: 'await using to unsubscribe both' });
    assert.equal(pubsub.stats().subscriptions, 0);
  });

  it("PubSub handles share the client's one subscriber connection; closing one leaves the others subscribed", async () => {
    await using redis = kitFor(server);
    const first = createPubSub(redis);
    await using second = createPubSub(redis);
    const got: string[] = [];
    await first.subscribe('shared', () => undefined);
    await second.subscribe('shared', (message) => {
      got.push(message.message);
    });
    await redis.subscribe('shared', () => undefined);
    assert.equal(await subscriberConnections(server), 1, 'one subscriber connection for the client');

    await first.close();
    assert.equal(await redis.publish('shared', 'after'), 1, 'the channel is still subscribed, once, on the shared connection');
    await waitFor(() => got.length === 1, { what: 'the remaining handle to receive' });
    assert.deepEqual(got, ['after']);
    assert.equal(await subscriberConnections(server), 1);

    await using dedicated = createPubSub(redis, { dedicated: true });
    await dedicated.subscribe('own', () => undefined);
    assert.equal(await subscriberConnections(server), 2, 'dedicated: a connection of its own');
  });
});
