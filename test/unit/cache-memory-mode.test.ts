import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheEncodeError, createCache } from '../../src/cache/index.js';
import { createRedis } from '../../src/index.js';
import { waitFor } from '../helpers/index.js';

describe('cache: memory:// (no Redis at all)', () => {
  it('runs the whole API on the in-process store', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const cache = createCache<unknown>(redis, { namespace: 'm', nearCache: {} });
    await cache.set('a', { n: 1 });
    assert.deepEqual(await cache.get('a'), { n: 1 });
    assert.equal(await cache.has('a'), true);
    assert.equal(await cache.get('missing'), undefined);
    await cache.setMany([
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    assert.deepEqual(await cache.getMany(['a', 'b', 'c', 'x']), [{ n: 1 }, 2, 3, undefined]);
    assert.equal(await cache.delete('b'), true);
    assert.equal(await cache.delete('b'), false);
    await assert.rejects(cache.set('bad', { n: 1n }), CacheEncodeError);
    assert.equal(await cache.has('bad'), false);

    let calls = 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.wrap('w', async () => ++calls)));
    assert.deepEqual(new Set(results), new Set([1]));
    assert.equal(calls, 1);
    const double = cache.cached(async (x: number) => x * 2, { key: 'double' });
    assert.equal(await double(21), 42);
    assert.equal(await cache.get(double.keyFor(21)), 42);

    await cache.set('short', 'x', { ttlMs: 50 });
    assert.equal(await cache.get('short'), 'x');
    await waitFor(async () => (await cache.get('short')) === undefined, { what: 'the TTL to pass' });

    assert.equal(await cache.clear(), 4);
    assert.equal(await cache.get('a'), undefined);
    const stats = cache.stats();
    assert.equal(stats.usingFallback, true);
    assert.equal(stats.nearCache.enabled, false, 'no near-cache without a server');
    assert.ok(stats.fallbackHits > 0);
    assert.equal(stats.loaderCalls, 2);
    await cache.close();
  });
});
