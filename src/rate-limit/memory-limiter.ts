import { LRUCache } from 'lru-cache';
import {
  type BucketState,
  type CounterState,
  type Decision,
  fixedWindow,
  type Rule,
  type SlidingState,
  type Step,
  slidingCounter,
  slidingLog,
  tokenBucket,
  type WindowState,
} from './memory-algorithms.js';
import type { RateLimitAlgorithm } from './options.js';

type State = CounterState | SlidingState | BucketState | WindowState;
type Algorithm = (state: State | undefined, now: number, rule: Rule, cost: number) => Step<State>;

const ALGORITHMS: Record<RateLimitAlgorithm, Algorithm> = {
  'sliding-window': slidingCounter as Algorithm,
  'sliding-log': slidingLog as Algorithm,
  'token-bucket': tokenBucket as Algorithm,
  'fixed-window': fixedWindow as Algorithm,
};

export interface MemoryLimiterOptions {
  algorithm: RateLimitAlgorithm;
  /** Most keys tracked; least recently used are evicted (and start again with a full quota). */
  maxKeys: number;
  /** Time source in ms, monotonic. Default `performance.now()`; tests inject one. */
  clock?: () => number;
}

/**
 * The per-process limiter: the same rule as the Redis scripts, state in an
 * lru-cache bounded by key count. Entries expire when their state would be
 * the same as no state (the key is back at its full quota), so idle keys cost
 * nothing; the LRU uses the same clock, so an injected clock drives both.
 */
export class MemoryLimiter {
  readonly #algorithm: Algorithm;
  readonly #clock: () => number;
  readonly #entries: LRUCache<string, State>;

  constructor(options: MemoryLimiterOptions) {
    this.#algorithm = ALGORITHMS[options.algorithm];
    const clock = options.clock ?? (() => performance.now());
    this.#clock = clock;
    this.#entries = new LRUCache<string, State>({ max: options.maxKeys, perf: { now: clock }, ttlAutopurge: false });
  }

  consume(key: string, rule: Rule, cost: number): Decision {
    const step = this.#algorithm(this.#entries.get(key), this.#clock(), rule, cost);
    if (step.state === undefined) this.#entries.delete(key);
    else this.#entries.set(key, step.state, { ttl: Math.max(1, step.ttlMs) });
    return step.decision;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#entries.size;
  }
}
