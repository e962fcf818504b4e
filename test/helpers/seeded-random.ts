/**
 * A deterministic source of "random" numbers in [0, 1) for tests that check statistics of
 * jittered values (backoff delays, lifetime jitter): with a fixed seed the draws, and so the
 * assertions about them, are the same on every run, instead of failing once in a few thousand.
 *
 * mulberry32: 32 bits of state, a full period of 2^32, and good enough equidistribution for
 * asserting on means and distinct values. Not for anything that needs real randomness.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `create` with `Math.random` replaced by {@link seededRandom}, and restores it before
 * returning. For objects that pick their default randomness (`options.random ?? Math.random`)
 * when they are constructed and offer no option to pass one: construction is synchronous, so
 * nothing else runs with the seeded function in place.
 */
export function constructSeeded<T>(seed: number, create: () => T): T {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return create();
  } finally {
    Math.random = original;
  }
}
