import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClosedError, WrongTypeError } from '../../src/index.js';
import { createRateLimiter, type RateLimitAlgorithm, type RateLimitResult } from '../../src/rate-limit/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

const ALGORITHMS: readonly RateLimitAlgorithm[] = ['sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'];
const TAG: Record<RateLimitAlgorithm, string> = { 'sliding-window': 'sc', 'sliding-log': 'sw', 'token-bucket': 'tb', 'fixed-window': 'fw' };
/**
 * How long a key's count can matter, in windows: the sliding window counter
 * carries the current window's count into the next one (weighted), so its
 * reset and retry times reach up to two windows; the others' reach one.
 */
const REACH: Record<RateLimitAlgorithm, number> = { 'sliding-window': 2, 'sliding-log': 1, 'token-bucket': 1, 'fixed-window': 1 };

/** Node timers may fire up to a millisecond before the ms the script rounded up to; this margin covers that, no more. */
const TIMER_SLACK_MS = 2;

/** Every key on the server with its PTTL (the test server holds only what these tests wrote). */
async function keysWithTtl(server: RedisServer): Promise<Map<string, number>> {
  const keys = (await server.call('KEYS', '*')) as string[];
  const out = new Map<string, number>();
  for (const key of keys) out.set(key, Number(await server.command('PTTL', key)));
  return out;
}

