/**
 * Exponential backoff with full jitter: the delay before attempt n is drawn
 * uniformly from [0, min(cap, base · 2^n)]. Full jitter (rather than equal or
 * none) spreads reconnecting clients best when a server comes back, so a fleet
 * does not knock it over again in lockstep.
 */
export interface BackoffOptions {
  /** First ceiling in milliseconds. */
  baseMs: number;
  /** No delay ever exceeds this (REDIS_RETRY_MAX_DELAY). */
  capMs: number;
  /** Source of randomness in [0, 1); injectable so tests can pin it. */
  random?: () => number;
}

export class Backoff {
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#baseMs = options.baseMs;
    this.#capMs = options.capMs;
    this.#random = options.random ?? Math.random;
  }

  /** Failures in a row since the last {@link reset}. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling the next delay is drawn under. */
  ceilingMs(attempt = this.#attempt): number {
    // 2^31 already exceeds any sane cap; clamping the exponent keeps it finite.
    return Math.min(this.#capMs, this.#baseMs * 2 ** Math.min(attempt, 31));
  }

  /** Records a failure and returns how long to wait before the next try. */
  next(): number {
    const delay = Math.floor(this.#random() * this.ceilingMs());
    this.#attempt++;
    // Never zero: a zero delay after a refused connect is a busy loop.
    return Math.max(1, delay);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
