import {
  AbortedError,
  AuthError,
  ClosedError,
  PoolExhaustedError,
  PoolTimeoutError,
  QueueFullError,
  type PoolSnapshot,
  type RedisKitError,
} from '../errors.js';
import { type DestroyReason, channels } from '../observability/channels.js';
import { ConnectionOpener, type ConnectionOpenerOptions, type LeaseBreaker, type LeaseConnectionSource } from './connection-opener.js';
import type { Clock } from './clock.js';
import type { Deadlines } from './deadlines.js';
import { type PooledConnection, type ReleaseState, resetConnection, validateConnection, Waiter } from './pooled-connection.js';
import { PoolStats } from './pool-stats.js';

export interface LeasePoolOptions {
  factory: LeaseConnectionSource;
  breaker: LeaseBreaker;
  deadlines: Deadlines;
  clock: Clock;
  min: number;
  max: number;
  acquireTimeoutMs: number;
  idleTimeoutMs: number;
  /** 0 disables retirement by age. */
  maxLifetimeMs: number;
  validateAfterIdleMs: number;
  maxWaiting: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  connectTimeoutMs: number;
  random?: () => number;
  /** See {@link ConnectionOpenerOptions.explainFailure}. */
  explainFailure?: () => Promise<RedisKitError | undefined>;
  /** Where to count what the pool does; several pools may share one (a cluster's per-node pools). */
  stats?: PoolStats;
}

/**
 * The exclusive pool that leases come from, in tarn's vocabulary: `used`
 * connections are lent, `free` ones idle, `pendingAcquires` wait in FIFO
 * order, `pendingCreates` are being opened. {@link LeasePool.#pump} is the one
 * place connections move between those states.
 */
