import type { RedisClient } from '../client/client.js';
import { classifyError, isReplyError } from '../engine/classify-error.js';
import type { Engine, EngineMessageListener } from '../engine/engine.js';
import type { RedisKitError } from '../errors.js';
import { channels as diagnostics } from '../observability/channels.js';
import { ReconnectStrategy } from '../pool/reconnect-strategy.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';

export interface SubscriberConnectionOptions {
  redis: RedisClient;
  factory: ConnectionFactory;
  /** 0: no keep-alive PING. */
  pingIntervalMs: number;
  onMessage: EngineMessageListener;
  /** Every time the connection becomes usable: at first, and after each reconnect. */
  onReady(engine: Engine): void;
  /** A usable connection was lost (it reconnects by itself). */
  onLost(error: RedisKitError): void;
  /** Redis refused something nobody waits for (a PING …). */
  onFailure(error: RedisKitError): void;
  /** Whether anything still needs the connection, should it end unexpectedly. */
  needed(): boolean;
}

/**
 * The one dedicated subscriber connection: made on first use, reconnected
 * with backoff (like the lanes: full jitter, slower while the breaker is open
 * or the credentials are refused), kept honest by a PING, and reported on the
 * diagnostics channels with role `'subscriber'`. What it is subscribed to is
 * not its business: {@link SubscriberConnectionOptions.onReady} restores that.
 */
export class SubscriberConnection {
  readonly #options: SubscriberConnectionOptions;
  readonly #reconnect: ReconnectStrategy;
  #engine: Engine | undefined;
  #unbind: (() => void) | undefined;
  #respawn: NodeJS.Timeout | undefined;
  #ping: NodeJS.Timeout | undefined;
  /** Why the last connection attempt failed, for callers that time out waiting. */
  #connectError: RedisKitError | undefined;
  #closed = false;
  /**
   * The current connection was announced (`create`) and not yet reported
   * destroyed: each connection gets one `destroy`, whether it broke or was
   * closed, never both.
   */
  #announced = false;

  constructor(options: SubscriberConnectionOptions) {
    this.#options = options;
    this.#reconnect = new ReconnectStrategy({
      capMs: options.redis.options.retryMaxDelayMs,
      probeIntervalMs: options.redis.options.breakerProbeIntervalMs,
      isClosed: () => this.#closed,
      isBreakerOpen: () => options.redis.isUnavailable,
    });
  }

  /** The engine when it is usable now. */
  get ready(): Engine | undefined {
    return this.#engine?.isReady ? this.#engine : undefined;
  }

  /** The last reason the connection could not be made, while it is not usable. */
  get lastError(): RedisKitError | undefined {
    if (this.ready !== undefined) return undefined;
    return this.#engine?.lastError ?? this.#connectError;
  }

  /** Starts connecting if nothing is connected or connecting. */
  open(): void {
    if (this.#closed || this.#engine !== undefined) return;
    clearTimeout(this.#respawn);
    this.#respawn = undefined;
    const engine = this.#options.factory.create('subscriber', () => this.#retryDelay(engine));
    this.#engine = engine;
    const stopMessages = engine.onMessage(this.#options.onMessage);
    const onReady = (): void => {
      this.#reconnect.reset();
      this.#connectError = undefined;
      this.#announced = true;
      if (diagnostics.connectionCreate.hasSubscribers) diagnostics.connectionCreate.publish({ role: 'subscriber', id: engine.id });
      this.#startPing(engine);
      this.#options.onReady(engine);
    };
    const onLost = (error: RedisKitError): void => {
      clearInterval(this.#ping);
      // Lost after close() began: that close was the report.
      if (this.#closed) return;
      if (this.#announced && diagnostics.connectionDestroy.hasSubscribers) {
        diagnostics.connectionDestroy.publish({ role: 'subscriber', id: engine.id, reason: 'broken', error });
      }
      this.#announced = false;
      this.#options.onLost(error);
    };
    const onFailed = (error: RedisKitError): void => {
      this.#connectError = error;
      if (diagnostics.connectionFail.hasSubscribers) diagnostics.connectionFail.publish({ role: 'subscriber', id: engine.id, error });
    };
    const onEnd = (): void => this.#ended(engine);
    engine.on('ready', onReady);
    engine.on('lost', onLost);
    engine.on('connectFailed', onFailed);
    engine.on('end', onEnd);
    this.#unbind = () => {
      stopMessages();
      engine.off('ready', onReady);
      engine.off('lost', onLost);
      engine.off('connectFailed', onFailed);
      engine.off('end', onEnd);
    };
    engine.connect(this.#options.redis.options.connectTimeoutMs, 'retry').catch((error: unknown) => {
      // Not final: the engine keeps reconnecting by itself ('retry' and its
      // retry strategy). Kept for callers that reach their deadline.
      this.#connectError = classifyError(error, 'connect');
    });
  }

  /** QUITs the connection. Idempotent. */
  async close(): Promise<void> {
    const engine = this.#shutdown();
    await engine?.quit();
  }

  /** Drops the connection at once. Idempotent. */
  destroy(): void {
    this.#shutdown()?.destroy();
  }

  /** Stops timers; returns the engine to close, or undefined when already shut down. */
  #shutdown(): Engine | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    clearTimeout(this.#respawn);
    clearInterval(this.#ping);
    const engine = this.#engine;
    if (engine !== undefined && this.#announced && diagnostics.connectionDestroy.hasSubscribers) {
      diagnostics.connectionDestroy.publish({ role: 'subscriber', id: engine.id, reason: 'close' });
    }
    this.#announced = false;
    return engine;
  }

  #retryDelay(engine: Engine): number | null {
    return this.#reconnect.next(engine.authError !== undefined);
  }

  /**
   * The engine ended without close() (its retry strategy returns null only
   * once closed, so this is a safety net). Subscriptions must not be
   * stranded: a fresh connection is made after a backoff delay if needed.
   */
  #ended(engine: Engine): void {
    if (this.#closed || engine !== this.#engine) return;
    this.#unbind?.();
    this.#engine = undefined;
    clearInterval(this.#ping);
    if (!this.#options.needed()) return;
    this.#respawn = setTimeout(() => this.open(), this.#retryDelay(engine) ?? 0);
    this.#respawn.unref();
  }

  /**
   * A listening connection sends nothing, so a peer that died silently would
   * never be noticed. A PING makes the socket owe a reply, and the engine's
   * socket timeout replaces the connection when none comes.
   */
  #startPing(engine: Engine): void {
    clearInterval(this.#ping);
    if (this.#options.pingIntervalMs === 0) return;
    this.#ping = setInterval(() => {
      if (!engine.isReady) return;
      engine.send('ping', []).catch((error: unknown) => {
        // A lost connection is handled by the engine ('lost', then 'ready'
        // and a resubscription); only an error reply is news.
        if (error instanceof Error && isReplyError(error)) this.#options.onFailure(classifyError(error, 'ping'));
      });
    }, this.#options.pingIntervalMs);
    this.#ping.unref();
  }
}
