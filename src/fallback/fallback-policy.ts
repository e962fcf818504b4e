import { isRedisDown } from './availability.js';

/** What a service does around its one fallback rule; both optional. */
export interface FallbackHooks {
  /** The memory path answered because Redis could not be reached for this call: count it, emit it. */
  onFallback?: (error: Error) => void;
  /** The Redis path failed in a way no fallback may hide (a reply error, a closed client): count it. It is rethrown. */
  onFailure?: (error: unknown) => void;
}

/**
 * The one "try Redis, else memory" rule of every service (cache, wrap's
 * loader, sessions, rate limiter): run the Redis path; when it fails because
 * Redis could not be reached ({@link isRedisDown}) and the service has a
 * fallback, run the memory path and report it; otherwise rethrow. Reply
 * errors, bad input and a closed client always reach the caller.
 */
export class FallbackPolicy {
  readonly #enabled: boolean;
  readonly #hooks: FallbackHooks;

  constructor(enabled: boolean, hooks: FallbackHooks = {}) {
    this.#enabled = enabled;
    this.#hooks = hooks;
  }

  /** Whether the service has a fallback at all. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Whether this error from Redis may be answered by the fallback. */
  canFallback(error: unknown): error is Error {
    return this.#enabled && isRedisDown(error);
  }

  /** Runs `redis`; on an unreachable Redis (and a fallback), `memory` with the error instead. */
  async run<T, F = T>(redis: () => Promise<T>, memory: (error: Error) => F | Promise<F>): Promise<T | F> {
    try {
      return await redis();
    } catch (error) {
      if (!this.canFallback(error)) {
        this.#hooks.onFailure?.(error);
        throw error;
      }
      this.#hooks.onFallback?.(error);
      return memory(error);
    }
  }
}
