import type { RedisClient } from '../../client/client.js';
import { kOwnResource } from '../../client/internal.js';
import { integer, resolveOptions } from '../../config/resolve-options.js';
import { InvalidArgumentError } from '../../errors.js';
import { encodeKeyPart } from '../../keys/key-encoding.js';
import { Lifecycle } from '../../lifecycle/lifecycle.js';
import { ReconnectStrategy } from '../../pool/reconnect-strategy.js';
import type { InferInput, InferOutput, StandardSchemaV1 } from '../standard-schema.js';
import { type RepositoryEffect, unavailableError } from '../unavailable.js';
import { checkEntryId } from './entry-ids.js';
import { FollowIterator } from './follow-iterator.js';
import type { LogBackend } from './log-backend.js';
import { type MessageLogOptions, type ResolvedLogOptions, resolveLogOptions } from './log-options.js';
import { MemoryLogBackend } from './memory-log.js';
import { RedisLogBackend } from './redis-log-backend.js';
import type { LogEntry, LogFollower, LogFollowOptions, LogRangeOptions } from './types.js';
import { EntryCodec, quote } from './validate-entry.js';
import { z } from 'zod';

/** Longest log id accepted: ids are conversation, job or entity ids, not documents. */
const MAX_ID_LENGTH = 512;
/** Most entries one range() or latest() returns. */
const MAX_READ = 10_000;

const followSchema = z.strictObject({
  after: z.string().optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, { error: 'an AbortSignal' }).optional(),
  blockMs: integer(100, 60_000).default(5000),
  batchSize: integer(1, 10_000).default(100),
});

/**
 * Message logs on Redis Streams, one stream per conversation, job or entity
 * (`<keyPrefix><namespace>:<encoded log id>`), each entry validated by the
 * schema on the way in and on the way out.
 *
 * While Redis cannot be reached, `append`, `range` and `latest` reject with
 * `RedisUnavailableError` (its `cause` says what happened; a
 * `ConnectionLostError` cause means an append may have been written): a log
 * never forks into process memory. Follows wait and resume instead. With
 * `REDIS_URL=memory://` the logs live in this process, with the same API.
 *
 * Lifecycle as every service: `close()` ends open follows (their leases are
 * released) and unregisters from the client; after it every method rejects
 * with `ClosedError`. The client closes its logs with itself, and ends their
 * follows before it waits for its leases.
 */
export class MessageLog<S extends StandardSchemaV1 = StandardSchemaV1> extends Lifecycle {
  /** The namespace in front of every log id. */
  readonly namespace: string;
  readonly #redis: RedisClient;
  readonly #options: ResolvedLogOptions<S>;
  readonly #backend: LogBackend;
  readonly #entries: EntryCodec<S>;
  readonly #prefix: string;
  readonly #followers = new Set<FollowIterator<InferOutput<S>>>();
  readonly #unregister: () => void;

