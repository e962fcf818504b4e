import { AuthError, type RedisKitError, RedisUnavailableError } from '../errors.js';
import { channels } from '../observability/channels.js';

export type BreakerState = 'closed' | 'open';

export interface BreakerOptions {
  /** Consecutive connection failures that open the breaker. */
  failureThreshold: number;
  /** Told whenever the state changes. */
  onStateChange?: (state: BreakerState, error: RedisKitError | undefined) => void;
}

/**
 * The circuit breaker in front of every command. It counts connection
 * failures, not command errors: a WRONGTYPE says nothing about whether Redis
 * is up. Open, it makes commands fail at once instead of queueing behind a
 * server that is not there. It closes when any connection becomes ready
 * again; the lanes' own reconnect attempts (with backoff) are the probes.
 *
 * A refused password opens it at once: retrying will not fix credentials, and
 * callers should see the AuthError rather than wait.
 */
export class Breaker {
  readonly #threshold: number;
  readonly #onStateChange: BreakerOptions['onStateChange'];
  #state: BreakerState = 'closed';
  #failures = 0;
  #lastError: RedisKitError | undefined;
  #openedCount = 0;

  constructor(options: BreakerOptions) {
    this.#threshold = options.failureThreshold;
    this.#onStateChange = options.onStateChange;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Connection failures in a row. */
  get failures(): number {
    return this.#failures;
  }

  /** How many times it has opened since the client was created. */
  get openedCount(): number {
    return this.#openedCount;
  }

  get lastError(): RedisKitError | undefined {
    return this.#lastError;
  }

  recordFailure(error: RedisKitError): void {
    this.#failures++;
    this.#lastError = error;
    if (this.#state === 'closed' && (this.#failures >= this.#threshold || error instanceof AuthError)) {
      this.#transition('open', error);
    }
  }

  recordSuccess(): void {
    this.#failures = 0;
    if (this.#state === 'open') this.#transition('closed', undefined);
    this.#lastError = undefined;
  }

  /** The error a command gets while the breaker is open. */
  rejection(target: string): RedisKitError {
    const cause = this.#lastError;
    if (cause instanceof AuthError) return cause;
    return new RedisUnavailableError(
      `Redis at ${target} is unavailable (circuit open after ${this.#failures} failed connection attempts${cause ? `; last: ${cause.message}` : ''})`,
      { cause },
    );
  }

  #transition(to: BreakerState, error: RedisKitError | undefined): void {
    const from = this.#state;
    this.#state = to;
    if (to === 'open') this.#openedCount++;
    if (channels.breakerState.hasSubscribers) channels.breakerState.publish({ from, to, error });
    this.#onStateChange?.(to, error);
  }
}
