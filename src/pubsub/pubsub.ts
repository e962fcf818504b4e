import { callSafely } from '../lifecycle/call-safely.js';
import { EventEmitter } from 'node:events';
import type { RedisClient } from '../client/client.js';
import { ClosedError, InvalidArgumentError, type RedisKitError } from '../errors.js';
import { kConnectionFactory, kOwnResource } from '../client/internal.js';
import { PubSubHandlerError } from './errors.js';
import { MemoryTransport } from './memory-bus.js';
import { createMessage, type PubSubMessage } from './message.js';
import { BufferedMessageIterator, type MessageIterator } from './message-iterator.js';
import {
  type MessagesOptions,
  type PubSubOptions,
  type ResolvedPubSubOptions,
  resolveMessagesOptions,
  resolvePubSubOptions,
} from './options.js';
import { type Listener, Registry } from './registry.js';
import { RedisTransport } from './redis-transport.js';
import { HandlerSubscription, type MessageHandler, type Subscription, type SubscriptionOwner } from './subscription.js';
import { normalizeTopics, type Topics } from './topics.js';
import type { Transport, TransportSink } from './transport.js';

/** What a `'resubscribed'` event says. */
export interface ResubscribedEvent {
  /** Channels subscribed again. */
  readonly channels: readonly string[];
  /** Patterns subscribed again. */
  readonly patterns: readonly string[];
  /** How long no messages could arrive, in ms: anything published then was missed. */
  readonly downtimeMs: number;
}

export interface PubSubEvents {
  /**
   * The subscriber connection came back and every subscription is in effect
   * again. Messages published while it was down were missed: invalidate what
   * you derived from them (caches, progress state).
   */
  resubscribed: [event: ResubscribedEvent];
  /** The subscriber connection was lost while subscriptions existed; messages are missed until `resubscribed`. */
  disconnected: [error: RedisKitError];
  /**
   * A handler threw or rejected ({@link PubSubHandlerError}, the thrown value
   * as `cause`), or Redis refused a resubscription or unsubscription (a typed
   * reply error). With no listener nothing is logged and nothing crashes: the
   * failure is only counted in `stats().handlerErrors` / `stats().errors`.
   */
  error: [error: RedisKitError];
}

/** Counters of one PubSub. */
export interface PubSubStats {
  /** `'redis'`, or `'memory'` for the in-process bus of `memory://`. */
  mode: 'redis' | 'memory';
  /** Whether messages can arrive now. */
  connected: boolean;
  /** Live subscriptions, iterators included. */
  subscriptions: number;
  /** Distinct channels and patterns the connection is subscribed to. */
  channels: number;
  patterns: number;
  /** Messages received (one per matching channel or pattern). */
  received: number;
  /** Handlers that threw or rejected. */
  handlerErrors: number;
  /** Other failures reported through `'error'` (refused resubscriptions …). */
  errors: number;
  /** Messages dropped by full `messages()` iterators. */
  dropped: number;
  /** Times the subscriptions were restored after the connection was lost. */
  resubscribes: number;
}

/**
 * Publish/subscribe over one dedicated subscriber connection, shared by every
 * subscription of this PubSub and restored after every reconnect. In memory
 * mode (`memory://`) the same API runs on an in-process bus.
 *
 * Channels are not keys: the client's `keyPrefix` is not applied to them.
 */
export class PubSub extends EventEmitter<PubSubEvents> {
  readonly #options: ResolvedPubSubOptions;
  readonly #registry = new Registry();
  readonly #transport: Transport;
  readonly #iterators = new Set<BufferedMessageIterator>();
  readonly #mode: 'redis' | 'memory';
  #closing: Promise<void> | undefined;
  #received = 0;
  #handlerErrors = 0;
  #errors = 0;
  #dropped = 0;
  #resubscribes = 0;

