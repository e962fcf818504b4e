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
 * The circuit breaker in front of every command. It says whether the server
 * can be reached, so it counts connection failures, not command errors: a
 * WRONGTYPE says nothing about whether Redis is up, and neither does a server
 * at `maxclients` refusing one more connection (the pool reports that
 * itself). Open, it makes commands fail at once instead of queueing behind a
 * server that is not there. It closes when any connection becomes ready
 * again, or when its probe gets through: while open, the probe attached with
 * {@link Breaker.attachProbe} runs every probe interval, so an open breaker
 * is never left without a way to close (the lanes may all be up already and
 * have nothing to reconnect).
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
  #probe: (() => Promise<boolean>) | undefined;
  #probeIntervalMs = 0;
  #probeTimer: NodeJS.Timeout | undefined;
  #probing = false;

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

  /**
   * Sets what probes the server while the breaker is open, every
   * `intervalMs`: `probe` resolves true when the server answered (which
   * closes the breaker) and false when it could not tell. One probe at a time.
   */
  attachProbe(probe: () => Promise<boolean>, intervalMs: number): void {
    this.#probe = probe;
    this.#probeIntervalMs = intervalMs;
    if (this.isOpen) this.#scheduleProbe();
  }

  /** Stops probing (the connections are closing). */
  detachProbe(): void {
    this.#probe = undefined;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
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

  #scheduleProbe(): void {
    if (this.#probe === undefined || this.#probeTimer !== undefined || this.#probing) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      this.#runProbe();
    }, this.#probeIntervalMs);
    this.#probeTimer.unref();
  }

  #runProbe(): void {
    const probe = this.#probe;
    if (probe === undefined || !this.isOpen) return;
    this.#probing = true;
    probe().then(
      (answered) => this.#probed(answered),
      // A failed probe is a failed attempt like any other; its error is not
      // typed here, so it does not replace the recorded cause.
      () => this.#probed(false),
    );
  }

  #probed(answered: boolean): void {
    this.#probing = false;
    if (answered) this.recordSuccess();
    if (this.isOpen) this.#scheduleProbe();
  }

  #transition(to: BreakerState, error: RedisKitError | undefined): void {
    const from = this.#state;
    this.#state = to;
    if (to === 'open') {
      this.#openedCount++;
      this.#scheduleProbe();
    } else {
      clearTimeout(this.#probeTimer);
      this.#probeTimer = undefined;
    }
    if (channels.breakerState.hasSubscribers) channels.breakerState.publish({ from, to, error });
    this.#onStateChange?.(to, error);
  }
}
