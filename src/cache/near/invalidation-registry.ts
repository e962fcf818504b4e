/** What a near-cache gets from its hub. */
export interface InvalidationListener {
  /** This key (without the client's key prefix) changed, expired or was evicted. */
  invalidate(key: string): void;
  /** Anything may have changed: the connection went down or came back, a heartbeat was missed, the server was flushed. */
  reset(): void;
  /** Whether invalidations are flowing (the near-cache may serve) changed. */
  liveChanged(live: boolean): void;
  /** Tracking could not be set up (e.g. an ACL without CLIENT): the near-cache stays bypassed. */
  failed(error: unknown): void;
}

interface Registration {
  listeners: Set<InvalidationListener>;
  heartbeatMs: number[];
}

/**
 * The near-caches a hub serves, by key prefix (each cache's namespace), and
 * how invalidated keys are handed to them: the hubs differ in where
 * invalidations come from, not in who gets them.
 */
export class InvalidationRegistry {
  readonly #keyPrefix: string;
  readonly #registrations = new Map<string, Registration>();

  /** `keyPrefix`: the client's, carried by every key the server names. */
  constructor(keyPrefix: string) {
    this.#keyPrefix = keyPrefix;
  }

  get size(): number {
    return this.#registrations.size;
  }

  /** The registered prefixes (data keys without the client's prefix). */
  prefixes(): IterableIterator<string> {
    return this.#registrations.keys();
  }

  /** Adds `listener` for keys starting with `prefix`; `isNewPrefix` when none had it. `remove` undoes it: `prefixGone` when it was the last. */
  add(
    prefix: string,
    listener: InvalidationListener,
    heartbeatMs: number,
  ): { isNewPrefix: boolean; remove: () => { prefixGone: boolean } } {
    let registration = this.#registrations.get(prefix);
    const isNewPrefix = registration === undefined;
    if (registration === undefined) {
      registration = { listeners: new Set(), heartbeatMs: [] };
      this.#registrations.set(prefix, registration);
    }
    registration.listeners.add(listener);
    registration.heartbeatMs.push(heartbeatMs);
    const entry = registration;
    let removed = false;
    return {
      isNewPrefix,
      remove: () => {
        if (removed) return { prefixGone: false };
        removed = true;
        entry.listeners.delete(listener);
        const index = entry.heartbeatMs.indexOf(heartbeatMs);
        if (index !== -1) entry.heartbeatMs.splice(index, 1);
        if (entry.listeners.size > 0 || this.#registrations.get(prefix) !== entry) return { prefixGone: false };
        this.#registrations.delete(prefix);
        return { prefixGone: true };
      },
    };
  }

  *listeners(): Iterable<InvalidationListener> {
    for (const registration of this.#registrations.values()) yield* registration.listeners;
  }

  /** Every listener's reset, then (on a change of `live`) its liveChanged. */
  resetAll(liveChangedTo?: boolean): void {
    for (const listener of this.listeners()) listener.reset();
    if (liveChangedTo !== undefined) for (const listener of this.listeners()) listener.liveChanged(liveChangedTo);
  }

  failed(error: unknown): void {
    for (const listener of this.listeners()) listener.failed(error);
  }

  /** Full key names from the server (or null: flushed) to the near-caches whose prefix they carry. */
  dispatch(keys: readonly string[] | null): void {
    if (keys === null) {
      this.resetAll();
      return;
    }
    const prefixLength = this.#keyPrefix.length;
    for (const fullKey of keys) {
      if (!fullKey.startsWith(this.#keyPrefix)) continue;
      const key = prefixLength === 0 ? fullKey : fullKey.slice(prefixLength);
      for (const [prefix, registration] of this.#registrations) {
        if (!key.startsWith(prefix)) continue;
        for (const listener of registration.listeners) listener.invalidate(key);
      }
    }
  }

  /** The smallest heartbeat asked for, 0 when none. */
  heartbeatMs(): number {
    let smallest = Number.POSITIVE_INFINITY;
    for (const registration of this.#registrations.values()) for (const ms of registration.heartbeatMs) smallest = Math.min(smallest, ms);
    return Number.isFinite(smallest) ? smallest : 0;
  }
}
