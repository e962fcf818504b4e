import { EventEmitter } from 'node:events';
import { ClosedError, CommandTimeoutError, ConnectError, ConnectionLostError, RedisUnavailableError } from '../errors.js';

/** The part of the client availability needs; RedisClient fits. */
export interface AvailabilitySource extends EventEmitter<{ ready: []; unavailable: [error: Error] }> {
  readonly isUnavailable: boolean;
}

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
 * Decides, with hysteresis, whether a service should use Redis or its
 * in-memory fallback: it switches to the fallback as soon as the client's
 * breaker opens, and back only when Redis has stayed reachable for
 * `recoverAfterMs`. In memory mode (`memory://`) it never switches back.
 */
export class Availability extends EventEmitter<AvailabilityEvents> {
  readonly #source: AvailabilitySource;
  readonly #recoverAfterMs: number;
  readonly #permanent: boolean;
  #usingFallback: boolean;
  #timer: NodeJS.Timeout | undefined;
  readonly #onUnavailable = (error: Error): void => this.#toFallback(error);
  readonly #onReady = (): void => this.#scheduleRecovery();

  constructor(source: AvailabilitySource, options: AvailabilityOptions & { memoryMode?: boolean } = {}) {
    super();
    this.#source = source;
    this.#recoverAfterMs = options.recoverAfterMs ?? 5000;
    this.#permanent = options.memoryMode ?? false;
    this.#usingFallback = this.#permanent || source.isUnavailable;
    source.on('unavailable', this.#onUnavailable);
    source.on('ready', this.#onReady);
  }

  /** True while the service should serve from its fallback. */
  get usingFallback(): boolean {
    return this.#usingFallback;
  }

  /** Stops listening to the client. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#source.off('unavailable', this.#onUnavailable);
    this.#source.off('ready', this.#onReady);
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
      if (this.#source.isUnavailable) return;
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
