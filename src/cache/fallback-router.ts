import { EventEmitter } from 'node:events';
import type { RedisClient } from '../client/client.js';
import { Availability } from '../fallback/availability.js';
import type { MemoryStore } from './memory-store.js';
import type { RedisStore } from './redis-store.js';

/** Reconcile passes in a row before waiting and trying again. */
const MAX_PASSES = 10;

export interface FallbackRouterOptions {
  redis: RedisClient;
  memory: MemoryStore;
  store: RedisStore;
  /** `'memory'`: fall back; `'none'`: never. */
  fallback: 'memory' | 'none';
  recoverAfterMs: number;
  /** SCAN pattern of the namespace, for a full clear on recovery. */
  scanPattern: string;
  /** Most keys remembered as written to memory while Redis was down; beyond it the whole namespace is cleared on recovery. */
  maxDirty: number;
  /** Told about failed reconciliations (they are retried). */
  onError: (error: unknown) => void;
}

export interface FallbackRouterEvents {
  fallback: [error: Error];
  recovered: [];
}

/**
 * Decides per operation whether the cache talks to Redis or to the memory
 * store, and makes the way back safe.
 *
 * - From the moment the client's breaker opens (`Availability`), everything
 *   goes to memory. An operation that fails because Redis is unreachable
 *   before that is answered from memory too, for that call.
 * - Every key written or deleted in memory while Redis is the store of
 *   record is remembered as dirty: Redis may hold an older value for it (a
 *   delete that never reached Redis would otherwise resurrect the entry).
 *   Reads of a dirty key are answered from memory until it is reconciled.
 * - Reconciling UNLINKs the dirty keys in Redis (the next read reloads them),
 *   or clears the whole namespace when there were too many to remember or
 *   `clear()` ran in memory. After the breaker closed, it runs once Redis has
 *   stayed reachable for `recoverAfterMs` (hysteresis); then the memory store
 *   is cleared (its values may be older than what other processes wrote to
 *   Redis meanwhile) and the cache is back on Redis.
 */
export class FallbackRouter extends EventEmitter<FallbackRouterEvents> {
  readonly #options: FallbackRouterOptions;
  readonly #availability: Availability | undefined;
  readonly #onFallback = (error: Error): void => {
    this.#holding = true;
    this.emit('fallback', error);
  };
  readonly #onRecovered = (): void => this.#reconcileSoon(0);
  readonly #permanent: boolean;
  /** Key → generation of its last memory write, so a write during a reconcile is not forgotten. */
  readonly #dirty = new Map<string, number>();
  #generation = 0;
  #clearPending = false;
  /** All operations go to memory: from `fallback` until the reconcile after `recovered` has finished. */
  #holding = false;
  #reconciling: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: FallbackRouterOptions) {
    super();
    this.#options = options;
    this.#permanent = options.redis.options.mode === 'memory';
    if (options.fallback === 'none' || this.#permanent) return;
    // A view of the client's one availability tracker, with this cache's hysteresis.
    const availability = new Availability(options.redis, { recoverAfterMs: options.recoverAfterMs });
    this.#availability = availability;
    this.#holding = availability.usingFallback;
    availability.on('fallback', this.#onFallback);
    availability.on('recovered', this.#onRecovered);
  }

  /** True while every operation goes to memory. */
  get active(): boolean {
    return this.#permanent || this.#holding;
  }

  /** Whether this key is answered from memory now. */
  useMemoryFor(key: string): boolean {
    return this.#permanent || this.#holding || (this.#dirty.size > 0 && this.#dirty.has(key));
  }

  /** A write or delete went to memory instead of Redis. */
  noteMemoryWrite(key: string): void {
    if (this.#permanent) return;
    if (this.#clearPending) return;
    if (this.#dirty.size >= this.#options.maxDirty && !this.#dirty.has(key)) {
      // Too many to remember: the whole namespace is cleared on the way back,
      // and until then nothing in Redis can be trusted.
      this.#dirty.clear();
      this.#clearPending = true;
      this.#holding = true;
      return;
    }
    this.#dirty.set(key, ++this.#generation);
  }

  /** `clear()` ran in memory: Redis's copy of the namespace must go too before it is used again. */
  noteMemoryClear(): void {
    if (this.#permanent) return;
    this.#dirty.clear();
    this.#clearPending = true;
    this.#holding = true;
  }

  /** A command reached Redis: a good moment to reconcile what a per-call fallback left behind. */
  noteRedisSuccess(): void {
    if (this.#holding || this.#dirty.size === 0 || this.#reconciling !== undefined) return;
    this.#reconcileSoon(0);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#availability?.off('fallback', this.#onFallback);
    this.#availability?.off('recovered', this.#onRecovered);
    this.#availability?.dispose();
  }

  #reconcileSoon(delayMs: number): void {
    clearTimeout(this.#retryTimer);
    if (this.#closed) return;
    if (delayMs > 0) {
      this.#retryTimer = setTimeout(() => this.#reconcileSoon(0), delayMs);
      this.#retryTimer.unref();
      return;
    }
    if (this.#reconciling !== undefined) return;
    this.#reconciling = this.#reconcile().finally(() => {
      this.#reconciling = undefined;
    });
  }

  async #reconcile(): Promise<void> {
    // Writes keep arriving while a pass is on the wire; each pass only has the
    // keys written during the previous one, so a few passes drain them.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      // While the breaker is open (again) there is nothing to do: its closing restarts the countdown.
      if (this.#closed || this.#availability?.usingFallback) return;
      if (this.#dirty.size === 0 && !this.#clearPending) break;
      try {
        await this.#reconcileOnce();
      } catch (error) {
        this.#options.onError(error);
        // Redis went away again (the breaker will reopen and its recovery retries) or refused:
        // try again later either way, so dirty keys are never trusted to Redis unreconciled.
        this.#reconcileSoon(Math.max(100, this.#options.recoverAfterMs));
        return;
      }
    }
    if (this.#dirty.size > 0 || this.#clearPending) {
      this.#reconcileSoon(Math.max(100, this.#options.recoverAfterMs));
      return;
    }
    if (this.#holding && !this.#closed && !this.#availability?.usingFallback) {
      // Same tick as the check above: from here on, writes go to Redis.
      this.#holding = false;
      // Memory may hold values other processes have since overwritten in Redis.
      this.#options.memory.clear();
      this.emit('recovered');
    }
  }

  async #reconcileOnce(): Promise<void> {
    const { store, memory } = this.#options;
    if (this.#clearPending) {
      await store.clear(this.#options.scanPattern);
      this.#clearPending = false;
      return;
    }
    const batch = [...this.#dirty];
    await Promise.all(batch.map(([key]) => store.delete(key)));
    for (const [key, generation] of batch) {
      if (this.#dirty.get(key) !== generation) continue;
      this.#dirty.delete(key);
      if (!this.#holding) memory.delete(key);
    }
  }
}
