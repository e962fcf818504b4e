import { InvalidArgumentError } from '../errors.js';

/** What a {@link MessagesOptions.maxBuffered | full} message iterator does with one more message. */
export type OverflowPolicy = 'drop-oldest' | 'error';

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

const KNOWN = new Set(['maxBuffered', 'overflow', 'subscribeTimeoutMs', 'pingIntervalMs', 'dedicated']);
const KNOWN_MESSAGES = new Set(['maxBuffered', 'overflow', 'signal']);

/** Applies defaults and bounds; every problem is reported at once, as InvalidArgumentError. */
export function resolvePubSubOptions(options: PubSubOptions, commandTimeoutMs: number): ResolvedPubSubOptions {
  const problems = unknownNames(options, KNOWN);
  const resolved: ResolvedPubSubOptions = {
    maxBuffered: integer(options.maxBuffered, 'maxBuffered', 1000, 1, 1_000_000, problems),
    overflow: overflowPolicy(options.overflow, 'overflow', 'drop-oldest', problems),
    subscribeTimeoutMs: integer(options.subscribeTimeoutMs, 'subscribeTimeoutMs', commandTimeoutMs, 1, 600_000, problems),
    pingIntervalMs:
      options.pingIntervalMs === 0
        ? 0
        : integer(options.pingIntervalMs, 'pingIntervalMs', 30_000, 100, 3_600_000, problems, ', or 0 (off)'),
    dedicated: options.dedicated ?? false,
  };
  throwIfAny(problems, 'createPubSub');
  return resolved;
}

/** Resolves one iterator's options over the PubSub's defaults. */
export function resolveMessagesOptions(
  options: MessagesOptions,
  defaults: ResolvedPubSubOptions,
): { maxBuffered: number; overflow: OverflowPolicy; signal: AbortSignal | undefined } {
  const problems = unknownNames(options, KNOWN_MESSAGES);
  const maxBuffered = integer(options.maxBuffered, 'maxBuffered', defaults.maxBuffered, 1, 1_000_000, problems);
  const overflow = overflowPolicy(options.overflow, 'overflow', defaults.overflow, problems);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) problems.push('signal must be an AbortSignal');
  throwIfAny(problems, 'messages()');
  return { maxBuffered, overflow, signal: options.signal };
}

function unknownNames(options: object, known: Set<string>): string[] {
  if (options === null || typeof options !== 'object') return ['options must be an object'];
  return Object.keys(options)
    .filter((name) => !known.has(name))
    .map((name) => `unknown option ${name} (known: ${[...known].join(', ')})`);
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number, problems: string[], also = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name}=${String(value)}: expected an integer from ${min} to ${max}${also}`);
    return fallback;
  }
  return value;
}

function overflowPolicy(value: unknown, name: string, fallback: OverflowPolicy, problems: string[]): OverflowPolicy {
  if (value === undefined) return fallback;
  if (value === 'drop-oldest' || value === 'error') return value;
  problems.push(`${name}=${String(value)}: expected 'drop-oldest' or 'error'`);
  return fallback;
}

function throwIfAny(problems: string[], where: string): void {
  if (problems.length > 0) throw new InvalidArgumentError(`invalid ${where} options: ${problems.join('; ')}`);
}
