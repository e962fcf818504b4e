import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCodec } from '../../src/cache/codecs/json-codec.js';
import { resolveCacheOptions } from '../../src/cache/options.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';

/** The issues of the ConfigError `resolve` throws. */
function issuesOf(resolve: () => unknown): readonly ConfigIssue[] {
  try {
    resolve();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_REDIS_CONFIG');
    return error.issues;
  }
  assert.fail('the options were accepted');
}

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

  it('rejects unknown options and values out of bounds, all in one error, nested ones by their path', () => {
    const issues = issuesOf(() =>
      resolveCacheOptions({
        ttlMs: -1,
        nearCache: { maxEntries: 0 },
        fallback: 'disk' as 'none',
        namespace: '',
        memory: { maxByte: 1 },
        onError: 'log',
      } as never),
    );
    assert.deepEqual(issues, [
      { name: 'cache.namespace', received: '""', expected: 'a string of 1 to 100 characters' },
      { name: 'cache.ttlMs', received: '-1', expected: 'an integer from 0 to 31,536,000,000' },
      { name: 'cache.fallback', received: '"disk"', expected: "one of 'memory', 'none'" },
      { name: 'cache.memory.maxByte', received: '1', expected: 'a known option (did you mean maxBytes?)' },
      { name: 'cache.nearCache.maxEntries', received: '0', expected: 'an integer from 1 to 1,000,000' },
      { name: 'cache.onError', received: '"log"', expected: 'a function' },
    ]);
    assert.deepEqual(
      issuesOf(() => resolveCacheOptions({ lockTtlMs: 1.5 })),
      [{ name: 'cache.lockTtlMs', received: '1.5', expected: 'an integer from 100 to 3,600,000' }],
    );
  });

  it('an unknown option names the one meant ("did you mean"), or lists the known ones', () => {
    assert.deepEqual(
      issuesOf(() => resolveCacheOptions({ namespce: 'x' } as never)),
      [{ name: 'cache.namespce', received: '"x"', expected: 'a known option (did you mean namespace?)' }],
    );
    const [far] = issuesOf(() => resolveCacheOptions({ zzz: 1 } as never));
    assert.match(far?.expected ?? '', /^a known option \(namespace, ttlMs, .*onError\)$/);
  });

  it('nearCache: false is off, like leaving it out', () => {
    assert.equal(resolveCacheOptions({ nearCache: false }).nearCache, undefined);
  });
});
