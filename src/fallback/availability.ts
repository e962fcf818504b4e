import { EventEmitter } from 'node:events';
import { type AvailabilitySource, AvailabilityTracker } from './availability-tracker.js';
import { ClosedError, CommandTimeoutError, ConnectError, ConnectionLostError, RedisUnavailableError } from '../errors.js';

export type { AvailabilitySource } from './availability-tracker.js';

export interface AvailabilityOptions {
  /**
   * How long Redis must stay reachable before a service switches back from
   * its fallback. Default 5000 ms. The pitfall it avoids: a flapping server
   * flipping a cache between Redis and memory every second.
   */
  recoverAfterMs?: number;
}

export interface AvailabilityEvents {
  /** The service now uses its fallback. */
  fallback: [error: Error];
  /** Redis has been back for `recoverAfterMs`: the service uses it again. */
  recovered: [];
}

/**
 * One service's view of the client's availability, with its own hysteresis:
 * it switches to the fallback as soon as the client's breaker opens, and
 * back only when Redis has stayed reachable for `recoverAfterMs`. In memory
 * mode (`memory://`) it never switches back.
 *
 * Every view of a client hangs off one {@link AvailabilityTracker}, which
 * listens to the client once; `dispose()` releases the view (a service does
 * it when it closes).
 */
export class Availability extends EventEmitter<AvailabilityEvents> {
  readonly #tracker: AvailabilityTracker;
  readonly #recoverAfterMs: number;
  readonly #permanent: boolean;
  readonly #release: () => void;
  #usingFallback: boolean;
  #timer: NodeJS.Timeout | undefined;

  constructor(source: AvailabilitySource, options: AvailabilityOptions & { memoryMode?: boolean } = {}) {
    super();
    this.#tracker = AvailabilityTracker.of(source);
    this.#recoverAfterMs = options.recoverAfterMs ?? 5000;
    this.#permanent = options.memoryMode ?? false;
    this.#usingFallback = this.#permanent || source.isUnavailable;
    this.#release = this.#tracker.observe({
      unavailable: (error) => this.#toFallback(error),
      ready: () => this.#scheduleRecovery(),
    });
  }

  /** True while the service should serve from its fallback. */
  get usingFallback(): boolean {
    return this.#usingFallback;
  }

  /** Stops following the client. Idempotent. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#release();
  }

  #toFallback(error: Error): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#usingFallback) return;
    this.#usingFallback = true;
    this.emit('fallback', error);
  }

  #scheduleRecovery(): void {
    if (!this.#usingFallback || this.#permanent) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#tracker.isUnavailable) return;
      this.#usingFallback = false;
      this.emit('recovered');
    }, this.#recoverAfterMs);
    this.#timer.unref();
  }
}

/**
 * Whether an error means "Redis could not be reached for this operation"
 * (so a fallback may answer), as opposed to a reply error, bad input or a
 * closed client, which must reach the caller.
 */
export function isRedisDown(error: unknown): boolean {
  if (error instanceof ClosedError) return false;
  return (
    error instanceof RedisUnavailableError ||
    error instanceof ConnectError ||
    error instanceof ConnectionLostError ||
    error instanceof CommandTimeoutError
  );
}
