import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/pool/backoff.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('Backoff (full jitter)', () => {
  it('20 failures in a row: ceilings grow, delays stay under the cap, and differ', () => {
    // Seeded: the statistics below (distinct delays, later ones longer on average) hold for
    // almost every draw, and a fixed seed makes "almost" never.
    const backoff = new Backoff({ baseMs: 50, capMs: 30_000, random: seededRandom(20261201) });
    const ceilings: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      ceilings.push(backoff.ceilingMs());
      delays.push(backoff.next());
    }
    for (let i = 1; i < ceilings.length; i++) assert.ok((ceilings[i] ?? 0) >= (ceilings[i - 1] ?? 0), 'ceilings never shrink');
    assert.equal(ceilings.at(-1), 30_000, 'the ceiling reaches the cap');
    for (const [i, delay] of delays.entries()) {
      assert.ok(delay >= 1 && delay <= (ceilings[i] ?? 0), `delay ${delay} within [1, ${ceilings[i]}]`);
    }
    assert.ok(new Set(delays).size > 15, 'jitter makes the delays differ');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(delays.slice(10)) > mean(delays.slice(0, 5)), 'later delays are longer on average');
  });

  it('is never zero (no busy loop) and resets after success', () => {
    const backoff = new Backoff({ baseMs: 50, capMs: 1000, random: () => 0 });
    assert.equal(backoff.next(), 1);
    backoff.next();
    assert.equal(backoff.attempt, 2);
    backoff.reset();
    assert.equal(backoff.attempt, 0);
    assert.equal(backoff.ceilingMs(), 50);
  });

  it('with the largest random draw, follows base·2^n up to the cap', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  });
});
