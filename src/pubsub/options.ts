import { z } from 'zod';
import { flag, integer, oneOf, resolveOptions } from '../config/resolve-options.js';

const OVERFLOW = ['drop-oldest', 'error'] as const;

/** What a {@link MessagesOptions.maxBuffered | full} message iterator does with one more message. */
export type OverflowPolicy = (typeof OVERFLOW)[number];

/** Options of `createPubSub(redis, options)`. Unknown options are rejected. */
export interface PubSubOptions {
  /**
   * Default buffer bound of every `messages()` iterator: messages received but
   * not yet consumed. Integer 1 to 1,000,000. Default 1000.
   *
   * Pitfall: a consumer slower than its publishers will hit this bound no
   * matter how high it is; the bound only decides how much memory it takes
   * to find out. See {@link PubSubOptions.overflow}.
   */
  maxBuffered?: number;

  /**
   * What a `messages()` iterator does when its buffer is full and another
   * message arrives. Default `'drop-oldest'`.
   *
   * - `'drop-oldest'`: the oldest buffered message is discarded and counted
   *   (`iterator.dropped`, `stats().dropped`); iteration goes on. Right for
   *   progress and state updates, where the newest message matters most.
   * - `'error'`: the iterator stops taking messages and, once the buffered
   *   ones are consumed, `next()` rejects with `QueueFullError`
   *   (`ERR_REDIS_QUEUE_FULL`). Right when every message matters and a gap
   *   must be noticed.
   */
  overflow?: OverflowPolicy;

  /**
   * How long `subscribe()` (and the start of `messages()`) waits for Redis to
   * confirm the subscription, in ms, including time spent waiting for the
   * subscriber connection to (re)connect. 1 to 600,000. Default: the client's
   * `commandTimeoutMs` (5000).
   *
   * When it passes, `subscribe()` rejects (with the connection's error, or
   * `CommandTimeoutError`) and nothing of that subscription is kept.
   */
  subscribeTimeoutMs?: number;

  /**
   * How often the subscriber connection is PINGed, in ms; 0 turns it off.
   * 0, or 100 to 3,600,000. Default 30,000.
   *
   * A subscriber only listens, so without it a connection that died silently
   * (a server that stopped answering, a dropped NAT entry) would go unnoticed
   * until the next message that never comes. A PING not answered within the
   * client's `socketTimeoutMs` replaces the connection, and the subscriptions
   * are restored with a `'resubscribed'` event.
   */
  pingIntervalMs?: number;

  /**
   * Give this PubSub a subscriber connection of its own instead of sharing
   * the client's. Default false: every PubSub of a client, and
   * `redis.subscribe()` / `redis.messages()`, share one connection (the
   * `pingIntervalMs` of the first one wins), and each handle's `close()`
   * ends only its own subscriptions.
   */
  dedicated?: boolean;
}

/** Options of `pubsub.messages(topics, options)`; the first two default to the PubSub's. */
export interface MessagesOptions {
  /** Buffer bound of this iterator. Default {@link PubSubOptions.maxBuffered}. */
  maxBuffered?: number;
  /** Overflow policy of this iterator. Default {@link PubSubOptions.overflow}. */
  overflow?: OverflowPolicy;
  /** Ends the iteration (cleanly: `done`) when it fires; the subscription is dropped. */
  signal?: AbortSignal;
}

export interface ResolvedPubSubOptions {
  readonly maxBuffered: number;
  readonly overflow: OverflowPolicy;
  readonly subscribeTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly dedicated: boolean;
}

const PING_EXPECTED = 'an integer from 100 to 3,600,000, or 0 (off)';
const maxBuffered = integer(1, 1_000_000);
const overflow = oneOf(OVERFLOW);

const pubSubSchema = z.strictObject({
  maxBuffered: maxBuffered.default(1000),
  overflow: overflow.default('drop-oldest'),
  subscribeTimeoutMs: integer(1, 600_000).optional(),
  // 0 turns the ping off; otherwise 100 ms at least, so a ping never floods the connection.
  pingIntervalMs: z
    .number({ error: PING_EXPECTED })
    .int({ error: PING_EXPECTED })
    .refine((ms) => ms === 0 || (ms >= 100 && ms <= 3_600_000), { error: PING_EXPECTED })
    .default(30_000),
  dedicated: flag().default(false),
});

const messagesSchema = z.strictObject({
  maxBuffered: maxBuffered.optional(),
  overflow: overflow.optional(),
  signal: z.instanceof(AbortSignal, { error: 'an AbortSignal' }).optional(),
});

/**
 * Applies defaults and bounds (`subscribeTimeoutMs` defaults to the client's `commandTimeoutMs`).
 *
 * @throws {ConfigError} naming every problem at once (`pubsub.maxBuffered` …), unknown options with a "did you mean".
 */
export function resolvePubSubOptions(options: PubSubOptions, commandTimeoutMs: number): ResolvedPubSubOptions {
  const resolved = resolveOptions('pubsub', pubSubSchema, options);
  return { ...resolved, subscribeTimeoutMs: resolved.subscribeTimeoutMs ?? commandTimeoutMs };
}

/** Resolves one iterator's options over the PubSub's defaults; problems as {@link resolvePubSubOptions}, under `pubsub.messages`. */
export function resolveMessagesOptions(
  options: MessagesOptions,
  defaults: ResolvedPubSubOptions,
): { maxBuffered: number; overflow: OverflowPolicy; signal: AbortSignal | undefined } {
  const resolved = resolveOptions('pubsub.messages', messagesSchema, options);
  return {
    maxBuffered: resolved.maxBuffered ?? defaults.maxBuffered,
    overflow: resolved.overflow ?? defaults.overflow,
    signal: resolved.signal,
  };
}
