import { LRUCache } from 'lru-cache';
import type { InvalidationListener } from './invalidation-hub.js';

/** A value held in the process. */
export interface NearEntry<V> {
  value: V;
  /** Served until then (performance.now() ms): the near-cache TTL, capped by the key's TTL in Redis. */
  serveUntil: number;
  /** When the key expires in Redis (Infinity without a TTL), for stale-while-revalidate. */
  redisExpiresAt: number;
}

/** Taken before a Redis read whose result may be kept; see {@link NearCache.begin}. */
export interface ReadTicket {
  readonly key: string;
  readonly epoch: number;
  readonly generation: number;
}

interface InFlight {
  /** Bumped by every invalidation of the key while reads of it are on the wire. */
  generation: number;
  readers: number;
}

export interface NearCacheEvents {
  /** A key (data key) was invalidated by Redis, or `null`: everything was dropped. */
  onInvalidate?: (key: string | null) => void;
  /** The near-cache started or stopped serving. */
  onLiveChange?: (live: boolean) => void;
  /** Tracking could not be set up. */
  onFailure?: (error: unknown) => void;
}

/**
 * The in-process tier in front of Redis. It serves only while its source of
 * invalidations is live, and it never keeps a value that may already be
 * outdated:
 *
 * A read from Redis and the invalidation of the same key travel on different
 * connections, so the invalidation may arrive *before* the read's reply, and
 * a value cached from that reply would stay stale. So a read takes a
 * {@link ReadTicket} before it is sent; an invalidation of the key (or a
 * reset) in the meantime voids the ticket, and the reply is then returned to
 * the caller but not kept.
 */
export class NearCache<V> implements InvalidationListener {
  readonly #lru: LRUCache<string, NearEntry<V>>;
  readonly #ttlMs: number;
  readonly #isLive: () => boolean;
  readonly #events: NearCacheEvents;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #epoch = 0;

  constructor(options: { maxEntries: number; ttlMs: number; isLive: () => boolean; events?: NearCacheEvents }) {
    this.#lru = new LRUCache<string, NearEntry<V>>({ max: options.maxEntries });
    this.#ttlMs = options.ttlMs;
    this.#isLive = options.isLive;
    this.#events = options.events ?? {};
  }

  get live(): boolean {
    return this.#isLive();
  }

  get size(): number {
    return this.#lru.size;
  }

  /** The entry for `key`, if it may be served now. */
  get(key: string, now: number): NearEntry<V> | undefined {
    if (!this.#isLive()) return undefined;
    const entry = this.#lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.serveUntil <= now) {
      this.#lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Call before sending a read of `key` to Redis; pass the ticket to {@link finish}. */
  begin(key: string): ReadTicket {
    let flight = this.#inFlight.get(key);
    if (flight === undefined) {
      flight = { generation: 0, readers: 0 };
      this.#inFlight.set(key, flight);
    }
    flight.readers++;
    // A read begun while not live may complete after tracking (re)starts and
    // miss a change made in between: a negative epoch can never match.
    return { key, epoch: this.#isLive() ? this.#epoch : -1, generation: flight.generation };
  }

  /**
   * Ends a read. With a value (and the key's remaining TTL in Redis), keeps it
   * if nothing invalidated the key since {@link begin}.
   */
  finish(ticket: ReadTicket, found?: { value: V; remainingMs: number }): void {
    const flight = this.#inFlight.get(ticket.key);
    const valid = flight !== undefined && flight.generation === ticket.generation && ticket.epoch === this.#epoch && this.#isLive();
    if (flight !== undefined && --flight.readers === 0) this.#inFlight.delete(ticket.key);
    if (!valid || found === undefined || found.remainingMs <= 0) return;
    const now = performance.now();
    this.#lru.set(ticket.key, {
      value: found.value,
      serveUntil: now + Math.min(this.#ttlMs, found.remainingMs),
      redisExpiresAt: now + found.remainingMs,
    });
  }

  /** This process is writing or deleting `key`: drop it now, and void reads of it under way. */
  forget(key: string): void {
    this.#lru.delete(key);
    const flight = this.#inFlight.get(key);
    if (flight !== undefined) flight.generation++;
  }

  /** Resolves when `key` is next invalidated (or everything is), or after `ms`. */
  changed(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  // InvalidationListener

  invalidate(key: string): void {
    this.forget(key);
    const waiters = this.#waiters.get(key);
    if (waiters !== undefined) for (const wake of [...waiters]) wake();
    this.#events.onInvalidate?.(key);
  }

  reset(): void {
    this.#epoch++;
    this.#lru.clear();
    for (const waiters of [...this.#waiters.values()]) for (const wake of [...waiters]) wake();
    this.#events.onInvalidate?.(null);
  }

  liveChanged(live: boolean): void {
    this.#events.onLiveChange?.(live);
  }

  failed(error: unknown): void {
    this.#events.onFailure?.(error);
  }
}
