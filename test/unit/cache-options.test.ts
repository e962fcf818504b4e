import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCodec } from '../../src/cache/codecs/json-codec.js';
import { resolveCacheOptions } from '../../src/cache/options.js';
import { InvalidArgumentError } from '../../src/errors.js';

describe('cache: options', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveCacheOptions({});
    assert.equal(resolved.namespace, 'cache');
    assert.equal(resolved.ttlMs, 60_000);
    assert.equal(resolved.staleWhileRevalidateMs, 0);
    assert.equal(resolved.codec, jsonCodec);
    assert.equal(resolved.fallback, 'memory');
    assert.deepEqual(resolved.memory, { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    assert.equal(resolved.recoverAfterMs, 5000);
    assert.equal(resolved.nearCache, undefined);
    assert.deepEqual(resolveCacheOptions({ nearCache: {} }).nearCache, { maxEntries: 1000, ttlMs: 60_000, heartbeatMs: 1000 });
    assert.equal(resolved.lockTtlMs, 5000);
    assert.equal(resolved.lockWaitMs, 5000);
  });

  it('rejects unknown options and values out of bounds, all in one error', () => {
    assert.throws(
      () =>
        resolveCacheOptions({
          ttlMs: -1,
          nearCache: { maxEntries: 0 },
          fallback: 'disk' as 'none',
          namespace: '',
          ttl: 5,
        } as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError &&
        ['ttlMs=-1', 'nearCache.maxEntries=0', 'fallback=disk', 'namespace=""', 'unknown option ttl'].every((part) =>
          error.message.includes(part),
        ),
    );
    assert.throws(() => resolveCacheOptions({ lockTtlMs: 1.5 }), /lockTtlMs=1.5/);
  });
});
