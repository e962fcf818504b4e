import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheKeyError } from '../../src/cache/errors.js';
import { stableKey } from '../../src/cache/stable-key.js';

describe('cache: stable keys from arguments', () => {
  it('does not depend on the order object properties were added in', () => {
    assert.equal(stableKey([{ a: 1, b: { c: 2, d: 3 } }]), stableKey([{ b: { d: 3, c: 2 }, a: 1 }]));
    assert.equal(stableKey([{ b: 1, a: 2 }]), '[{"a":2,"b":1}]');
  });

  it('tells apart what JSON.stringify would confuse', () => {
    const distinct: unknown[][] = [
      [null],
      [undefined],
      [[undefined]],
      [[null]],
      [{}],
      [{ a: undefined }],
      [Number.NaN],
      [Number.POSITIVE_INFINITY],
      ['1'],
      [1],
      [1n],
      ['1n'],
      [new Map()],
      [new Set()],
      [new Date(0)],
      [new Date(0).toISOString()],
      ['a', 'b'],
      [['a', 'b']],
      ['a,b'],
    ];
    const keys = distinct.map((args) => stableKey(args));
    assert.equal(new Set(keys).size, keys.length, keys.join('  |  '));
  });

  it('sorts Map entries and Set members, follows toJSON, and allows shared (non-cyclic) references', () => {
    assert.equal(
      stableKey([
        new Map([
          ['x', 1],
          ['y', 2],
        ]),
      ]),
      stableKey([
        new Map([
          ['y', 2],
          ['x', 1],
        ]),
      ]),
    );
    assert.equal(stableKey([new Set([3, 1, 2])]), stableKey([new Set([1, 2, 3])]));
    assert.equal(stableKey([{ toJSON: () => 'id-7' }]), stableKey(['id-7']));
    const shared = { id: 1 };
    assert.equal(stableKey([shared, shared]), '[{"id":1},{"id":1}]');
  });

  it('refuses functions, symbols and cycles with CacheKeyError naming where', () => {
    assert.throws(
      () => stableKey([{ f: () => 1 }]),
      (error: unknown) => error instanceof CacheKeyError && error.code === 'ERR_REDIS_CACHE_KEY' && /arguments\[0\]\.f/.test(error.message),
    );
    assert.throws(() => stableKey([Symbol('s')]), CacheKeyError);
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    assert.throws(
      () => stableKey([cycle]),
      (error: unknown) => error instanceof CacheKeyError && /cycle/.test(error.message),
    );
  });

  it('hashes long keys to a fixed length, still distinct', () => {
    const a = stableKey(['x'.repeat(500)]);
    const b = stableKey(['x'.repeat(499)]);
    assert.match(a, /^#[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(a, stableKey(['x'.repeat(500)]));
  });
});
