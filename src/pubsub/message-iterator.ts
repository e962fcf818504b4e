import { QueueFullError } from '../errors.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { PubSubMessage } from './message.js';
import type { OverflowPolicy } from './options.js';
import { RingBuffer } from './ring-buffer.js';
import type { MessageHandler, Subscription } from './subscription.js';

/**
 * `for await (const msg of pubsub.messages('progress:42'))`. Messages are
 * buffered between arrival and consumption, up to `maxBuffered`. Iteration
 * ends cleanly (`done`) on `break`, `return()`, `await using` disposal, the
 * `signal`, and the PubSub's `close()`. It has the services' lifecycle too:
 * `close()` is `return()`, `destroy(error?)` makes the next read reject.
 */
export interface MessageIterator extends AsyncIterableIterator<PubSubMessage, undefined>, AsyncDisposable {
  /**
   * Resolves once Redis confirmed the subscription (from then on nothing
   * published is missed); rejects when it could not be made — the first
   * `next()` rejects with the same error. Await it before triggering the work
   * whose messages you want, when the first messages matter.
   */
  readonly ready: Promise<void>;
  /** Messages received and not consumed yet. */
  readonly buffered: number;
  /** Messages discarded because the buffer was full (overflow `'drop-oldest'`). */
  readonly dropped: number;
  /** Ends the iteration now: buffered messages are discarded, the subscription dropped. */
  return(): Promise<IteratorResult<PubSubMessage, undefined>>;
  /** Same as {@link MessageIterator.return}. Idempotent. */
  close(): Promise<void>;
  /** Ends it at once: buffered messages are discarded and the next read rejects with `error` (default `ClosedError`). */
  destroy(error?: Error): void;
  /** True once closed, returned or destroyed by its caller. */
  readonly closed: boolean;
}

export interface IteratorHooks {
  /** Starts the subscription with the iterator's handler. */
  subscribe(handler: MessageHandler): Promise<Subscription>;
  /** A message was dropped for lack of room. */
  dropped(): void;
  /** The iterator ended; the PubSub forgets it. */
  ended(iterator: BufferedMessageIterator): void;
}

interface PendingRead {
  resolve(result: IteratorResult<PubSubMessage, undefined>): void;
  reject(error: Error): void;
}

const DONE: IteratorResult<PubSubMessage, undefined> = Object.freeze({ done: true, value: undefined });

export class BufferedMessageIterator extends Lifecycle implements MessageIterator {
  readonly #buffer: RingBuffer<PubSubMessage>;
  readonly #overflow: OverflowPolicy;
  readonly #hooks: IteratorHooks;
  readonly #reads: PendingRead[] = [];
  readonly #subscribed: Promise<Error | undefined>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.return();
  #subscription: Subscription | undefined;
  /** No new messages are taken; what is buffered is still handed out. */
  #stopped = false;
  /** Handed to the next read once the buffer is empty, then iteration is done. */
  #failure: Error | undefined;
  #dropped = 0;

  constructor(hooks: IteratorHooks, options: { maxBuffered: number; overflow: OverflowPolicy; signal: AbortSignal | undefined }) {
    super();
    this.#buffer = new RingBuffer(options.maxBuffered);
    this.#overflow = options.overflow;
    this.#hooks = hooks;
    this.#signal = options.signal;
    this.#subscribed = hooks
      .subscribe((message) => this.#push(message))
      .then(
        (subscription) => {
          if (this.#stopped) void subscription.unsubscribe();
          else this.#subscription = subscription;
          return undefined;
        },
        (error: Error) => {
          this.#stop(error);
          return error;
        },
      );
    if (this.#signal?.aborted) void this.return();
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get ready(): Promise<void> {
    return this.#subscribed.then((error) => {
      if (error !== undefined) throw error;
    });
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<PubSubMessage, undefined>> {
    const message = this.#buffer.shift();
    if (message !== undefined) return Promise.resolve({ done: false, value: message });
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      return Promise.reject(failure);
    }
    if (this.#stopped) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#reads.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<PubSubMessage, undefined>> {
    await this.close();
    return DONE;
  }

  protected async onClose(): Promise<void> {
    this.#buffer.clear();
    this.#failure = undefined;
    const subscription = this.#stop(undefined);
    await subscription?.unsubscribe();
  }

  protected onDestroy(error: Error): void {
    this.#buffer.clear();
    void this.#stop(error)?.unsubscribe();
  }

  /**
   * The PubSub is closing (`error` undefined: buffered messages are still
   * handed out, then done) or was destroyed (buffer dropped, the next read
   * rejects with `error`).
   */
  end(error: Error | undefined): void {
    if (error !== undefined) this.#buffer.clear();
    this.#stop(error);
  }

  #push(message: PubSubMessage): void {
    if (this.#stopped) return;
    const read = this.#reads.shift();
    if (read !== undefined) {
      read.resolve({ done: false, value: message });
      return;
    }
    if (this.#buffer.full) {
      if (this.#overflow === 'error') {
        const error = new QueueFullError(`the message buffer of messages(${this.#describe()})`, this.#buffer.capacity);
        void this.#stop(error)?.unsubscribe();
        return;
      }
      this.#buffer.shift();
      this.#dropped++;
      this.#hooks.dropped();
    }
    this.#buffer.push(message);
  }

  /** Stops taking messages and settles waiting reads; returns the subscription to drop. Idempotent. */
  #stop(error: Error | undefined): Subscription | undefined {
    if (this.#stopped) return undefined;
    this.#stopped = true;
    this.#failure = error;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    // Reads wait only while the buffer is empty, so they get the failure or done.
    for (const read of this.#reads.splice(0)) {
      if (this.#failure !== undefined) {
        read.reject(this.#failure);
        this.#failure = undefined;
      } else {
        read.resolve(DONE);
      }
    }
    this.#hooks.ended(this);
    const subscription = this.#subscription;
    this.#subscription = undefined;
    return subscription;
  }

  #describe(): string {
    const subscription = this.#subscription;
    if (subscription === undefined) return '';
    return [...subscription.channels, ...subscription.patterns.map((p) => `pattern ${p}`)].join(', ');
  }
}
