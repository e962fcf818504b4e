import type { RedisKitError } from '../errors.js';
import { channels } from '../observability/channels.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';
import { Backoff } from './backoff.js';
import type { Breaker } from './breaker.js';
import type { Clock } from './clock.js';
import type { PoolStats } from './pool-stats.js';
import { PooledConnection } from './pooled-connection.js';

export interface ConnectionOpenerOptions {
  factory: ConnectionFactory;
  breaker: Breaker;
  clock: Clock;
  stats: PoolStats;
  connectTimeoutMs: number;
  /** 0 disables retirement by age. */
  maxLifetimeMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  random?: () => number;
}

/**
 * Opens the pool's exclusive connections and paces the retries when that
 * fails: full-jitter backoff, capped, never a busy loop. Successes and
 * failures are reported to the breaker and counted.
 */
export class ConnectionOpener {
  readonly #options: ConnectionOpenerOptions;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: RedisKitError | undefined;

  constructor(options: ConnectionOpenerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({ baseMs: options.retryBaseMs, capMs: options.retryMaxDelayMs, random: this.#random });
  }

  /** The last failure since the last success; the cause of a PoolTimeoutError. */
  get lastError(): RedisKitError | undefined {
    return this.#lastError;
  }

  /** True while a failed attempt's backoff runs: no new attempt should start. */
  get backingOff(): boolean {
    return this.#retryTimer !== undefined;
  }

  /** Opens one connection; `onEnd` is told when it closes for good. */
  async open(onEnd: (connection: PooledConnection) => void): Promise<PooledConnection> {
    const engine = this.#options.factory.create('lease', null);
    try {
      await engine.connect(this.#options.connectTimeoutMs);
    } catch (error) {
      engine.destroy();
      this.#options.stats.failed++;
      if (channels.connectionFail.hasSubscribers) channels.connectionFail.publish({ role: 'lease', id: engine.id, error: error as Error });
      this.#lastError = error as RedisKitError;
      this.#options.breaker.recordFailure(error as RedisKitError);
      throw error;
    }
    this.#backoff.reset();
    this.#lastError = undefined;
    this.#options.breaker.recordSuccess();
    this.#options.stats.created++;
    if (channels.connectionCreate.hasSubscribers) channels.connectionCreate.publish({ role: 'lease', id: engine.id });
    const now = this.#options.clock.now();
    // Jitter (up to 10% early) keeps connections made together from all retiring together.
    const lifetime = this.#options.maxLifetimeMs;
    const retireAt = lifetime === 0 ? Number.POSITIVE_INFINITY : now + lifetime * (1 - 0.1 * this.#random());
    const connection = new PooledConnection(engine, now, retireAt);
    engine.once('end', () => onEnd(connection));
    return connection;
  }

  /** After a failure: calls `retry` once the backoff delay has passed. */
  scheduleRetry(retry: () => void): void {
    const delay = this.#backoff.next();
    this.#options.stats.lastRetryDelayMs = delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      retry();
    }, delay);
    this.#retryTimer.unref();
  }

  cancelRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}
