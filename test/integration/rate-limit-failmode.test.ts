import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createRateLimiter, type RateLimitResult } from '../../src/rate-limit/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

const summary = (r: RateLimitResult): [boolean, number, string] => [r.allowed, r.remaining, r.source];

describe('rate limiter while Redis is down', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it("failMode 'memory' (default): the same rule per process while down, back on Redis after recoverAfterMs", async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    await redis.connect();
    const limiter = createRateLimiter(redis, { limit: 2, windowMs: 60_000, recoverAfterMs: 300 });
    assert.deepEqual(summary(await limiter.consume('ip')), [true, 1, 'redis']);

    const unavailable = once(redis, 'unavailable');
    await server.kill();
    await unavailable;
    assert.equal(limiter.usingFallback, true);
    // The fallback starts from zero (it cannot know what Redis had counted), then enforces the same rule.
    assert.deepEqual(
      [summary(await limiter.consume('ip')), summary(await limiter.consume('ip')), summary(await limiter.consume('ip'))],
      [
        [true, 1, 'memory'],
        [true, 0, 'memory'],
        [false, 0, 'memory'],
      ],
    );
    assert.equal((await limiter.consume('other')).allowed, true, 'other keys have their own count in memory too');

    const ready = once(redis, 'ready');
    await server.restart();
    await ready;
    // Hysteresis: still on memory right after Redis is back …
    assert.equal((await limiter.consume('ip')).source, 'memory');
    // … and on Redis once it has stayed up for recoverAfterMs.
    await waitFor(() => !limiter.usingFallback, { what: 'the limiter to switch back to Redis', timeoutMs: 5000 });
    assert.deepEqual(summary(await limiter.consume('ip')), [true, 1, 'redis']);
    assert.equal(await server.command('HGET', 'rl:sc:ip', 'c'), '1', 'counting in Redis again (its data was lost in the restart)');
  });

  it("failMode 'open': allows everything while down, flagged in the result", async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    await redis.connect();
    const limiter = createRateLimiter(redis, { limit: 1, windowMs: 60_000, failMode: 'open', prefix: 'open' });
    assert.deepEqual(summary(await limiter.consume('ip')), [true, 0, 'redis']);
    assert.deepEqual(summary(await limiter.consume('ip')), [false, 0, 'redis']);
    const unavailable = once(redis, 'unavailable');
    await server.kill();
    await unavailable;
    for (let i = 0; i < 3; i++) {
      const result = await limiter.consume('ip');
      assert.equal(result.allowed, true);
      assert.equal(result.source, 'open');
      assert.equal(result.retryAfterMs, 0);
    }
    const ready = once(redis, 'ready');
    await server.restart();
    await ready;
  });

  it("failMode 'closed': denies everything while down, with a Retry-After of recoverAfterMs", async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    await redis.connect();
    const limiter = createRateLimiter(redis, { limit: 5, windowMs: 60_000, failMode: 'closed', recoverAfterMs: 2000, prefix: 'closed' });
    assert.equal((await limiter.consume('ip')).allowed, true);
    const unavailable = once(redis, 'unavailable');
    await server.kill();
    await unavailable;
    const result = await limiter.consume('ip');
    assert.deepEqual(result, { allowed: false, limit: 5, remaining: 0, resetMs: 2000, retryAfterMs: 2000, source: 'closed' });
    assert.equal(limiter.headers(result)['Retry-After'], '2');
    const ready = once(redis, 'ready');
    await server.restart();
    await ready;
  });

  it('a paused server: the fallback answers at the limiter timeoutMs, before the breaker has an opinion', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 5000, socketTimeoutMs: 10_000 });
    await redis.connect();
    const limiter = createRateLimiter(redis, { limit: 3, windowMs: 60_000, timeoutMs: 200, prefix: 'paused' });
    assert.equal((await limiter.consume('ip')).source, 'redis');
    await server.pause();
    try {
      const started = performance.now();
      const result = await limiter.consume('ip');
      const elapsed = performance.now() - started;
      assert.deepEqual(summary(result), [true, 2, 'memory']);
      assert.ok(elapsed >= 190 && elapsed < 2000, `answered after ${elapsed.toFixed(0)} ms`);
      assert.equal(redis.isUnavailable, false, 'the breaker did not open: one slow command is not an outage');
    } finally {
      await server.resume();
    }
    assert.equal((await limiter.consume('ip')).source, 'redis', 'the next call goes to Redis again (no switch happened)');
  });
});
