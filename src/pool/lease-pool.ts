import { AbortedError, AuthError, ClosedError, PoolTimeoutError, QueueFullError, type RedisKitError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { channels } from '../observability/channels.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';
import { Backoff } from './backoff.js';
import type { Breaker } from './breaker.js';
import type { Clock } from './clock.js';
import { Deadline, type Deadlines } from './deadlines.js';
import { PoolStats } from './pool-stats.js';

export interface LeasePoolOptions {
  factory: ConnectionFactory;
  breaker: Breaker;
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
}

/** An exclusive connection and its bookkeeping. */
export class PooledConnection {
  readonly engine: Engine;
  readonly createdAt: number;
  readonly retireAt: number;
  lastReleasedAt: number;
  leasedAt = 0;
  leases = 0;

  constructor(engine: Engine, now: number, retireAt: number) {
    this.engine = engine;
    this.createdAt = now;
    this.lastReleasedAt = now;
    this.retireAt = retireAt;
  }
}

/** How a lease ended, so the pool knows whether the connection can be lent again. */
export interface ReleaseState {
  /** Unusable: lost, aborted with a reply in flight, or in a state that cannot be reset cheaply. */
  discard: boolean;
  /** Commands that put the connection back to a clean state (UNWATCH, DISCARD, SELECT). */
  reset: [string, ...unknown[]][];
}

class Waiter extends Deadline {
  readonly startedAt: number;
  readonly timeoutMs: number;
  readonly #pool: LeasePool;
  resolve!: (connection: PooledConnection) => void;
  reject!: (error: Error) => void;
  done = false;
  cleanup: (() => void) | undefined;

  constructor(pool: LeasePool, startedAt: number, timeoutMs: number) {
    super();
    this.#pool = pool;
    this.startedAt = startedAt;
    this.timeoutMs = timeoutMs;
  }

  override expire(): void {
    this.#pool.expireWaiter(this);
  }
}

/**
 * The exclusive pool that leases come from, in tarn's vocabulary: `used`
 * connections are lent, `free` ones idle, `pendingAcquires` wait in FIFO
 * order, `pendingCreates` are being opened. {@link LeasePool.#pump} is the one
 * place connections move between those states.
 */
export class LeasePool {
  readonly stats = new PoolStats();
  readonly #options: LeasePoolOptions;
  readonly #free: PooledConnection[] = [];
  readonly #used = new Set<PooledConnection>();
  readonly #waiters: Waiter[] = [];
  readonly #backoff: Backoff;
  readonly #random: () => number;
  #pendingCreates = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastCreateError: RedisKitError | undefined;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: LeasePoolOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({ baseMs: options.retryBaseMs, capMs: options.retryMaxDelayMs, random: this.#random });
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
    const opened = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.#open()));
    for (const connection of opened) this.#free.push(connection);
    this.#pump();
  }

  /** Waits for a connection: FIFO, bounded, under a timeout, abortable. */
  acquire(signal?: AbortSignal, timeoutMs = this.#options.acquireTimeoutMs): Promise<PooledConnection> {
    if (this.#closing) return Promise.reject(new ClosedError('the pool is closing; no new leases'));
    if (signal?.aborted) return Promise.reject(new AbortedError('aborted before a connection was leased', { cause: signal.reason }));
    if (this.#options.breaker.isOpen) return Promise.reject(this.#options.breaker.rejection(this.#options.factory.target));
    if (this.#waiters.length >= this.#options.maxWaiting) {
      return Promise.reject(new QueueFullError('the queue of callers waiting for a lease', this.#options.maxWaiting));
    }
    const waiter = new Waiter(this, this.#options.clock.now(), timeoutMs);
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
    const heldMs = this.#options.clock.now() - connection.leasedAt;
    this.stats.holdTime.record(heldMs);
    if (channels.leaseRelease.hasSubscribers) channels.leaseRelease.publish({ id: connection.engine.id, durationMs: heldMs });
    if (state.discard || !connection.engine.isReady) {
      this.#destroyUsed(connection, state.discard ? 'dirty' : 'broken');
      return;
    }
    if (state.reset.length === 0) {
      this.#returnToFree(connection);
      return;
    }
    connection.engine.batch(state.reset, false).then(
      (replies) => {
        const failed = replies === null || replies.some(([error]) => error !== null);
        if (failed) this.#destroyUsed(connection, 'dirty');
        else this.#returnToFree(connection);
      },
      () => this.#destroyUsed(connection, 'dirty'),
    );
  }

  /** Closes idle connections past idleTimeoutMs (down to min), retires old ones, tops up to min. */
  runMaintenance(): void {
    if (this.#closing) return;
    const now = this.#options.clock.now();
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const connection = this.#free[i] as PooledConnection;
      const total = this.#free.length + this.#used.size;
      let reason: string | undefined;
      if (now >= connection.retireAt) reason = 'lifetime';
      else if (now - connection.lastReleasedAt >= this.#options.idleTimeoutMs && total > this.#options.min) reason = 'idle';
      if (reason !== undefined) {
        this.#free.splice(i, 1);
        this.#destroy(connection, reason);
      }
    }
    if (!this.#options.breaker.isOpen && this.#retryTimer === undefined) {
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
    clearTimeout(this.#retryTimer);
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

  /** @internal Called by a waiter's deadline. */
  expireWaiter(waiter: Waiter): void {
    this.#endWaiter(
      waiter,
      new PoolTimeoutError(waiter.timeoutMs, {
        active: this.#used.size,
        idle: this.#free.length,
        pendingCreates: this.#pendingCreates,
        waiting: this.#waiters.length - 1,
        max: this.#options.max,
      }),
      this.#lastCreateError,
    );
  }

  #endWaiter(waiter: Waiter, error: Error, cause?: Error): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.cleanup?.();
    this.#options.deadlines.disarm(waiter);
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
    if (cause !== undefined && error.cause === undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
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
    if (this.#closing || this.#retryTimer !== undefined || this.#options.breaker.isOpen) return;
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
    const now = this.#options.clock.now();
    connection.leasedAt = now;
    connection.leases++;
    this.stats.recordAcquire(now - waiter.startedAt, reused);
    if (channels.leaseAcquire.hasSubscribers)
      channels.leaseAcquire.publish({ id: connection.engine.id, durationMs: now - waiter.startedAt });
    waiter.resolve(connection);
  }

  #validate(connection: PooledConnection, waiter: Waiter): void {
    connection.engine.send('ping', []).then(
      () => this.#lend(connection, waiter, true),
      () => {
        this.#destroyUsed(connection, 'validation');
        // The waiter goes back to the front: it was first in line.
        if (!waiter.done) this.#waiters.unshift(waiter);
        this.#pump();
      },
    );
  }

  #create(): void {
    this.#pendingCreates++;
    this.#open().then(
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

  async #open(): Promise<PooledConnection> {
    const engine = this.#options.factory.create('lease', null);
    try {
      await engine.connect(this.#options.connectTimeoutMs);
    } catch (error) {
      engine.destroy();
      this.stats.failed++;
      if (channels.connectionFail.hasSubscribers) channels.connectionFail.publish({ role: 'lease', id: engine.id, error: error as Error });
      throw error;
    }
    this.#backoff.reset();
    this.#lastCreateError = undefined;
    this.#options.breaker.recordSuccess();
    this.stats.created++;
    if (channels.connectionCreate.hasSubscribers) channels.connectionCreate.publish({ role: 'lease', id: engine.id });
    const now = this.#options.clock.now();
    // Jitter (up to 10% early) keeps connections made together from all retiring together.
    const retireAt =
      this.#options.maxLifetimeMs === 0 ? Number.POSITIVE_INFINITY : now + this.#options.maxLifetimeMs * (1 - 0.1 * this.#random());
    const connection = new PooledConnection(engine, now, retireAt);
    // An idle connection that dies (CLIENT KILL, server restart) leaves the
    // pool at once, so the next caller is not handed a dead socket.
    engine.once('end', () => this.#dropIfFree(connection));
    return connection;
  }

  #createFailed(error: RedisKitError): void {
    this.#lastCreateError = error;
    this.#options.breaker.recordFailure(error);
    if (error instanceof AuthError || this.#options.breaker.isOpen) {
      const failure = error instanceof AuthError ? error : this.#options.breaker.rejection(this.#options.factory.target);
      for (const waiter of [...this.#waiters]) this.#endWaiter(waiter, failure);
      return;
    }
    // Waiters keep waiting (their timeout error will carry this cause); the
    // next attempt comes after a backoff, never in a busy loop.
    const delay = this.#backoff.next();
    this.stats.lastRetryDelayMs = delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#pump();
    }, delay);
    this.#retryTimer.unref();
  }

  #returnToFree(connection: PooledConnection): void {
    this.#used.delete(connection);
    connection.lastReleasedAt = this.#options.clock.now();
    if (connection.lastReleasedAt >= connection.retireAt) this.#destroy(connection, 'lifetime');
    else this.#free.push(connection);
    this.#pump();
    this.#checkIdle();
  }

  #destroyUsed(connection: PooledConnection, reason: string): void {
    this.#used.delete(connection);
    this.#destroy(connection, reason);
    this.#pump();
    this.#checkIdle();
  }

  #destroy(connection: PooledConnection, reason: string): void {
    connection.engine.destroy();
    this.stats.recordDestroy(reason);
    if (channels.connectionDestroy.hasSubscribers) channels.connectionDestroy.publish({ role: 'lease', id: connection.engine.id, reason });
  }

  #dropIfFree(connection: PooledConnection): void {
    const index = this.#free.indexOf(connection);
    if (index === -1) return;
    this.#free.splice(index, 1);
    this.#destroy(connection, 'broken');
    this.runMaintenance();
  }

  #checkIdle(): void {
    if (this.#idle !== undefined && this.#used.size === 0 && this.#waiters.length === 0) this.#idle();
  }
}
