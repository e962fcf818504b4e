import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedis } from '../../src/index.js';
import { MemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import { createRateLimiter, type RateLimitAlgorithm } from '../../src/rate-limit/index.js';

/** A clock the test moves by hand. */
function manualClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

function limiterWith(
  algorithm: RateLimitAlgorithm,
  clock = manualClock(),
  maxKeys = 100,
): { memory: MemoryLimiter; clock: ReturnType<typeof manualClock> } {
  return { memory: new MemoryLimiter({ algorithm, maxKeys, clock: clock.now }), clock };
}

const rule = { limit: 3, windowMs: 1000 };

describe('in-memory limiter: sliding log', () => {
  it('allows up to the limit in any window span, and frees units as they age out', () => {
    const { memory, clock } = limiterWith('sliding-log');
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: true, remaining: 2, resetMs: 1000, retryAfterMs: 0 });
    clock.advance(400);
    assert.equal(memory.consume('k', rule, 1).remaining, 1);
    clock.advance(400);
    assert.equal(memory.consume('k', rule, 1).remaining, 0);
    // Full: the first unit (t=0) ages out at t=1000, 200 ms from now.
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: false, remaining: 0, resetMs: 1000, retryAfterMs: 200 });
    clock.advance(199);
    assert.equal(memory.consume('k', rule, 1).allowed, false);
    clock.advance(1);
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: true, remaining: 0, resetMs: 1000, retryAfterMs: 0 });
  });

  it('a cost larger than what is left is denied and counts nothing; retryAfter waits for enough room', () => {
    const { memory, clock } = limiterWith('sliding-log');
    memory.consume('k', rule, 1);
    clock.advance(100);
    memory.consume('k', rule, 1);
    clock.advance(100);
    // 1 left; cost 3 needs both earlier units gone, the second one 900 ms from now.
    assert.deepEqual(memory.consume('k', rule, 3), { allowed: false, remaining: 1, resetMs: 900, retryAfterMs: 900 });
    // Cost 2 needs only the first one gone, 800 ms from now.
    assert.deepEqual(memory.consume('k', rule, 2), { allowed: false, remaining: 1, resetMs: 900, retryAfterMs: 800 });
    assert.equal(memory.consume('k', rule, 1).remaining, 0, 'the denied call consumed nothing');
  });

  it('cost 0 asks without consuming', () => {
    const { memory } = limiterWith('sliding-log');
    assert.deepEqual(memory.consume('k', rule, 0), { allowed: true, remaining: 3, resetMs: 0, retryAfterMs: 0 });
    memory.consume('k', rule, 3);
    assert.equal(memory.consume('k', rule, 0).allowed, false);
    assert.equal(memory.size, 1);
  });
});

describe('in-memory limiter: token bucket', () => {
  it('bursts up to the limit, then refills limit per window, exactly', () => {
    const { memory, clock } = limiterWith('token-bucket');
    for (let i = 2; i >= 0; i--) assert.equal(memory.consume('k', rule, 1).remaining, i);
    // Empty; one token takes 1000/3 ms.
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: false, remaining: 0, resetMs: 1000, retryAfterMs: 334 });
    clock.advance(333);
    assert.equal(memory.consume('k', rule, 1).allowed, false);
    clock.advance(1);
    assert.equal(memory.consume('k', rule, 1).allowed, true);
    clock.advance(5000);
    assert.deepEqual(memory.consume('k', rule, 0), { allowed: true, remaining: 3, resetMs: 0, retryAfterMs: 0 });
  });

  it('forgets a key once its bucket is full again (nothing to keep)', () => {
    const { memory, clock } = limiterWith('token-bucket');
    memory.consume('k', rule, 1);
    assert.equal(memory.size, 1);
    clock.advance(334);
    memory.consume('k', rule, 0);
    assert.equal(memory.consume('k', rule, 0).remaining, 3);
  });
});

describe('in-memory limiter: fixed window', () => {
  it('counts from the first consume for one window, then starts over', () => {
    const { memory, clock } = limiterWith('fixed-window');
    assert.deepEqual(memory.consume('k', rule, 2), { allowed: true, remaining: 1, resetMs: 1000, retryAfterMs: 0 });
    clock.advance(600);
    assert.deepEqual(memory.consume('k', rule, 2), { allowed: false, remaining: 1, resetMs: 400, retryAfterMs: 400 });
    assert.equal(memory.consume('k', rule, 1).remaining, 0);
    clock.advance(400);
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: true, remaining: 2, resetMs: 1000, retryAfterMs: 0 });
  });
});

describe('in-memory limiter: bounded state', () => {
  it('keeps at most maxKeys keys, evicting the least recently used (which then start afresh)', () => {
    const { memory } = limiterWith('fixed-window', manualClock(), 2);
    memory.consume('a', rule, 3);
    memory.consume('b', rule, 3);
    memory.consume('c', rule, 3);
    assert.equal(memory.size, 2);
    assert.equal(memory.consume('b', rule, 1).allowed, false);
    assert.equal(memory.consume('a', rule, 1).allowed, true, "'a' was evicted, so it has its quota again");
  });

  it('drops entries once they are equivalent to no entry (the clock drives the LRU too)', () => {
    const { memory, clock } = limiterWith('sliding-log');
    memory.consume('k', rule, 1);
    clock.advance(1001);
    assert.deepEqual(memory.consume('k', rule, 0), { allowed: true, remaining: 3, resetMs: 0, retryAfterMs: 0 });
    assert.equal(memory.size, 0);
  });
});

describe('REDIS_URL=memory://', () => {
  for (const failMode of ['memory', 'open', 'closed'] as const) {
    it(`runs on the in-memory limiter (failMode '${failMode}' does not matter: there is no Redis to fail)`, async () => {
      await using redis = createRedis({ env: {}, url: 'memory://' });
      const limiter = createRateLimiter(redis, { limit: 2, windowMs: 60_000, failMode });
      assert.equal(limiter.usingFallback, true);
      const results = [await limiter.consume('ip'), await limiter.consume('ip'), await limiter.consume('ip')];
      assert.deepEqual(
        results.map((r) => [r.allowed, r.remaining, r.source]),
        [
          [true, 1, 'memory'],
          [true, 0, 'memory'],
          [false, 0, 'memory'],
        ],
      );
      // The default sliding window counter carries this window's count into the next one, so the wait can reach past it.
      assert.ok(results[2] !== undefined && results[2].retryAfterMs > 0 && results[2].retryAfterMs <= 2 * 60_000);
      await limiter.reset('ip');
      assert.equal((await limiter.consume('ip')).remaining, 1, 'reset() gave the key its quota back');
    });
  }

  it('keys are kept apart by scope and encoding, also in memory', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const limiter = createRateLimiter(redis, { limit: 1, windowMs: 60_000 });
    const route = limiter.withRule({ scope: 'GET /a' });
    assert.equal((await limiter.consume('a:b')).allowed, true);
    assert.equal((await route.consume('a:b')).allowed, true, 'a scoped limiter counts separately');
    assert.equal((await limiter.consume('a%3Ab')).allowed, true, 'encoding is injective');
    assert.equal((await limiter.consume('a:b')).allowed, false);
  });
});