export class LeasePool {
  readonly stats: PoolStats;
  readonly #options: LeasePoolOptions;
  readonly #free: PooledConnection[] = [];
  readonly #used = new Set<PooledConnection>();
  readonly #waiters: Waiter[] = [];
  readonly #opener: ConnectionOpener;
  #pendingCreates = 0;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: LeasePoolOptions) {
    this.#options = options;
    this.stats = options.stats ?? new PoolStats();
    this.#opener = new ConnectionOpener({ ...options, stats: this.stats });
  }

  get used(): number {
    return this.#used.size;
  }

  get free(): number {
    return this.#free.length;
  }

  get pendingAcquires(): number {
    return this.#waiters.length;
  }

  get pendingCreates(): number {
    return this.#pendingCreates;
  }

  get max(): number {
    return this.#options.max;
  }

  /** Opens `min` connections (warm-up). Rejects with the first failure. */
  async warm(): Promise<void> {
    const missing = this.#options.min - this.#free.length - this.#used.size - this.#pendingCreates;
    const attempts = await Promise.allSettled(Array.from({ length: Math.max(0, missing) }, () => this.#opener.open(this.#dropIfFree)));
    // Keep what opened even when some attempts failed: those connections are good.
    for (const attempt of attempts) if (attempt.status === 'fulfilled') this.#free.push(attempt.value);
    this.#pump();
    const failure = attempts.find((attempt) => attempt.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  /** Waits for a connection: FIFO, bounded, under a timeout, abortable. */
  acquire(signal?: AbortSignal, timeoutMs = this.#options.acquireTimeoutMs): Promise<PooledConnection> {
    if (this.#closing) return Promise.reject(new ClosedError('the pool is closing; no new leases'));
    if (signal?.aborted) return Promise.reject(new AbortedError('aborted before a connection was leased', { cause: signal.reason }));
    if (this.#options.breaker.isOpen) return Promise.reject(this.#options.breaker.rejection(this.#options.factory.target));
    if (this.#waiters.length >= this.#options.maxWaiting) {
      return Promise.reject(new QueueFullError('the queue of callers waiting for a lease', this.#options.maxWaiting));
    }
    const waiter = new Waiter(this.#expireWaiter, this.#options.clock.now(), timeoutMs);
    const promise = new Promise<PooledConnection>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    if (signal !== undefined) {
      const onAbort = (): void =>
        this.#endWaiter(waiter, new AbortedError('aborted while waiting for a connection', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    this.#waiters.push(waiter);
    this.#options.deadlines.arm(waiter, timeoutMs);
    this.#pump();
    return promise;
  }

  /** Gives a connection back; it is reset, or destroyed and replaced when it cannot be. */
  release(connection: PooledConnection, state: ReleaseState): void {
    if (!this.#used.has(connection)) return;
    const now = this.#options.clock.now();
    const heldMs = now - connection.leasedAt;
    this.stats.holdTime.record(heldMs);
    if (channels.leaseRelease.hasSubscribers) channels.leaseRelease.publish({ id: connection.engine.id, durationMs: heldMs });
    if (state.discard || !connection.engine.isReady) {
      this.#destroyUsed(connection, state.discard ? 'dirty' : 'broken');
      return;
    }
    if (state.reset.length === 0) {
      this.#returnToFree(connection, now);
      return;
    }
    resetConnection(connection, state.reset, this.#options.connectTimeoutMs).then((clean) => {
      if (clean) this.#returnToFree(connection, this.#options.clock.now());
      else this.#destroyUsed(connection, 'dirty');
    });
  }

  /** Closes idle connections past idleTimeoutMs (down to min), retires old ones, tops up to min. */
  runMaintenance(): void {
    if (this.#closing) return;
    const now = this.#options.clock.now();
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const connection = this.#free[i] as PooledConnection;
      const total = this.#free.length + this.#used.size;
      let reason: DestroyReason | undefined;
      if (now >= connection.retireAt) reason = 'lifetime';
      else if (now - connection.lastReleasedAt >= this.#options.idleTimeoutMs && total > this.#options.min) reason = 'idle';
      if (reason !== undefined) {
        this.#free.splice(i, 1);
        this.#destroy(connection, reason);
      }
    }
    if (!this.#options.breaker.isOpen && !this.#opener.backingOff) {
      const missing = this.#options.min - this.#free.length - this.#used.size - this.#pendingCreates;
      for (let i = 0; i < missing; i++) this.#create();
    }
  }

  /** Stops lending; resolves when every lease is back and no one waits. */
  drain(): Promise<void> {
    this.#closing = true;
    if (this.#used.size === 0 && this.#waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  /** QUITs idle connections; with `force`, fails waiters and drops leased ones too. */
  async close(force: boolean): Promise<void> {
    this.#closing = true;
    this.#opener.cancelRetry();
    if (force) {
      for (const waiter of [...this.#waiters])
        this.#endWaiter(waiter, new ClosedError('the pool was closed while waiting for a connection'));
      for (const connection of [...this.#used]) this.#destroyUsed(connection, 'destroy');
    }
    const free = this.#free.splice(0);
    await Promise.all(
      free.map(async (connection) => {
        if (force) connection.engine.destroy();
        else await connection.engine.quit();
        this.stats.recordDestroy(force ? 'destroy' : 'close');
      }),
    );
  }

  /** Called by a waiter's deadline. */
  readonly #expireWaiter = (waiter: Waiter): void => {
    const cause = this.#opener.lastError;
    // The pool could not grow because the server is full: that, not "wait less", is the news.
    const error =
      cause instanceof PoolExhaustedError
        ? this.#exhausted(cause, this.#waiters.length - 1)
        : new PoolTimeoutError(waiter.timeoutMs, this.#snapshot(this.#waiters.length - 1), { cause });
    this.#endWaiter(waiter, error);
  };

  #snapshot(waiting: number): PoolSnapshot {
    return { active: this.#used.size, idle: this.#free.length, pendingCreates: this.#pendingCreates, waiting, max: this.#options.max };
  }

  /** The error of a caller refused because the server is at maxclients; its cause is the server's reply. */
  #exhausted(failure: PoolExhaustedError, waiting: number): PoolExhaustedError {
    return new PoolExhaustedError(this.#snapshot(waiting), { cause: failure.cause });
  }

  #endWaiter(waiter: Waiter, error: Error): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.cleanup?.();
    this.#options.deadlines.disarm(waiter);
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
    this.stats.recordAcquireFailure((error as RedisKitError).code);
    waiter.reject(error);
    this.#checkIdle();
  }

  #pump(): void {
    while (this.#waiters.length > 0 && this.#free.length > 0) {
      const connection = this.#free.pop() as PooledConnection;
      const now = this.#options.clock.now();
      if (now >= connection.retireAt || !connection.engine.isReady) {
        this.#destroy(connection, now >= connection.retireAt ? 'lifetime' : 'broken');
        continue;
      }
      const waiter = this.#waiters.shift() as Waiter;
      this.#used.add(connection);
      if (now - connection.lastReleasedAt >= this.#options.validateAfterIdleMs) this.#validate(connection, waiter);
      else this.#lend(connection, waiter, true);
    }
    if (this.#closing || this.#opener.backingOff || this.#options.breaker.isOpen) return;
    while (this.#waiters.length > this.#pendingCreates && this.#used.size + this.#free.length + this.#pendingCreates < this.#options.max) {
      this.#create();
    }
  }

  #lend(connection: PooledConnection, waiter: Waiter, reused: boolean): void {
    if (waiter.done) {
      // The caller gave up (timeout or abort) while this connection was being made or checked.
      this.#used.delete(connection);
      this.#free.push(connection);
      this.#pump();
      return;
    }
    waiter.done = true;
    waiter.cleanup?.();
    this.#options.deadlines.disarm(waiter);
    this.#markLent(connection, waiter.startedAt, this.#options.clock.now(), reused);
    waiter.resolve(connection);
  }

  /**
   * The fast path, tried before {@link acquire}: when nobody waits and an idle
   * connection can be lent as it is (young enough, recently used, still up),
   * it is lent synchronously, with no waiter, promise or deadline made for it.
   */
  tryAcquireNow(): PooledConnection | undefined {
    if (this.#waiters.length > 0 || this.#closing || this.#options.breaker.isOpen) return undefined;
    const connection = this.#free.at(-1);
    if (connection === undefined) return undefined;
    const now = this.#options.clock.now();
    if (now >= connection.retireAt || now - connection.lastReleasedAt >= this.#options.validateAfterIdleMs || !connection.engine.isReady) {
      return undefined;
    }
    this.#free.pop();
    this.#used.add(connection);
    this.#markLent(connection, now, now, true);
    return connection;
  }

  #markLent(connection: PooledConnection, askedAt: number, now: number, reused: boolean): void {
    connection.leasedAt = now;
    this.stats.recordAcquire(now - askedAt, reused);
    if (channels.leaseAcquire.hasSubscribers) channels.leaseAcquire.publish({ id: connection.engine.id, durationMs: now - askedAt });
  }

  #validate(connection: PooledConnection, waiter: Waiter): void {
    validateConnection(connection, this.#options.connectTimeoutMs).then((answered) => {
      if (answered) {
        this.#lend(connection, waiter, true);
        return;
      }
      this.#destroyUsed(connection, 'validation');
      // The waiter goes back to the front: it was first in line.
      if (!waiter.done) this.#waiters.unshift(waiter);
      this.#pump();
    });
  }

  #create(): void {
    this.#pendingCreates++;
    this.#opener.open(this.#dropIfFree).then(
      (connection) => {
        this.#pendingCreates--;
        if (this.#closing && this.#waiters.length === 0) {
          this.#destroy(connection, 'close');
          return;
        }
        const waiter = this.#waiters.shift();
        if (waiter === undefined) {
          this.#free.push(connection);
        } else {
          this.#used.add(connection);
          this.#lend(connection, waiter, false);
        }
        this.#pump();
      },
      (error: RedisKitError) => {
        this.#pendingCreates--;
        this.#createFailed(error);
      },
    );
  }

  #createFailed(error: RedisKitError): void {
    if (error instanceof AuthError || this.#options.breaker.isOpen) {
      const failure = error instanceof AuthError ? error : this.#options.breaker.rejection(this.#options.factory.target);
      for (const waiter of [...this.#waiters]) this.#endWaiter(waiter, failure);
      return;
    }
    if (error instanceof PoolExhaustedError && this.#used.size + this.#free.length + this.#pendingCreates === 0) {
      // The server refuses more connections and the pool has none that could
      // come back: no wait would end in a lease. Tell the callers now.
      for (const waiter of [...this.#waiters]) this.#endWaiter(waiter, this.#exhausted(error, this.#waiters.length - 1));
    }
    // Waiters keep waiting for a connection to come back (their timeout
    // error will carry this cause); the next attempt comes after a backoff,
    // never in a busy loop.
    this.#opener.scheduleRetry(() => this.#pump());
  }

  #returnToFree(connection: PooledConnection, now: number): void {
    this.#used.delete(connection);
    connection.lastReleasedAt = now;
    if (connection.lastReleasedAt >= connection.retireAt) this.#destroy(connection, 'lifetime');
    else this.#free.push(connection);
    this.#pump();
    this.#checkIdle();
  }

  #destroyUsed(connection: PooledConnection, reason: DestroyReason): void {
    this.#used.delete(connection);
    this.#destroy(connection, reason);
    this.#pump();
    this.#checkIdle();
  }

  #destroy(connection: PooledConnection, reason: DestroyReason): void {
    connection.engine.destroy();
    this.stats.recordDestroy(reason);
    if (channels.connectionDestroy.hasSubscribers) channels.connectionDestroy.publish({ role: 'lease', id: connection.engine.id, reason });
  }

  /** An idle connection that dies (CLIENT KILL, server restart) leaves the pool at once. */
  readonly #dropIfFree = (connection: PooledConnection): void => {
    const index = this.#free.indexOf(connection);
    if (index === -1) return;
    this.#free.splice(index, 1);
    this.#destroy(connection, 'broken');
    this.runMaintenance();
  };

  #checkIdle(): void {
    if (this.#idle !== undefined && this.#used.size === 0 && this.#waiters.length === 0) this.#idle();
  }
}
