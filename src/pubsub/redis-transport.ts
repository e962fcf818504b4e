import type { RedisClient } from '../client/client.js';
import { classifyError, isReplyError } from '../engine/classify-error.js';
import type { Engine } from '../engine/engine.js';
import { ClosedError, CommandTimeoutError, type RedisKitError, RedisUnavailableError } from '../errors.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';
import { type Refusals, refusalOf, sendSubscribe, sendUnsubscribe, subscribeAll } from './subscribe-commands.js';
import { SubscriberConnection } from './subscriber-connection.js';
import type { Transport, TransportSink } from './transport.js';

export interface RedisTransportOptions {
  redis: RedisClient;
  factory: ConnectionFactory;
  sink: TransportSink;
  pingIntervalMs: number;
}

/** A subscribe() call waiting for its names to be confirmed by a (re)subscription round. */
interface Waiter {
  /** Waiters created up to a round's start are covered by it: their names were registered by then. */
  readonly seq: number;
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Subscriptions over the dedicated subscriber connection.
 *
 * The registry (through {@link TransportSink.wanted}) is the source of truth.
 * Every command goes over the one connection in order, and each reflects the
 * registry at the moment it is sent, so the server ends up subscribed to
 * exactly what the registry holds. On every `'ready'` a round sends the whole
 * set again; when its replies are in, messages flow again: waiting
 * subscribe() calls resolve, and after a reconnect `resubscribed` is reported
 * with how long the connection was down.
 */
export class RedisTransport implements Transport {
  readonly #redis: RedisClient;
  readonly #sink: TransportSink;
  readonly #connection: SubscriberConnection;
  readonly #waiters = new Set<Waiter>();
  #seq = 0;
  #round = 0;
  #wasReady = false;
  #lostAt: number | undefined;
  #closed = false;
  readonly #onUnavailable = (error: RedisKitError): void => {
    if (this.#connection.ready !== undefined) return;
    this.#rejectWaiters(
      new RedisUnavailableError('Redis is unavailable (the circuit breaker opened); the subscription was not made', { cause: error }),
    );
  };

