import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/errors.js';
import { type Rule, type SlidingState, slidingCounter, slidingLog, type CounterState } from '../../src/rate-limit/memory-algorithms.js';
import { MemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import { resolveRateLimiterOptions } from '../../src/rate-limit/options.js';

interface Op {
  /** Milliseconds since the previous call. */
  dt: number;
  cost: number;
}

/** A rule and a run of calls against one key: small limits and windows, so boundaries and full keys are common. */
const scenario = fc
  .record({
    limit: fc.integer({ min: 1, max: 30 }),
    windowMs: fc.integer({ min: 1, max: 2000 }),
    start: fc.integer({ min: 0, max: 10_000_000 }),
  })
  .chain((rule) =>
    fc.record({
      rule: fc.constant(rule),
      ops: fc.array(
        fc.record({
          // Mostly short gaps (many calls per window), sometimes a window or more.
          dt: fc.oneof(fc.integer({ min: 0, max: Math.max(1, rule.windowMs >> 4) }), fc.integer({ min: 0, max: 3 * rule.windowMs })),
          cost: fc.integer({ min: 0, max: rule.limit }),
        }),
        { maxLength: 200 },
      ),
    }),
  );

/** Runs the counter over `ops` and returns the time and cost of every admitted call that consumed something. */
function admitted(rule: Rule & { start: number }, ops: readonly Op[]): [time: number, cost: number][] {
  let state: CounterState | undefined;
  let now = rule.start;
  const out: [number, number][] = [];
  for (const op of ops) {
    now += op.dt;
    const step = slidingCounter(state, now, rule, op.cost);
    state = step.state;
    if (step.decision.allowed && op.cost > 0) out.push([now, op.cost]);
  }
  return out;
}

/** Units admitted in [from, from + windowMs). */
function inSpan(units: readonly [number, number][], from: number, windowMs: number): number {
  let sum = 0;
  for (const [time, cost] of units) if (time >= from && time < from + windowMs) sum += cost;
  return sum;
}

describe("sliding window counter ('sliding-window'): what it promises (property-based)", () => {
  it('never admits more than limit within one boundary-aligned window', () => {
    fc.assert(
      fc.property(scenario, ({ rule, ops }) => {
        const perWindow = new Map<number, number>();
        for (const [time, cost] of admitted(rule, ops)) {
          const index = Math.floor(time / rule.windowMs);
          perWindow.set(index, (perWindow.get(index) ?? 0) + cost);
        }
        for (const sum of perWindow.values()) if (sum > rule.limit) return false;
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('admits at most limit × (1 + f) in any span of windowMs that starts a fraction f into a window', () => {
    fc.assert(
      fc.property(scenario, ({ rule, ops }) => {
        const units = admitted(rule, ops);
        const { limit, windowMs } = rule;
        // The count over [s, s + w) only rises at s = a unit's time or s = a unit's time − w + 1; the bound only
        // grows with s within a window, so those starts are the hardest.
        const starts = units.flatMap(([time]) => [time, time - windowMs + 1]);
        for (const s of starts) {
          const offset = ((s % windowMs) + windowMs) % windowMs;
          // count ≤ limit × (1 + offset / w), in integers.
          if (inSpan(units, s, windowMs) * windowMs > limit * (windowMs + offset)) return false;
        }
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('the bound is reached, not just stated: a burst at the end of a window and another late in the next', () => {
    const rule = { limit: 100, windowMs: 1000 };
    // Window 0 empty; 100 units at 990 ms; then in window 1 at 980 ms the previous 100 weigh 2 %.
    let step = slidingCounter(undefined, 990, rule, 100);
    assert.equal(step.decision.allowed, true);
    step = slidingCounter(step.state, 1980, rule, 98);
    assert.equal(step.decision.allowed, true);
    assert.equal(slidingCounter(step.state, 1980, rule, 1).decision.allowed, false);
    // 198 units inside [985, 1985): f = 0.985, bound 198.5.
  });

  it('retryAfterMs is exact: denied one ms earlier, allowed then (nobody else consuming)', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 30 }), ({ rule, ops }, ask) => {
        const cost = Math.min(ask, rule.limit);
        let state: CounterState | undefined;
        let now = rule.start;
        for (const op of ops) {
          now += op.dt;
          state = slidingCounter(state, now, rule, op.cost).state;
        }
        const step = slidingCounter(state, now, rule, cost);
        if (step.decision.allowed) return step.decision.retryAfterMs === 0;
        const wait = step.decision.retryAfterMs;
        const early = wait > 1 && slidingCounter(state, now + wait - 1, rule, cost).decision.allowed;
        return !early && slidingCounter(state, now + wait, rule, cost).decision.allowed;
      }),
      { numRuns: 1000 },
    );
  });

  it('remaining is what a call could take right now; resetMs is when the whole limit is back', () => {
    fc.assert(
      fc.property(scenario, ({ rule, ops }) => {
        let state: CounterState | undefined;
        let now = rule.start;
        for (const op of ops) {
          now += op.dt;
          const { decision, state: next } = slidingCounter(state, now, rule, op.cost);
          state = next;
          const { remaining, resetMs } = decision;
          if (remaining > 0 && !slidingCounter(state, now, rule, remaining).decision.allowed) return false;
          if (remaining < rule.limit && slidingCounter(state, now, rule, remaining + 1).decision.allowed) return false;
          if (slidingCounter(state, now + resetMs, rule, 0).decision.remaining !== rule.limit) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('keeps two counters whatever the limit, and lets its state expire once it no longer counts', () => {
    const rule = { limit: 1_000_000, windowMs: 60_000 };
    let step = slidingCounter(undefined, 120_500, rule, 1);
    for (let i = 0; i < 10_000; i++) step = slidingCounter(step.state, 120_500 + i, rule, 50);
    assert.deepEqual(step.state, { index: 2, current: 500_001, previous: 0, windowMs: 60_000 });
    // The current count matters until the end of the next window (t = 240,000).
    assert.equal(step.ttlMs, 240_000 - 130_499);
    assert.equal(slidingCounter(step.state, 240_000, rule, 0).state, undefined);
  });

  it('is what failMode memory runs for the default algorithm', () => {
    let time = 60_000;
    const memory = new MemoryLimiter({ algorithm: 'sliding-window', maxKeys: 10, clock: () => time });
    const rule = { limit: 10, windowMs: 1000 };
    assert.equal(memory.consume('k', rule, 10).allowed, true);
    time += 1000;
    // The start of the next window: the previous 10 weigh (1000 − 0) / 1000.
    assert.deepEqual(memory.consume('k', rule, 1), { allowed: false, remaining: 0, resetMs: 1000, retryAfterMs: 100 });
    time += 500;
    assert.equal(memory.consume('k', rule, 0).remaining, 5);
  });
});

describe("sliding log ('sliding-log'): opt-in, exact, bounded", () => {
  it('never admits more than limit in any span of windowMs (property-based)', () => {
    fc.assert(
      fc.property(scenario, ({ rule, ops }) => {
        let state: SlidingState | undefined;
        let now = rule.start;
        const units: [number, number][] = [];
        for (const op of ops) {
          now += op.dt;
          const step = slidingLog(state, now, rule, op.cost);
          state = step.state;
          if (step.decision.allowed && op.cost > 0) units.push([now, op.cost]);
        }
        return units.every(([time]) => inSpan(units, time, rule.windowMs) <= rule.limit);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a limit above 10,000 with a ConfigError naming the option; the counter takes any limit', () => {
    assert.equal(resolveRateLimiterOptions({ algorithm: 'sliding-log', limit: 10_000, windowMs: 1000 }).limit, 10_000);
    assert.throws(
      () => resolveRateLimiterOptions({ algorithm: 'sliding-log', limit: 10_001, windowMs: 1000 }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.length === 1 &&
        error.issues[0]?.name === 'rateLimiter.limit' &&
        /at most 10,000 for 'sliding-log'/.test(error.message),
    );
    assert.equal(resolveRateLimiterOptions({ limit: 1_000_000_000, windowMs: 1000 }).algorithm, 'sliding-window');
  });
});
