import type { EventEmitter } from 'node:events';

/** The part of the client availability needs; RedisClient fits. */
export interface AvailabilitySource extends EventEmitter<{ ready: []; unavailable: [error: Error] }> {
  readonly isUnavailable: boolean;
}

/** What the tracker tells each view: the client's two availability events. */
export interface AvailabilityObserver {
  unavailable(error: Error): void;
  ready(): void;
}

/**
 * One per client: listens to the client's `ready` and `unavailable` once,
 * and passes them to every service's view. The listeners are added with the
 * first view and removed with the last, so creating and closing any number
 * of services leaves the client's listener counts as they were (and a
 * hundred services add two listeners, not two hundred).
 */
export class AvailabilityTracker {
  readonly #source: AvailabilitySource;
  readonly #observers = new Set<AvailabilityObserver>();
  readonly #onUnavailable = (error: Error): void => {
    for (const observer of [...this.#observers]) observer.unavailable(error);
  };
  readonly #onReady = (): void => {
    for (const observer of [...this.#observers]) observer.ready();
  };

  private constructor(source: AvailabilitySource) {
    this.#source = source;
  }

  /** The tracker of `source`, made on first use. */
  static of(source: AvailabilitySource): AvailabilityTracker {
    let tracker = trackers.get(source);
    if (tracker === undefined) {
      tracker = new AvailabilityTracker(source);
      trackers.set(source, tracker);
    }
    return tracker;
  }

  get isUnavailable(): boolean {
    return this.#source.isUnavailable;
  }

  /** How many views listen now (tests: nothing leaks). */
  get observers(): number {
    return this.#observers.size;
  }

  /** Starts telling `observer`; returns the function that stops it (idempotent). */
  observe(observer: AvailabilityObserver): () => void {
    if (this.#observers.size === 0) {
      this.#source.on('unavailable', this.#onUnavailable);
      this.#source.on('ready', this.#onReady);
    }
    this.#observers.add(observer);
    return () => {
      if (!this.#observers.delete(observer) || this.#observers.size > 0) return;
      this.#source.off('unavailable', this.#onUnavailable);
      this.#source.off('ready', this.#onReady);
    };
  }
}

const trackers = new WeakMap<AvailabilitySource, AvailabilityTracker>();