  constructor(options: RedisTransportOptions) {
    this.#redis = options.redis;
    this.#sink = options.sink;
    this.#connection = new SubscriberConnection({
      redis: options.redis,
      factory: options.factory,
      pingIntervalMs: options.pingIntervalMs,
      onMessage: (channel, payload, pattern) => this.#sink.deliver(channel.toString('utf8'), payload, pattern?.toString('utf8')),
      onReady: (engine) => this.#resubscribe(engine),
      onLost: (error) => this.#lost(error),
      onFailure: (error) => this.#sink.failed(error),
      needed: () => this.#waiters.size > 0 || this.#wants(),
    });
    this.#redis.on('unavailable', this.#onUnavailable);
  }

  get connected(): boolean {
    return this.#connection.ready !== undefined;
  }

  subscribe(channels: readonly string[], patterns: readonly string[], timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('the pub/sub is closed'));
    this.#connection.open();
    const engine = this.#connection.ready;
    if (engine === undefined && this.#redis.isUnavailable) {
      return Promise.reject(new RedisUnavailableError('Redis is unavailable (the circuit breaker is open); the subscription was not made'));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        // Still not connected: the connection's own error says more than "timed out".
        waiter.reject(this.#connection.lastError ?? new CommandTimeoutError('SUBSCRIBE', timeoutMs));
      }, timeoutMs);
      const waiter: Waiter = {
        seq: ++this.#seq,
        channels,
        patterns,
        resolve: () => {
          settled = true;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
        reject: (error) => {
          settled = true;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(error);
        },
      };
      const attempt = (engine: Engine | undefined): void => {
        if (engine === undefined) {
          // The round on the next 'ready' covers these names: they are registered already.
          this.#waiters.add(waiter);
          return;
        }
        const round = this.#round;
        sendSubscribe(engine, channels, patterns).then(waiter.resolve, (error: unknown) => {
          if (settled) return;
          if (error instanceof Error && isReplyError(error)) waiter.reject(classifyError(error, 'subscribe'));
          else if (this.#closed) waiter.reject(new ClosedError('the pub/sub was closed before the subscription was confirmed'));
          // The connection went away under the command. Normally the round
          // after the reconnect covers it; if that round already ran, send again.
          else attempt(this.#round !== round ? this.#connection.ready : undefined);
        });
      };
      attempt(engine);
    });
  }

  async unsubscribe(channels: readonly string[], patterns: readonly string[]): Promise<void> {
    const engine = this.#connection.ready;
    // Not connected: nothing to undo on the server, and the next round only
    // sends what the registry still holds.
    if (engine === undefined || (channels.length === 0 && patterns.length === 0)) return;
    try {
      await sendUnsubscribe(engine, channels, patterns);
    } catch (error) {
      // A lost connection took these subscriptions with it; anything else is reported.
      if (error instanceof Error && isReplyError(error)) this.#sink.failed(classifyError(error, 'unsubscribe'));
    }
  }

  publish(channel: string, message: string | Buffer): Promise<number> {
    return this.#redis.publish(channel, message);
  }

  async close(): Promise<void> {
    if (!this.#shutdown(new ClosedError('the pub/sub was closed before the subscription was confirmed'))) return;
    await this.#connection.close();
  }

  destroy(error: Error): void {
    if (!this.#shutdown(error)) return;
    this.#connection.destroy();
  }

  /** Stops listening to the client and fails waiters; false when it already ran. */
  #shutdown(error: Error): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#redis.off('unavailable', this.#onUnavailable);
    this.#rejectWaiters(error);
    return true;
  }

  /** A round: subscribe to the whole registry, then settle the waiters it covers. */
  #resubscribe(engine: Engine): void {
    if (this.#closed) return;
    const round = ++this.#round;
    const coveredSeq = this.#seq;
    const reconnect = this.#wasReady;
    this.#wasReady = true;
    const { channels, patterns } = this.#sink.wanted();
    void subscribeAll(engine, channels, patterns).then((refused) => {
      // Lost again (undefined): the next 'ready' runs another round.
      if (refused === undefined || this.#closed || round !== this.#round) return;
      this.#roundDone(coveredSeq, reconnect, channels, patterns, refused);
    });
  }

  #roundDone(coveredSeq: number, reconnect: boolean, channels: string[], patterns: string[], refused: Refusals): void {
    const told = new Set<RedisKitError>();
    for (const waiter of [...this.#waiters]) {
      if (waiter.seq > coveredSeq) continue;
      const error = refusalOf(refused, waiter.channels, waiter.patterns);
      if (error === undefined) {
        waiter.resolve();
      } else {
        told.add(error);
        waiter.reject(error);
      }
    }
    // Refusals no waiting caller hears of: subscriptions that could not be restored.
    for (const error of [...refused.channels.values(), ...refused.patterns.values()]) if (!told.has(error)) this.#sink.failed(error);
    const restored = {
      channels: channels.filter((c) => !refused.channels.has(c)),
      patterns: patterns.filter((p) => !refused.patterns.has(p)),
    };
    if (reconnect && (restored.channels.length > 0 || restored.patterns.length > 0)) {
      const downtimeMs = this.#lostAt === undefined ? 0 : Math.round(performance.now() - this.#lostAt);
      this.#sink.resubscribed({ ...restored, downtimeMs });
    }
    this.#lostAt = undefined;
  }

  #lost(error: RedisKitError): void {
    if (this.#closed) return;
    this.#lostAt ??= performance.now();
    if (this.#wants()) this.#sink.disconnected(error);
  }

  #wants(): boolean {
    const { channels, patterns } = this.#sink.wanted();
    return channels.length > 0 || patterns.length > 0;
  }

  #rejectWaiters(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }
}
