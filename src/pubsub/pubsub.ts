import type { RedisClient } from '../client/client.js';
import { kOwnResource } from '../client/internal.js';
import { ClosedError, InvalidArgumentError, type RedisKitError } from '../errors.js';
import { callSafely } from '../lifecycle/call-safely.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { PubSubHandlerError } from './errors.js';
import type { PubSubMessage } from './message.js';
import { BufferedMessageIterator, type MessageIterator } from './message-iterator.js';
import {
  type MessagesOptions,
  type PubSubOptions,
  type ResolvedPubSubOptions,
  resolveMessagesOptions,
  resolvePubSubOptions,
} from './options.js';
import { type HubMember, PubSubHub, sharedHub } from './pubsub-hub.js';
import type { Listener } from './registry.js';
import { HandlerSubscription, type MessageHandler, type Subscription, type SubscriptionOwner } from './subscription.js';
import { normalizeTopics, type Topics } from './topics.js';

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

/**
 * Counters of one PubSub. `subscriptions`, `handlerErrors` and `dropped` are
 * this handle's own; the others describe its subscriber connection, which
 * handles sharing it (the default) see alike.
 */
export interface PubSubStats {
  /** `'redis'`, or `'memory'` for the in-process bus of `memory://`. */
  mode: 'redis' | 'memory';
  /** Whether messages can arrive now. */
  connected: boolean;
  /** Live subscriptions of this handle, iterators included. */
  subscriptions: number;
  /** Distinct channels and patterns the connection is subscribed to. */
  channels: number;
  patterns: number;
  /** Messages the connection received (one per matching channel or pattern). */
  received: number;
  /** Handlers of this handle that threw or rejected. */
  handlerErrors: number;
  /** Other failures reported through `'error'` (refused resubscriptions …). */
  errors: number;
  /** Messages dropped by this handle's full `messages()` iterators. */
  dropped: number;
  /** Times the subscriptions were restored after the connection was lost. */
  resubscribes: number;
}

/**
 * Publish/subscribe over a subscriber connection restored after every
 * reconnect. By default every PubSub of a client (and `redis.subscribe()`,
 * `redis.messages()`) shares the client's one subscriber connection: each
 * handle has its own subscriptions, events and iterators, and closing it
 * ends only those; the connection closes with the last handle. With
 * `dedicated: true` a handle has a connection of its own. In memory mode
 * (`memory://`) the same API runs on an in-process bus.
 *
 * Lifecycle as every service: `close()` ends its subscriptions and
 * iterators (iterators hand out what they buffered, then finish),
 * `destroy(error?)` ends them at once (iterators reject their next read),
 * `await using` closes; afterwards `subscribe`, `messages` and `publish`
 * fail with `ClosedError`.
 *
 * Channels are not keys: the client's `keyPrefix` is not applied to them.
 */
export class PubSub extends Lifecycle<PubSubEvents> {
  readonly #options: ResolvedPubSubOptions;
  readonly #hub: PubSubHub;
  readonly #subscriptions = new Set<HandlerSubscription>();
  /** Sharded subscriptions (ssubscribe) of this handle. */
  readonly #shardSubscriptions = new Set<HandlerSubscription>();
  readonly #iterators = new Set<BufferedMessageIterator>();
  readonly #unregister: () => void;
  #handlerErrors = 0;
  #dropped = 0;

