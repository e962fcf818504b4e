import type { PubSubMessage } from './message.js';
import type { Listener } from './registry.js';
import type { NormalizedTopics } from './topics.js';

/** Called with every message of a subscription. A throw or a rejection is reported through the PubSub's `'error'` event. */
export type MessageHandler = (message: PubSubMessage) => void | Promise<void>;

/** A live subscription: `await using sub = await pubsub.subscribe(…)` unsubscribes at the end of the block. */
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
}

/** What a subscription needs from its PubSub. */
export interface SubscriptionOwner {
  /** Unregisters `subscription` and unsubscribes names nobody wants any more. */
  release(subscription: Listener): Promise<void>;
  /** A handler threw or rejected. */
  handlerFailed(error: unknown, message: PubSubMessage): void;
}

export class HandlerSubscription implements Subscription, Listener {
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
  readonly #handler: MessageHandler;
  readonly #owner: SubscriptionOwner;
  #releasing: Promise<void> | undefined;
  #active = true;

  constructor(topics: NormalizedTopics, handler: MessageHandler, owner: SubscriptionOwner) {
    this.channels = Object.freeze([...topics.channels]);
    this.patterns = Object.freeze([...topics.patterns]);
    this.#handler = handler;
    this.#owner = owner;
  }

  get active(): boolean {
    return this.#active;
  }

  /**
   * Calls the handler without waiting for it: one slow async handler must not
   * hold up the connection or the other subscriptions. Its failure is
   * reported, never thrown into the connection's read loop.
   */
  deliver(message: PubSubMessage): void {
    if (!this.#active) return;
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

  unsubscribe(): Promise<void> {
    this.#active = false;
    this.#releasing ??= this.#owner.release(this);
    return this.#releasing;
  }

  /** The PubSub closed: stop delivering, without telling Redis (the connection goes too). */
  deactivate(): void {
    this.#active = false;
    this.#releasing ??= Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }
}