  readonly #owner: SubscriptionOwner = {
    release: (subscription) => this.#release(subscription),
    handlerFailed: (error, message) => this.#handlerFailed(error, message),
  };

  constructor(redis: RedisClient, options: PubSubOptions = {}) {
    super();
    this.#options = resolvePubSubOptions(options, redis.options.commandTimeoutMs);
    const sink = this.#sink();
    const factory = redis[kConnectionFactory];
    this.#mode = factory === undefined ? 'memory' : 'redis';
    this.#transport =
      factory === undefined
        ? new MemoryTransport(sink)
        : new RedisTransport({ redis, factory, sink, pingIntervalMs: this.#options.pingIntervalMs });
    // The client closes (or destroys) the subscriber connection with itself.
    redis[kOwnResource]({ close: () => this.close(), destroy: (error) => this.destroy(error) });
  }

  /**
   * Subscribes `handler` to `topics`; resolves once Redis confirmed it, so
   * nothing published after that is missed. A plain string (or array) is
   * literal channel names; patterns only through `{ patterns: [...] }`.
   *
   * Rejects — keeping nothing — with `RedisUnavailableError` at once while
   * the breaker is open, with the connection's error or `CommandTimeoutError`
   * after `subscribeTimeoutMs`, with a reply error (e.g. an ACL refusing the
   * channel), or `ClosedError`.
   */
  async subscribe(topics: Topics, handler: MessageHandler): Promise<Subscription> {
    if (this.#closing !== undefined) throw new ClosedError('the pub/sub is closed');
    if (typeof handler !== 'function') throw new InvalidArgumentError('subscribe(topics, handler): handler must be a function');
    const normalized = normalizeTopics(topics);
    const subscription = new HandlerSubscription(normalized, handler, this.#owner);
    // Registered before SUBSCRIBE is sent: a message arriving right after the
    // reply must find its handler, and a reconnect meanwhile must include it.
    this.#registry.add(subscription);
    try {
      await this.#transport.subscribe(normalized.channels, normalized.patterns, this.#options.subscribeTimeoutMs);
    } catch (error) {
      await subscription.unsubscribe();
      throw error;
    }
    if (this.#closing !== undefined) {
      subscription.deactivate();
      throw new ClosedError('the pub/sub was closed before the subscription was confirmed');
    }
    return subscription;
  }

  /**
   * Messages of `topics` as an async iterator, buffered up to `maxBuffered`
   * (see {@link PubSubOptions.overflow} for what happens beyond). The
   * subscription starts now; `iterator.ready` says when it is in effect.
   */
  messages(topics: Topics, options: MessagesOptions = {}): MessageIterator {
    const resolved = resolveMessagesOptions(options, this.#options);
    normalizeTopics(topics); // invalid topics throw here, not at the first next()
    const iterator = new BufferedMessageIterator(
      {
        subscribe: (handler) => this.subscribe(topics, handler),
        dropped: () => {
          this.#dropped++;
        },
        ended: (ended) => {
          this.#iterators.delete(ended);
        },
      },
      resolved,
    );
    if (this.#closing === undefined) this.#iterators.add(iterator);
    return iterator;
  }

  /**
   * Publishes `message` to `channel` over the client's lanes (in memory mode,
   * on the in-process bus). Resolves with the number of subscriptions that
   * received it, across all processes. Fails like any command when Redis is
   * down: there is no fallback that could reach other processes.
   */
  publish(channel: string, message: string | Buffer): Promise<number> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedError('the pub/sub is closed'));
    if (typeof channel !== 'string') return Promise.reject(new InvalidArgumentError('publish(channel, message): channel must be a string'));
    if (typeof message !== 'string' && !Buffer.isBuffer(message)) {
      return Promise.reject(new InvalidArgumentError('publish(channel, message): message must be a string or a Buffer'));
    }
    return this.#transport.publish(channel, message);
  }

  stats(): PubSubStats {
    return {
      mode: this.#mode,
      connected: this.#transport.connected,
      subscriptions: this.#registry.size,
      channels: this.#registry.channelCount,
      patterns: this.#registry.patternCount,
      received: this.#received,
      handlerErrors: this.#handlerErrors,
      errors: this.#errors,
      dropped: this.#dropped,
      resubscribes: this.#resubscribes,
    };
  }

  /**
   * Ends every subscription and iterator (iterators hand out what they
   * buffered, then finish) and QUITs the subscriber connection. Idempotent;
   * also run by the client's `close()`.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closing = this.#transport.close();
    this.#endAll(undefined);
    return this.#closing;
  }

  /** Drops the connection at once; iterators reject their next read with `error`. Idempotent. */
  destroy(error: Error = new ClosedError('the pub/sub was destroyed')): void {
    this.#closing ??= Promise.resolve();
    this.#transport.destroy(error);
    this.#endAll(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #endAll(error: Error | undefined): void {
    for (const listener of this.#registry.listeners()) listener.deactivate();
    this.#registry.clear();
    for (const iterator of [...this.#iterators]) iterator.end(error);
    this.#iterators.clear();
  }

  #release(subscription: Listener): Promise<void> {
    const gone = this.#registry.remove(subscription);
    if (this.#closing !== undefined) return Promise.resolve();
    return this.#transport.unsubscribe(gone.channels, gone.patterns);
  }

  #handlerFailed(error: unknown, message: PubSubMessage): void {
    this.#handlerErrors++;
    this.#report(new PubSubHandlerError(message.channel, message.pattern, error));
  }

  /** Emits 'error' only when someone listens: an unheard 'error' event would crash the process. */
  #report(error: RedisKitError): void {
    if (this.listenerCount('error') === 0) return;
    // A listener that throws must not break delivery to the other subscriptions.
    callSafely(() => this.emit('error', error));
  }

  #sink(): TransportSink {
    return {
      deliver: (channel, payload, pattern) => {
        this.#received++;
        this.#registry.dispatch(createMessage(channel, pattern, payload));
      },
      wanted: () => ({ channels: this.#registry.channelNames(), patterns: this.#registry.patternNames() }),
      resubscribed: (event) => {
        this.#resubscribes++;
        this.#emitEvent('resubscribed', event);
      },
      disconnected: (error) => this.#emitEvent('disconnected', error),
      failed: (error) => {
        this.#errors++;
        this.#report(error);
      },
    };
  }

  #emitEvent<K extends 'resubscribed' | 'disconnected'>(event: K, ...args: PubSubEvents[K]): void {
    callSafely(() => (this.emit as (event: K, ...args: PubSubEvents[K]) => boolean)(event, ...args));
  }
}

/**
 * Creates the pub/sub service of `redis`: one subscriber connection (opened on
 * the first subscribe), closed with the client. Create one per client and
 * share it; every PubSub holds a connection of its own.
 */
export function createPubSub(redis: RedisClient, options?: PubSubOptions): PubSub {
  return new PubSub(redis, options);
}
