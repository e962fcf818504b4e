import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, createRedis } from '../../src/index.js';
import {
  createRateLimiter,
  type FastifyIncrResult,
  type FastifyRateLimitStoreLike,
  fastifyRateLimitStore,
} from '../../src/rate-limit/index.js';

function incr(store: FastifyRateLimitStoreLike, key: string, timeWindow?: number, max?: number): Promise<FastifyIncrResult> {
  return new Promise((resolve, reject) => {
    store.incr(
      key,
      (error, result) => {
        if (error !== null) reject(error);
        else if (result === undefined) reject(new Error('incr gave neither an error nor a result'));
        else resolve(result);
      },
      timeWindow,
      max,
    );
  });
}

describe('fastifyRateLimitStore: the plugin contract', () => {
  it("reports the count so far while allowed, max + 1 once denied (the plugin's isExceeded is current > max)", async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const Store = fastifyRateLimitStore({ redis });
    const store = new Store({ max: 2, timeWindow: 10_000 });
    const results = [await incr(store, 'ip', 10_000, 2), await incr(store, 'ip', 10_000, 2), await incr(store, 'ip', 10_000, 2)];
    assert.deepEqual(
      results.map((r) => r.current),
      [1, 2, 3],
    );
    // The default sliding window counter carries a window's count into the next one: its times reach up to two windows.
    const allowed = results[0];
    assert.ok(
      allowed !== undefined && allowed.ttl > 10_000 && allowed.ttl <= 20_000,
      'ttl of an allowed call: until the quota is full again',
    );
    const denied = results[2];
    assert.ok(denied !== undefined && denied.ttl > 5000 && denied.ttl <= 15_000, 'ttl of a denial: until a retry would pass');
  });

  it('follows the rule the plugin passes per call (max and timeWindow may differ per request)', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const store = new (fastifyRateLimitStore({ redis }))();
    assert.equal((await incr(store, 'a', 1000, 1)).current, 1);
    assert.equal((await incr(store, 'a', 1000, 1)).current, 2, 'max 1: the second call is denied');
    assert.equal((await incr(store, 'b', 1000, 5)).current, 1);
    // max 0 blocks everything without counting.
    assert.deepEqual(await incr(store, 'c', 1000, 0), { current: 1, ttl: 1000 });
    // A rule the limiter cannot take reaches the plugin as an error.
    await assert.rejects(incr(store, 'd', 1000, 2_000_000_000), ConfigError);
  });

  it('child(routeOptions) counts per route; a limiter passed in supplies algorithm and prefix', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const limiter = createRateLimiter(redis, { limit: 10, windowMs: 1000, algorithm: 'fixed-window' });
    const store = new (fastifyRateLimitStore(limiter))({});
    const login = store.child({ routeInfo: { method: 'POST', url: '/login' } });
    const search = store.child({ routeInfo: { method: ['GET', 'HEAD'], url: '/search' } });
    assert.equal((await incr(login, 'ip', 1000, 1)).current, 1);
    assert.equal((await incr(login, 'ip', 1000, 1)).current, 2);
    assert.equal((await incr(search, 'ip', 1000, 1)).current, 1, 'another route has its own count');
    assert.equal((await incr(store, 'ip', 1000, 1)).current, 1, 'and so does the global rule');
    // Without a rule from the plugin, the limiter's own applies.
    assert.equal((await incr(store, 'other')).current, 1);
    assert.equal((await limiter.consume('other', 0)).remaining, 9);
  });
});