describe('rate limiter algorithms against a real server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  for (const algorithm of ALGORITHMS) {
    describe(algorithm, () => {
      it('allows up to the limit, denies after it, and allows again once the reset time it reported has passed', async () => {
        await using redis = kitFor(server);
        const limiter = createRateLimiter(redis, { algorithm, limit: 3, windowMs: 1000, prefix: `semantics-${algorithm}` });
        const granted: RateLimitResult[] = [];
        for (let i = 0; i < 3; i++) granted.push(await limiter.consume('user-1'));
        assert.deepEqual(
          granted.map((r) => [r.allowed, r.remaining, r.limit, r.retryAfterMs, r.source]),
          [
            [true, 2, 3, 0, 'redis'],
            [true, 1, 3, 0, 'redis'],
            [true, 0, 3, 0, 'redis'],
          ],
        );
        const reach = 1000 * REACH[algorithm];
        for (const r of granted) assert.ok(r.resetMs > 0 && r.resetMs <= reach, `resetMs ${r.resetMs}`);

        const denied = await limiter.consume('user-1');
        assert.equal(denied.allowed, false);
        assert.equal(denied.remaining, 0);
        assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= reach, `retryAfterMs ${denied.retryAfterMs}`);
        assert.ok(denied.resetMs >= denied.retryAfterMs && denied.resetMs <= reach, `resetMs ${denied.resetMs}`);
        assert.equal((await limiter.consume('user-2')).remaining, 2, 'other keys are counted separately');

        await sleep(denied.resetMs + TIMER_SLACK_MS);
        const afterReset = await limiter.consume('user-1');
        assert.equal(afterReset.allowed, true);
        assert.equal(afterReset.remaining, 2, 'the whole quota is back after resetMs');
      });

      it('allows again once the retryAfterMs of a denial has passed', async () => {
        await using redis = kitFor(server);
        const limiter = createRateLimiter(redis, { algorithm, limit: 2, windowMs: 600, prefix: `retry-${algorithm}` });
        await limiter.consume('k');
        await limiter.consume('k');
        const denied = await limiter.consume('k');
        assert.equal(denied.allowed, false);
        await sleep(denied.retryAfterMs + TIMER_SLACK_MS);
        assert.equal((await limiter.consume('k')).allowed, true);
      });

      it('a cost above what is left is denied and consumes nothing; cost 0 only asks', async () => {
        await using redis = kitFor(server);
        const limiter = createRateLimiter(redis, { algorithm, limit: 5, windowMs: 60_000, prefix: `cost-${algorithm}` });
        assert.deepEqual((await limiter.consume('k', 0)).remaining, 5);
        assert.equal((await limiter.consume('k', 0)).allowed, true);
        assert.equal((await limiter.consume('k', 4)).remaining, 1);
        const tooMuch = await limiter.consume('k', 2);
        assert.equal(tooMuch.allowed, false);
        assert.equal(tooMuch.remaining, 1);
        assert.equal((await limiter.consume('k', 1)).allowed, true, 'the denied cost consumed nothing');
        const empty = await limiter.consume('k', 0);
        assert.equal(empty.allowed, false, 'cost 0 says one unit would not be allowed');
        assert.equal(empty.remaining, 0);
      });

      it('reset(key) gives the key its full quota back', async () => {
        await using redis = kitFor(server);
        const limiter = createRateLimiter(redis, { algorithm, limit: 1, windowMs: 60_000, prefix: `reset-${algorithm}` });
        await limiter.consume('login:ada');
        assert.equal((await limiter.consume('login:ada')).allowed, false);
        await limiter.reset('login:ada');
        assert.equal(await server.command('EXISTS', `reset-${algorithm}:${TAG[algorithm]}:login%3Aada`), '0');
        assert.equal((await limiter.consume('login:ada')).allowed, true);
      });
    });
  }

  it('every key the limiter writes has a TTL, after thousands of mixed consumes (allowed, denied, peeks)', async () => {
    await using redis = kitFor(server);
    await server.command('FLUSHALL');
    const windowMs = 30_000;
    const limiters = ALGORITHMS.map((algorithm) => createRateLimiter(redis, { algorithm, limit: 20, windowMs, prefix: 'ttl' }));
    const calls: Promise<RateLimitResult>[] = [];
    for (let i = 0; i < 3000; i++) {
      const limiter = limiters[i % limiters.length];
      assert.ok(limiter !== undefined);
      calls.push(limiter.consume(`client-${i % 37}`, i % 7));
    }
    const results = await Promise.all(calls);
    assert.ok(results.some((r) => !r.allowed) && results.some((r) => r.allowed), 'both outcomes happened');
    const keys = await keysWithTtl(server);
    assert.equal(keys.size, ALGORITHMS.length * 37, 'one key per (algorithm, client)');
    for (const [key, ttl] of keys) {
      const tag = /^ttl:(sc|sw|tb|fw):client-\d+$/.exec(key)?.[1];
      assert.ok(tag !== undefined, key);
      const reach = tag === 'sc' ? 2 : 1;
      assert.ok(ttl > 0 && ttl <= reach * windowMs, `${key} has PTTL ${ttl}`);
    }
  });

  it('input cannot leave the namespace or pick a hash tag; the client key prefix applies', async () => {
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    await server.command('FLUSHALL');
    const limiter = createRateLimiter(redis, { limit: 1, windowMs: 60_000, prefix: 'rl:login' });
    const hostile = ['a:b{c}*', '*', '{x}', '../../etc', 'a b\r\nDEL x', 'ключ'];
    for (const input of hostile) assert.equal((await limiter.consume(input)).allowed, true, input);
    const keys = [...(await keysWithTtl(server)).keys()].sort();
    assert.deepEqual(
      keys,
      [
        'app:rl:login:sc:%2A',
        'app:rl:login:sc:..%2F..%2Fetc',
        'app:rl:login:sc:%7Bx%7D',
        'app:rl:login:sc:%D0%BA%D0%BB%D1%8E%D1%87',
        'app:rl:login:sc:a%20b%0D%0ADEL%20x',
        'app:rl:login:sc:a%3Ab%7Bc%7D%2A',
      ].sort(),
    );
    for (const key of keys) {
      assert.doesNotMatch(key.slice('app:rl:login:sc:'.length), /[:{}*?[\]\s]/, `${key} holds no separator, brace, glob or space`);
    }
    // Each input has its own count: the second call on every one is denied, and only that one.
    for (const input of hostile) assert.equal((await limiter.consume(input)).allowed, false, input);
  });

  it('loads each script once: EVALSHA on the hot path, EVAL only after the server forgot it', async () => {
    await using redis = kitFor(server);
    const limiter = createRateLimiter(redis, { limit: 1000, windowMs: 60_000, prefix: 'scripts' });
    await server.command('SCRIPT', 'FLUSH');
    await server.command('CONFIG', 'RESETSTAT');
    for (let i = 0; i < 50; i++) await limiter.consume('k');
    const stats = await server.command('INFO', 'commandstats');
    const calls = (name: string): number => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
    assert.equal(calls('eval'), 1, 'one EVAL after NOSCRIPT, which loads it');
    assert.equal(calls('evalsha'), 50, 'every call tried EVALSHA first');
    assert.equal((await limiter.consume('k', 0)).remaining, 950);
  });

  it('a reply error (the key holds another type) reaches the caller instead of a fallback answer', async () => {
    await using redis = kitFor(server);
    await server.command('SET', 'wrongtype:sc:k', 'not a hash');
    const limiter = createRateLimiter(redis, { limit: 5, windowMs: 1000, prefix: 'wrongtype' });
    const result = await settle(limiter.consume('k'));
    assert.ok(!result.ok && result.error instanceof WrongTypeError, String(!result.ok && result.error));
  });

  it('a closed client rejects with ClosedError (not a fallback answer)', async () => {
    const redis = kitFor(server);
    const limiter = createRateLimiter(redis, { limit: 5, windowMs: 1000, prefix: 'closed-client' });
    await limiter.consume('k');
    await redis.close();
    const result = await settle(limiter.consume('k'));
    assert.ok(!result.ok && result.error instanceof ClosedError, String(!result.ok && result.error));
  });

  it('token bucket: a changed window keeps the tokens, not the raw units', async () => {
    await using redis = kitFor(server);
    const first = createRateLimiter(redis, { algorithm: 'token-bucket', limit: 10, windowMs: 3_600_000, prefix: 'rescale' });
    assert.equal((await first.consume('k', 6)).remaining, 4);
    const second = createRateLimiter(redis, { algorithm: 'token-bucket', limit: 10, windowMs: 7_200_000, prefix: 'rescale' });
    assert.equal((await second.consume('k', 0)).remaining, 4);
  });

  it('sliding log: many units aging out at once are all dropped, the live ones kept', async () => {
    await using redis = kitFor(server);
    const limiter = createRateLimiter(redis, { algorithm: 'sliding-log', limit: 100, windowMs: 1000, prefix: 'bulk-expiry' });
    // 70 units in one call, then 1 more half a window later.
    const burst = await limiter.consume('k', 70);
    await sleep(500);
    assert.equal((await limiter.consume('k')).remaining, 29);
    await sleep(burst.resetMs - 500 + TIMER_SLACK_MS);
    // The 70 aged out (more than one trim batch); the later unit still counts.
    assert.equal(await server.command('LLEN', 'bulk-expiry:sw:k'), '71', 'nothing is trimmed before a call');
    const next = await limiter.consume('k');
    assert.equal(next.remaining, 98);
    assert.equal(await server.command('LLEN', 'bulk-expiry:sw:k'), '2');
  });

  it('sliding log: counts over the last window span, not per calendar window', async () => {
    await using redis = kitFor(server);
    const limiter = createRateLimiter(redis, { algorithm: 'sliding-log', limit: 2, windowMs: 2000, prefix: 'slide' });
    const first = await limiter.consume('k');
    await sleep(1000);
    await limiter.consume('k');
    const denied = await limiter.consume('k');
    assert.equal(denied.allowed, false);
    // Room comes back when the first unit ages out, ~1000 ms from now, not after a whole window.
    assert.ok(denied.retryAfterMs <= first.resetMs - 1000, `retryAfterMs ${denied.retryAfterMs}`);
    assert.ok(denied.resetMs > 1900, `the second unit keeps the key until a window after it (resetMs ${denied.resetMs})`);
    await sleep(denied.retryAfterMs + TIMER_SLACK_MS);
    const one = await limiter.consume('k');
    assert.equal(one.allowed, true);
    assert.equal(one.remaining, 0, 'the second unit is still inside the window');
  });
});
