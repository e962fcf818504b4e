import { ConnectError, PoolExhaustedError, type RedisKitError } from '../errors.js';
import { channels } from '../observability/channels.js';
import type { EngineSeam } from '../engine/engine-seam.js';
import { Backoff } from './backoff.js';
import type { Breaker } from './breaker.js';
import type { Clock } from './clock.js';
import type { PoolStats } from './pool-stats.js';
import { PooledConnection } from './pooled-connection.js';
import { isMaxClientsReply } from './server-refusal.js';

/**
 * Where the pool's connections come from: the client's connection factory,
 * or on a cluster one node's (see NodeLeasePools).
 */
export interface LeaseConnectionSource {
  /** Where the connections go, for messages: host:port and mode, never credentials. */
  readonly target: string;
  createSeam(role: 'lease', retryStrategy: null): EngineSeam;
}

/**
 * What the pool asks of a breaker: the client's {@link Breaker}, or on a
 * cluster a view of one node's breaker in front of the client's.
 */
export type LeaseBreaker = Pick<Breaker, 'isOpen' | 'rejection' | 'recordFailure' | 'recordSuccess'>;

export interface ConnectionOpenerOptions {
  factory: LeaseConnectionSource;
  breaker: LeaseBreaker;
  clock: Clock;
  stats: PoolStats;
  connectTimeoutMs: number;
  /** 0 disables retirement by age. */
  maxLifetimeMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  random?: () => number;
  /**
   * Asks the server why it closed a new connection during the handshake;
   * resolves its refusal (max clients) or undefined. Absent where that cannot
   * be asked (cluster, sentinel): such failures then count as unreachable.
   */
  explainFailure?: () => Promise<RedisKitError | undefined>;
}

/**
 * Opens the pool's exclusive connections and paces the retries when that
 * fails: full-jitter backoff, capped, never a busy loop. Successes and
 * failures are counted and reported to the breaker, except a server at
 * `maxclients`: it is up, and says so (a {@link PoolExhaustedError}).
 */
export class ConnectionOpener {
  readonly #options: ConnectionOpenerOptions;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: RedisKitError | undefined;
  /** Attempts started, and the latest one that succeeded: a failure older than a success is not news. */
  #attempts = 0;
  #lastSuccess = 0;

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
    const engine = this.#options.factory.createSeam('lease', null);
    const attempt = ++this.#attempts;
    const started = this.#options.clock.now();
    try {
      await engine.connect(this.#options.connectTimeoutMs);
    } catch (raw) {
      engine.destroy();
      const error = await this.#explain(raw as RedisKitError, this.#options.clock.now() - started);
      this.#options.stats.failed++;
      if (channels.connectionFail.hasSubscribers) channels.connectionFail.publish({ role: 'lease', id: engine.id, error });
      if (attempt > this.#lastSuccess) {
        this.#lastError = error;
        this.#options.stats.lastCreateError = error;
      }
      if (!(error instanceof PoolExhaustedError)) this.#options.breaker.recordFailure(error);
      throw error;
    }
    this.#backoff.reset();
    this.#lastSuccess = Math.max(this.#lastSuccess, attempt);
    this.#lastError = undefined;
    this.#options.stats.lastCreateError = undefined;
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

  /** Turns a refusal at `maxclients` into a {@link PoolExhaustedError} whose cause is the server's reply. */
  async #explain(error: RedisKitError, elapsedMs: number): Promise<RedisKitError> {
    if (isMaxClientsReply(error)) return new PoolExhaustedError(undefined, { cause: error });
    // Only a connection the server closed early can hide a refusal; one that
    // ran into the connect timeout was not answered at all.
    const explain = this.#options.explainFailure;
    if (explain === undefined || !(error instanceof ConnectError) || elapsedMs >= this.#options.connectTimeoutMs) return error;
    const refusal = await explain();
    return refusal === undefined ? error : new PoolExhaustedError(undefined, { cause: refusal });
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
