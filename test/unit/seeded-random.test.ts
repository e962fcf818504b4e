import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constructSeeded, seededRandom } from '../helpers/seeded-random.js';

describe('test helper: seededRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, and stays in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    const a = draw(7);
    assert.deepEqual(draw(7), a);
    assert.notDeepEqual(draw(8), a);
    for (const x of a) assert.ok(x >= 0 && x < 1, String(x));
    const mean = a.reduce((sum, x) => sum + x, 0) / a.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    assert.ok(new Set(a).size > 990, 'no short cycle');
  });

  it('constructSeeded seeds Math.random only while constructing', () => {
    const original = Math.random;
    const captured = constructSeeded(7, () => Math.random);
    assert.equal(Math.random, original, 'restored');
    assert.deepEqual(Array.from({ length: 5 }, captured), Array.from({ length: 5 }, seededRandom(7)));
    assert.throws(() =>
      constructSeeded(7, () => {
        throw new Error('boom');
      }),
    );
    assert.equal(Math.random, original, 'restored after a throw');
  });
});