  constructor(redis: RedisClient, options: MessageLogOptions<S>) {
    super();
    this.#options = resolveLogOptions(options);
    this.namespace = this.#options.namespace;
    this.#redis = redis;
    this.#prefix = `${encodeKeyPart(this.namespace)}:`;
    this.#entries = new EntryCodec(this.#options.schema, this.#options.codec, `message log ${quote(this.namespace)}`);
    this.#backend = redis.options.mode === 'memory' ? MemoryLogBackend.of(redis) : new RedisLogBackend(redis, this.#options.codec.binary);
    // The client closes the log with itself; a log closed first unregisters. Its follows hold leases,
    // which the client waits for before it closes its services: they are ended as soon as it starts closing.
    this.#unregister = redis[kOwnResource]({
      close: () => this.close(),
      destroy: (error) => this.destroy(error),
      clientClosing: () => void this.#endFollowers(),
    });
  }

  /**
   * Appends `entry` to the log `logId` (created on first append) and
   * resolves its id. The entry is validated first: one the schema refuses is
   * a `ValidationError` and nothing is written. Trims to about `maxLen` and
   * refreshes `ttlMs` in the same round trip.
   */
  async append(logId: string, entry: InferInput<S>): Promise<string> {
    this.assertOpen();
    const key = this.#key(logId);
    const data = await this.#entries.encode(logId, entry);
    return this.#call('write', () => this.#backend.append(key, data, this.#options.maxLen, this.#options.ttlMs));
  }

  /**
   * Entries of `logId` between `after` and `before` (both exclusive), oldest
   * first, at most `limit`. Page forward by passing the last id as the next
   * `after`. A missing log is empty. Rejects with `ValidationError` when a
   * stored entry no longer matches the schema.
   */
  async range(logId: string, options: LogRangeOptions): Promise<LogEntry<InferOutput<S>>[]> {
    this.assertOpen();
    const key = this.#key(logId);
    const { after, before, limit } = checkRange(options);
    const raws = await this.#call('read', () => this.#backend.range(key, { after, before }, limit));
    return Promise.all(raws.map((raw) => this.#entries.decode(logId, raw)));
  }

  /**
   * The newest `n` entries of `logId` (1 to 10,000), returned oldest first
   * (read with XREVRANGE, then reversed), so they display in order. To go on
   * with what arrives next, follow with `after` set to the last one's id.
   */
  async latest(logId: string, n: number): Promise<LogEntry<InferOutput<S>>[]> {
    this.assertOpen();
    const key = this.#key(logId);
    const count = checkCount('latest(logId, n): n', n);
    const raws = await this.#call('read', () => this.#backend.reverseRange(key, {}, count));
    const entries = await Promise.all(raws.map((raw) => this.#entries.decode(logId, raw)));
    return entries.reverse();
  }

  /**
   * New entries of `logId` as they are appended, by any process:
   * `for await (const entry of log.follow('room-1', { after }))`. See
   * {@link LogFollower} for how it ends, waits out an outage, and fails.
   * Each follow holds one leased connection while it lives (count them into
   * `REDIS_MAX_CONNECTIONS`). Ending one wakes its waiting XREAD with
   * CLIENT UNBLOCK, so the connection is reused; where that cannot be done
   * (ACL, not standalone, Redis down, the client closing) the connection is
   * replaced instead.
   */
  follow(logId: string, options: LogFollowOptions = {}): LogFollower<InferOutput<S>> {
    this.assertOpen();
    const key = this.#key(logId);
    const settings = resolveOptions('log.follow', followSchema, options);
    const after = settings.after === undefined ? undefined : checkEntryId('follow(): after', settings.after);
    const redis = this.#redis;
    let follower: FollowIterator<InferOutput<S>> | undefined;
    const retry = new ReconnectStrategy({
      capMs: redis.options.retryMaxDelayMs,
      probeIntervalMs: redis.options.breakerProbeIntervalMs,
      isClosed: () => redis.closed || this.closed || follower?.closed === true,
      isBreakerOpen: () => redis.isUnavailable,
    });
    follower = new FollowIterator<InferOutput<S>>(
      {
        backend: this.#backend,
        key,
        decode: (raw) => this.#entries.decode(logId, raw),
        retry,
        ended: (ended) => this.#followers.delete(ended),
      },
      { after, signal: settings.signal, blockMs: settings.blockMs, batchSize: settings.batchSize },
    );
    if (!follower.closed) this.#followers.add(follower);
    return follower;
  }

  /** Follows open now (each holds a lease while it reads). */
  get following(): number {
    return this.#followers.size;
  }

  protected async onClose(): Promise<void> {
    await this.#endFollowers();
    this.#unregister();
  }

  protected onDestroy(error: Error): void {
    for (const follower of this.#followers) follower.destroy(error);
    this.#followers.clear();
    this.#unregister();
  }

  async #endFollowers(): Promise<void> {
    await Promise.all([...this.#followers].map((follower) => follower.end()));
  }

  #key(logId: string): string {
    if (typeof logId !== 'string' || logId.length === 0 || logId.length > MAX_ID_LENGTH) {
      throw new InvalidArgumentError(`a log id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    }
    return this.#prefix + encodeKeyPart(logId);
  }

  /** Runs a Redis operation; "Redis cannot be reached", in whichever form it came, is a RedisUnavailableError. */
  async #call<T>(effect: RepositoryEffect, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw unavailableError(error, `message log ${quote(this.namespace)}`, effect);
    }
  }
}

function checkRange(options: LogRangeOptions): { after: string | undefined; before: string | undefined; limit: number } {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('range(logId, options): options must be an object with a limit');
  const after = options.after === undefined ? undefined : checkEntryId('range(): after', options.after);
  const before = options.before === undefined ? undefined : checkEntryId('range(): before', options.before);
  return { after, before, limit: checkCount('range(): limit', options.limit) };
}

function checkCount(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_READ) return value;
  throw new InvalidArgumentError(`${name} must be an integer from 1 to ${MAX_READ.toLocaleString('en-US')}, got ${String(value)}`);
}

/** A message log on `redis`; see {@link MessageLog} and {@link MessageLogOptions}. Same as `redis.log(options)`. */
export function createMessageLog<S extends StandardSchemaV1>(redis: RedisClient, options: MessageLogOptions<S>): MessageLog<S> {
  return new MessageLog<S>(redis, options);
}