  readonly #owner: SubscriptionOwner = {
    release: (subscription) => this.#release(subscription),
    handlerFailed: (error, message) => this.#handlerFailed(error, message),
  };

  readonly #shardOwner: SubscriptionOwner = {
    release: (subscription) => this.#releaseShard(subscription),
    handlerFailed: (error, message) => this.#handlerFailed(error, message),
  };

  readonly #member: HubMember = {
    resubscribed: (event) => this.#emitEvent('resubscribed', event),
    disconnected: (error) => this.#emitEvent('disconnected', error),
    failed: (error) => this.#report(error),
  };

  constructor(redis: RedisClient, options: PubSubOptions = {}) {
    super();
    this.#options = resolvePubSubOptions(options, redis.options.commandTimeoutMs);
    this.#hub = this.#options.dedicated
      ? new PubSubHub(redis, this.#options.pingIntervalMs)
      : sharedHub(redis, this.#options.pingIntervalMs);
    this.#hub.join(this.#member);
    // The client closes (or destroys) the handle with itself; a handle closed first unregisters.
    this.#unregister = redis[kOwnResource](this);
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
    this.assertOpen();
    if (typeof handler !== 'function') throw new InvalidArgumentError('subscribe(topics, handler): handler must be a function');
    const normalized = normalizeTopics(topics);
    const subscription = new HandlerSubscription(normalized, handler, this.#owner);
    // Registered before SUBSCRIBE is sent: a message arriving right after the
    // reply must find its handler, and a reconnect meanwhile must include it.
    this.#hub.registry.add(subscription);
    this.#subscriptions.add(subscription);
    return this.#confirmed(subscription, () =>
      this.#hub.transport.subscribe(normalized.channels, normalized.patterns, this.#options.subscribeTimeoutMs),
    );
  }

  /**
   * Subscribes `handler` to sharded channels (SSUBSCRIBE, Redis 7): on a
   * cluster each channel lives on the node that owns its slot, so messages
   * stay on that shard instead of crossing the whole cluster bus. Resolves
   * once every channel is confirmed. When a channel's node goes away or its
   * slot moves (a failover), the channel is subscribed again on the new owner
   * and `resubscribed` is emitted (`disconnected` before it).
   *
   * Sharded channels are literal names (no patterns) and, as they hash to
   * slots like keys, carry the client's `keyPrefix`: {@link spublish} and
   * ssubscribe of one client agree; another client sees the prefixed name.
   * Give related channels a hash tag (`{orders}:eu`, `{orders}:us`) to keep
   * them on one node. In memory mode they run on the in-process bus. Rejects
   * like {@link subscribe}.
   */
  async ssubscribe(channels: string | readonly string[], handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    if (typeof handler !== 'function') throw new InvalidArgumentError('ssubscribe(channels, handler): handler must be a function');
    if (typeof channels !== 'string' && !Array.isArray(channels)) {
      throw new InvalidArgumentError('ssubscribe(channels, handler): channels must be a channel name or an array of them');
    }
    const normalized = normalizeTopics(channels);
    const subscription = new HandlerSubscription(normalized, handler, this.#shardOwner);
    const shards = this.#hub.shards;
    shards.registry.add(subscription);
    this.#shardSubscriptions.add(subscription);
    return this.#confirmed(subscription, () => shards.transport.subscribe(normalized.channels, this.#options.subscribeTimeoutMs));
  }

  /**
   * Sends a registered subscription's (S)SUBSCRIBE and hands it out once the
   * server confirmed it: a refusal unregisters it again, and a close meanwhile
   * wins over the confirmation.
   */
  async #confirmed(subscription: HandlerSubscription, send: () => Promise<unknown>): Promise<Subscription> {
    try {
      await send();
    } catch (error) {
      await subscription.unsubscribe();
      throw error;
    }
    if (this.closed) {
      subscription.deactivate();
      throw new ClosedError('the pub/sub was closed before the subscription was confirmed');
    }
    return subscription;
  }

  /**
   * SPUBLISH: publishes `message` to the sharded channel `channel` (see
   * {@link ssubscribe}); on a cluster it goes to the node that owns the
   * channel's slot. Resolves with the number of subscribers that got it.
   */
  spublish(channel: string, message: string | Buffer): Promise<number> {
    if (this.closed) return Promise.reject(this.closedError());
    if (typeof channel !== 'string')
      return Promise.reject(new InvalidArgumentError('spublish(channel, message): channel must be a string'));
    if (typeof message !== 'string' && !Buffer.isBuffer(message)) {
      return Promise.reject(new InvalidArgumentError('spublish(channel, message): message must be a string or a Buffer'));
    }
    return this.#hub.shards.transport.publish(channel, message);
  }

  /**
   * Messages of `topics` as an async iterator, buffered up to `maxBuffered`
   * (see {@link PubSubOptions.overflow} for what happens beyond). The
   * subscription starts now; `iterator.ready` says when it is in effect.
   * After close, the iterator's first `next()` rejects with `ClosedError`.
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
    if (!this.closed) this.#iterators.add(iterator);
    return iterator;
  }

  /**
   * Publishes `message` to `channel` over the client's lanes (in memory mode,
   * on the in-process bus). Resolves with the number of subscriptions that
   * received it, across all processes. Fails like any command when Redis is
   * down: there is no fallback that could reach other processes.
   */
  publish(channel: string, message: string | Buffer): Promise<number> {
    if (this.closed) return Promise.reject(this.closedError());
    if (typeof channel !== 'string') return Promise.reject(new InvalidArgumentError('publish(channel, message): channel must be a string'));
    if (typeof message !== 'string' && !Buffer.isBuffer(message)) {
      return Promise.reject(new InvalidArgumentError('publish(channel, message): message must be a string or a Buffer'));
    }
    return this.#hub.transport.publish(channel, message);
  }

  stats(): PubSubStats {
    const hub = this.#hub;
    return {
      mode: hub.mode,
      connected: hub.transport.connected,
      subscriptions: this.#subscriptions.size + this.#shardSubscriptions.size,
      channels: hub.registry.channelCount,
      patterns: hub.registry.patternCount,
      received: hub.received,
      handlerErrors: this.#handlerErrors,
      errors: hub.errors,
      dropped: this.#dropped,
      resubscribes: hub.resubscribes,
    };
  }

  protected async onClose(): Promise<void> {
    const gone = this.#endAll(undefined);
    this.#unregister();
    await this.#hub.leave(this.#member, gone);
  }

  protected onDestroy(error: Error): void {
    const gone = this.#endAll(error);
    this.#unregister();
    void this.#hub.leave(this.#member, gone, error);
  }

  /** Ends this handle's subscriptions and iterators; returns the names no other handle wants. */
  #endAll(error: Error | undefined): { channels: string[]; patterns: string[]; sharded: string[] } {
    for (const subscription of this.#subscriptions) subscription.deactivate();
    const gone = this.#hub.remove(this.#subscriptions);
    this.#subscriptions.clear();
    const sharded: string[] = [];
    // The shards' registry exists only once something was ssubscribed: not made here just to be empty.
    if (this.#shardSubscriptions.size > 0) {
      for (const subscription of this.#shardSubscriptions) {
        subscription.deactivate();
        sharded.push(...this.#hub.shards.registry.remove(subscription).channels);
      }
    }
    this.#shardSubscriptions.clear();
    for (const iterator of [...this.#iterators]) iterator.end(error);
    this.#iterators.clear();
    return { ...gone, sharded };
  }

  #releaseShard(subscription: Listener): Promise<void> {
    if (!(subscription instanceof HandlerSubscription) || !this.#shardSubscriptions.delete(subscription)) return Promise.resolve();
    const shards = this.#hub.shards;
    return shards.transport.unsubscribe(shards.registry.remove(subscription).channels);
  }

  #release(subscription: Listener): Promise<void> {
    if (!(subscription instanceof HandlerSubscription) || !this.#subscriptions.delete(subscription)) return Promise.resolve();
    const gone = this.#hub.registry.remove(subscription);
    return this.#hub.transport.unsubscribe(gone.channels, gone.patterns);
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

  #emitEvent<K extends 'resubscribed' | 'disconnected'>(event: K, ...args: PubSubEvents[K]): void {
    callSafely(() => (this.emit as (event: K, ...args: PubSubEvents[K]) => boolean)(event, ...args));
  }
}

/**
 * A pub/sub handle on `redis`. By default it shares the client's one
 * subscriber connection (opened on the first subscribe, closed with the last
 * handle or the client); `{ dedicated: true }` gives it a connection of its
 * own, e.g. to keep a noisy consumer's traffic off the others'.
 */
export function createPubSub(redis: RedisClient, options?: PubSubOptions): PubSub {
  return new PubSub(redis, options);
}
