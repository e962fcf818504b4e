import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { PubSubMessage } from './message.js';
import type { Listener } from './registry.js';
import type { NormalizedTopics } from './topics.js';

/** Called with every message of a subscription. A throw or a rejection is reported through the PubSub's `'error'` event. */
export type MessageHandler = (message: PubSubMessage) => void | Promise<void>;

/**
 * A live subscription: `await using sub = await pubsub.subscribe(…)` unsubscribes at the end of the block.
 * It has the lifecycle of every service: `close()` is `unsubscribe()`, `destroy()` stops it at once.
 */
export interface Subscription extends AsyncDisposable {
  /** The literal channels it listens to. */
  readonly channels: readonly string[];
  /** The patterns it listens to. */
  readonly patterns: readonly string[];
  /** False once unsubscribed or the PubSub closed: the handler is not called any more. */
  readonly active: boolean;
  /**
   * Stops the handler at once, and tells Redis to stop sending channels no
   * other subscription wants. Idempotent; never rejects.
   */
  unsubscribe(): Promise<void>;
  /** Same as {@link Subscription.unsubscribe}. */
  close(): Promise<void>;
  /** Stops the handler at once; Redis is told in the background. Idempotent. */
  destroy(error?: Error): void;
  /** True from the moment it was unsubscribed, closed or destroyed (or its PubSub closed). */
  readonly closed: boolean;
}

/** What a subscription needs from its PubSub. */
export interface SubscriptionOwner {
  /** Unregisters `subscription` and unsubscribes names nobody wants any more. */
  release(subscription: Listener): Promise<void>;
  /** A handler threw or rejected. */
  handlerFailed(error: unknown, message: PubSubMessage): void;
}

export class HandlerSubscription extends Lifecycle implements Subscription, Listener {
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
  readonly #handler: MessageHandler;
  readonly #owner: SubscriptionOwner;
  /** The PubSub ended it: nothing to tell Redis (the PubSub unsubscribes, or its connection goes). */
  #deactivated = false;

  constructor(topics: NormalizedTopics, handler: MessageHandler, owner: SubscriptionOwner) {
    super();
    this.channels = Object.freeze([...topics.channels]);
    this.patterns = Object.freeze([...topics.patterns]);
    this.#handler = handler;
    this.#owner = owner;
  }

  get active(): boolean {
    return !this.closed;
  }

  /**
   * Calls the handler without waiting for it: one slow async handler must not
   * hold up the connection or the other subscriptions. Its failure is
   * reported, never thrown into the connection's read loop.
   */
  deliver(message: PubSubMessage): void {
    if (this.closed) return;
    try {
      // Typed void | Promise<void>, but plain JavaScript callers may return anything.
      const result: unknown = this.#handler(message);
      if (typeof (result as PromiseLike<void> | null)?.then === 'function') {
        (result as PromiseLike<void>).then(undefined, (error: unknown) => this.#owner.handlerFailed(error, message));
      }
    } catch (error) {
      this.#owner.handlerFailed(error, message);
    }
  }

  /** The handler stops at once (`closed` turns true synchronously); resolves once Redis was told. Never rejects. */
  unsubscribe(): Promise<void> {
    return this.close();
  }

  /** The PubSub closed: stop delivering, without telling Redis (the PubSub does, or its connection goes). */
  deactivate(): void {
    this.#deactivated = true;
    this.destroy();
  }

  protected async onClose(): Promise<void> {
    if (!this.#deactivated) await this.#owner.release(this);
  }

  protected onDestroy(): void {
    if (!this.#deactivated) void this.#owner.release(this);
  }
}
