import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, createRedis, InvalidArgumentError } from '../../src/index.js';
import { createRateLimiter, type RateLimiterOptions } from '../../src/rate-limit/index.js';
import { checkCost, checkKey, resolveRateLimiterOptions } from '../../src/rate-limit/options.js';

/** The ConfigError resolveRateLimiterOptions throws for `options`, with its issue names. */
function issuesOf(options: unknown): string[] {
  try {
    resolveRateLimiterOptions(options as RateLimiterOptions);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_REDIS_CONFIG');
    return error.issues.map((issue) => issue.name);
  }
  assert.fail('resolveRateLimiterOptions accepted the options');
}

describe('rate limiter options', () => {
  it('fills in the documented defaults', () => {
    assert.deepEqual(resolveRateLimiterOptions({ limit: 10, windowMs: 1000 }), {
      limit: 10,
      windowMs: 1000,
      algorithm: 'sliding-window',
      failMode: 'memory',
      prefix: 'rl',
      memoryMaxKeys: 10_000,
      recoverAfterMs: 5000,
      timeoutMs: undefined,
    });
  });

  it('requires limit and windowMs as whole numbers in range', () => {
    assert.deepEqual(issuesOf({}), ['rateLimiter.limit', 'rateLimiter.windowMs']);
    assert.deepEqual(issuesOf({ limit: 0, windowMs: 1000 }), ['rateLimiter.limit']);
    assert.deepEqual(issuesOf({ limit: 1.5, windowMs: 1000 }), ['rateLimiter.limit']);
    assert.deepEqual(issuesOf({ limit: '10', windowMs: 1000 }), ['rateLimiter.limit']);
    assert.deepEqual(issuesOf({ limit: 10, windowMs: 0 }), ['rateLimiter.windowMs']);
    assert.deepEqual(issuesOf({ limit: 10, windowMs: Number.NaN }), ['rateLimiter.windowMs']);
    assert.deepEqual(issuesOf({ limit: 1_000_000_001, windowMs: 1 }), ['rateLimiter.limit']);
  });

  it('reports every problem at once, naming the option, the value and the range', () => {
    try {
      resolveRateLimiterOptions({ limit: -1, windowMs: 1000, algorithm: 'leaky' as never, failMode: 'maybe' as never, prefix: 'a{b}' });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.issues.map((i) => i.name),
        ['rateLimiter.limit', 'rateLimiter.algorithm', 'rateLimiter.failMode', 'rateLimiter.prefix'],
      );
      assert.match(error.message, /rateLimiter\.limit=-1: expected an integer from 1 to 1,000,000,000/);
      assert.match(
        error.message,
        /rateLimiter\.algorithm="leaky": expected one of 'sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'/,
      );
    }
  });

  it('rejects unknown options (a typo must not mean "no limit")', () => {
    assert.deepEqual(issuesOf({ limit: 1, windowMs: 1000, window: 5 }), ['rateLimiter.window']);
  });

  it('names the option an unknown one was meant to be ("did you mean")', () => {
    try {
      resolveRateLimiterOptions({ limit: 1, windowMS: 1000, failmode: 'open' } as never);
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.issues.map((i) => [i.name, i.expected]),
        [
          ['rateLimiter.windowMs', 'an integer from 1 to 31,536,000,000'],
          ['rateLimiter.windowMS', 'a known option (did you mean windowMs?)'],
          ['rateLimiter.failmode', 'a known option (did you mean failMode?)'],
        ],
      );
    }
  });

  it('withRule overrides are checked the same way, all problems at once', () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    const limiter = createRateLimiter(redis, { limit: 5, windowMs: 1000 });
    assert.throws(
      () => limiter.withRule({ limit: 0, windowMs: 1.5, scop: 'x' } as never),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.map((i) => i.name).join() === 'rateLimiter.withRule.limit,rateLimiter.withRule.windowMs,rateLimiter.withRule.scop' &&
        error.issues[2]?.expected === 'a known option (did you mean scope?)',
    );
    limiter.destroy();
  });

  it('bounds the token bucket so its integer units stay exact', () => {
    assert.deepEqual(issuesOf({ limit: 1_000_000_000, windowMs: 31_536_000_000, algorithm: 'token-bucket' }), [
      'rateLimiter.limit × windowMs',
    ]);
    // The same rule is fine for the other algorithms.
    assert.equal(resolveRateLimiterOptions({ limit: 1_000_000_000, windowMs: 31_536_000_000 }).limit, 1_000_000_000);
  });

  it('checks the optional numbers', () => {
    assert.deepEqual(issuesOf({ limit: 1, windowMs: 1, memoryMaxKeys: 0, recoverAfterMs: -1, timeoutMs: 0 }), [
      'rateLimiter.memoryMaxKeys',
      'rateLimiter.recoverAfterMs',
      'rateLimiter.timeoutMs',
    ]);
  });

  it('createRateLimiter validates before touching the client', async () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    assert.throws(() => createRateLimiter(redis, { limit: 0, windowMs: 1 }), ConfigError);
    const limiter = createRateLimiter(redis, { limit: 5, windowMs: 1000 });
    assert.throws(() => limiter.withRule({ limit: 0 }), ConfigError);
    assert.equal(limiter.withRule({ limit: 7 }).limit, 7);
    await limiter.close();
  });

  it('cost is a whole number from 0 to the limit', () => {
    assert.equal(checkCost(0, 5), 0);
    assert.equal(checkCost(5, 5), 5);
    for (const bad of [-1, 6, 1.5, Number.NaN, '1', undefined]) {
      assert.throws(() => checkCost(bad, 5), InvalidArgumentError, `cost ${String(bad)}`);
    }
  });

  it('a key is a non-empty string of at most 512 characters or a finite number; the key is not echoed', () => {
    assert.equal(checkKey('10.0.0.1'), '10.0.0.1');
    assert.equal(checkKey(42), '42');
    for (const bad of ['', 'x'.repeat(513), undefined, null, Number.POSITIVE_INFINITY, {}]) {
      assert.throws(() => checkKey(bad), InvalidArgumentError);
    }
    assert.throws(
      () => checkKey(`secret-token-${'y'.repeat(600)}`),
      (error: Error) => !error.message.includes('secret-token') && /613 characters/.test(error.message),
    );
  });
});
