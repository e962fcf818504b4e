import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRateLimiter } from '../../src/rate-limit/index.js';
import { type CounterState, slidingCounter } from '../../src/rate-limit/memory-algorithms.js';
import { luaSource } from '../../src/rate-limit/scripts.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * The counter's script with its clock taken from ARGV[4] (s) and ARGV[5] (µs)
 * instead of TIME: a real server cannot be told what time it is, and the
 * script must be compared with the TypeScript model at chosen instants,
 * window boundaries included. Nothing else in the script is changed.
 */
function scriptWithClock(): string {
  const source = luaSource('sliding-window');
  const call = "redis.call('TIME')";
  assert.equal(source.split(call).length, 2, 'the script reads the clock exactly once');
  return source.replace(call, '{ARGV[4], ARGV[5]}');
}

describe('sliding window counter script on a real server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('decides exactly as the in-memory model, call for call, across window boundaries (property-based)', async () => {
    const sha = await server.command('SCRIPT', 'LOAD', scriptWithClock());
    // In the future of the server's own clock, so the PEXPIREAT the script sets never deletes the key under the test.
    const base = Date.now() + 86_400_000;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(
          fc.record({
            // Now and then the clock steps back (a failover to a server with another clock).
            dt: fc.oneof({ arbitrary: fc.nat(2500), weight: 9 }, { arbitrary: fc.integer({ min: -3000, max: -1 }), weight: 1 }),
            cost: fc.nat(50),
            micros: fc.nat(999),
          }),
          { maxLength: 40 },
        ),
        async (limit, windowMs, offset, ops) => {
          const key = `model:${run++}`;
          const rule = { limit, windowMs };
          let state: CounterState | undefined;
          let now = base + offset;
          for (const op of ops) {
            now += op.dt;
            const cost = Math.min(op.cost, limit);
            const reply = (await server.call(
              'EVALSHA',
              sha,
              '1',
              key,
              String(limit),
              String(windowMs),
              String(cost),
              String(Math.floor(now / 1000)),
              // Sub-millisecond µs the script must round down, as the model's whole ms.
              String((now % 1000) * 1000 + op.micros),
            )) as number[];
            const step = slidingCounter(state, now, rule, cost);
            state = step.state;
            // The key's PEXPIREAT is in this test's time, which the server's own clock never reaches: expire it
            // where the model lets go of its state, which is that instant (the end of the window after the last write).
            if (state === undefined) await server.command('DEL', key);
            const { allowed, remaining, resetMs, retryAfterMs } = step.decision;
            assert.deepEqual(reply, [allowed ? 1 : 0, remaining, resetMs, retryAfterMs], `t=${now} cost=${cost} rule=${limit}/${windowMs}`);
          }
          await server.command('DEL', key);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps O(1) state per key: a few dozen bytes at a limit of a million, where the sliding log holds one entry per unit', async () => {
    await using redis = kitFor(server);
    await server.command('FLUSHALL');
    const counter = createRateLimiter(redis, { limit: 1_000_000, windowMs: 60_000, prefix: 'mem' });
    const log = createRateLimiter(redis, { algorithm: 'sliding-log', limit: 10_000, windowMs: 60_000, prefix: 'mem' });
    for (let i = 0; i < 100; i++) {
      assert.equal((await counter.consume('k', 100)).allowed, true);
      assert.equal((await log.consume('k', 100)).allowed, true);
    }
    const counterBytes = Number(await server.command('MEMORY', 'USAGE', 'mem:sc:k'));
    const logBytes = Number(await server.command('MEMORY', 'USAGE', 'mem:sw:k'));
    assert.ok(counterBytes > 0 && counterBytes < 200, `the counter's key takes ${counterBytes} bytes after 10,000 units`);
    assert.ok(logBytes > 50 * counterBytes, `the log's key takes ${logBytes} bytes for the same 10,000 units`);
    const fields = (await server.call('HGETALL', 'mem:sc:k')) as string[];
    assert.deepEqual(fields.filter((_, i) => i % 2 === 0).sort(), ['c', 'n', 'p', 'w'], 'two counters, the window number and length');
    const ttl = Number(await server.command('PTTL', 'mem:sc:k'));
    assert.ok(ttl > 60_000 && ttl <= 120_000, `lives until the end of the next window (PTTL ${ttl})`);
  });

  it('a rule whose window changed carries the last count over as the previous window, as the model does', async () => {
    await using redis = kitFor(server);
    const first = createRateLimiter(redis, { limit: 10, windowMs: 3_600_000, prefix: 'rewindow' });
    assert.equal((await first.consume('k', 7)).allowed, true);
    const [index, current, previous] = ((await server.call('HMGET', 'rewindow:sc:k', 'n', 'c', 'p')) as string[]).map(Number);
    const stored: CounterState = { index: index as number, current: current as number, previous: previous as number, windowMs: 3_600_000 };
    const second = createRateLimiter(redis, { limit: 10, windowMs: 7_200_000, prefix: 'rewindow' });
    const before = await serverMs();
    const peek = await second.consume('k', 0);
    const after = await serverMs();
    // The server decided at some ms between the two clock readings: the model agrees at one of them.
    const rule = { limit: 10, windowMs: 7_200_000 };
    const candidates: object[] = [];
    for (let t = before; t <= after; t++) candidates.push(slidingCounter(stored, t, rule, 0).decision);
    const { source: _source, limit: _limit, ...decision } = peek;
    assert.ok(
      candidates.some((candidate) => JSON.stringify(candidate) === JSON.stringify(decision)),
      `${JSON.stringify(decision)} among ${JSON.stringify(candidates)}`,
    );
    assert.equal(await server.command('HGET', 'rewindow:sc:k', 'w'), '3600000', 'a peek writes nothing');
  });

  async function serverMs(): Promise<number> {
    const [seconds, micros] = (await server.call('TIME')) as string[];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
});
