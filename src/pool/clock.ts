/**
 * Time as the pool sees it. Injectable so idle eviction and max lifetime can
 * be tested without waiting; production uses the monotonic clock, which does
 * not jump when the wall clock is adjusted.
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin; only differences are meaningful. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };
