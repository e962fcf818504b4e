import { type Cache, type CacheOptions, createCache } from '../cache/index.js';
import { RedisClient } from '../client/client.js';
import type { CreateRedisOptions, SendOptions } from '../client/types.js';
import { InvalidArgumentError } from '../errors.js';
import { publishInProcess } from '../pubsub/memory-bus.js';
import {
  createPubSub,
  type MessageHandler,
  type MessageIterator,
  type MessagesOptions,
  type PubSub,
  type PubSubOptions,
  type Subscription,
  type Topics,
} from '../pubsub/index.js';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../rate-limit/index.js';
import { createMessageLog, type MessageLog, type MessageLogOptions } from '../repositories/logs/index.js';
import { createRepository, type FieldOf, type Repository, type RepositoryOptions } from '../repositories/records/index.js';
import type { StandardSchemaV1 } from '../repositories/standard-schema.js';
import { createSessionStore, type SessionData, type SessionStore, type SessionStoreOptions } from '../session/index.js';

/**
 * The client with its services: `redis.cache()`, `redis.sessions()`,
 * `redis.rateLimiter()`, `redis.repository()`, `redis.log()`, `redis.pubSub()`,
 * `redis.subscribe()`, `redis.messages()`. It lives here, beside the services, so the core
 * client (`RedisClient`) never imports what is built on it, and the types
 * say exactly what the object can do: no prototype patching, no cast.
 *
 * Every service created here is one of the client's: it closes with the
 * client, and closing it first unregisters it (see the README's lifecycle).
 */
export class RedisKit extends RedisClient {
  /** The client's shared PubSub behind subscribe()/messages(), made on first use. */
  #pubsub: PubSub | undefined;

  /** A cache namespace on this client; see `CacheOptions`. Same as `createCache(redis, options)`. */
  cache<V = unknown>(options?: CacheOptions<V>): Cache<V> {
    return createCache<V>(this, options);
  }

  /** A session store on this client; see `SessionStoreOptions`. Same as `createSessionStore(redis, options)`. */
  sessions<Data extends SessionData = SessionData>(options?: SessionStoreOptions): SessionStore<Data> {
    return createSessionStore<Data>(this, options);
  }

  /** A rate limiter on this client; see `RateLimiterOptions`. Same as `createRateLimiter(redis, options)`. */
  rateLimiter(options: RateLimiterOptions): RateLimiter {
    return createRateLimiter(this, options);
  }

  /**
   * Typed records on this client, validated by `options.schema` (any
   * Standard Schema: zod, valibot, arktype), the record type inferred from
   * it; see `RepositoryOptions`. Same as `createRepository(redis, options)`.
   */
  repository<S extends StandardSchemaV1, const U extends FieldOf<S> = never>(options: RepositoryOptions<S, U>): Repository<S, U> {
    return createRepository<S, U>(this, options);
  }

  /**
   * Message logs on Redis Streams, entries typed and validated by
   * `options.schema`; see `MessageLogOptions`. Same as
   * `createMessageLog(redis, options)`.
   */
  log<S extends StandardSchemaV1>(options: MessageLogOptions<S>): MessageLog<S> {
    return createMessageLog<S>(this, options);
  }

  /**
   * A pub/sub handle on this client; same as `createPubSub(redis, options)`.
   * (Spelt `pubSub`: `redis.pubsub(…)` is Redis's PUBSUB command.)
   * It shares the client's one subscriber connection unless
   * `options.dedicated` is true; closing it ends only its own subscriptions.
   */
  pubSub(options?: PubSubOptions): PubSub {
    return createPubSub(this, options);
  }

  /**
   * Subscribes `handler` to channels (a string or an array: always literal
   * names) or patterns (`{ patterns: [...] }`) on the client's one shared
   * subscriber connection. For options, use `redis.pubSub(options)`.
   */
  subscribe(topics: Topics, handler: MessageHandler): Promise<Subscription> {
    return this.#sharedPubSub().subscribe(topics, handler);
  }

  /** `for await (const message of redis.messages('progress:42'))`; ends on `break`, dispose or close. */
  messages(topics: Topics, options?: MessagesOptions): MessageIterator {
    return this.#sharedPubSub().messages(topics, options);
  }

  /**
   * As {@link RedisClient.sendCommand}, except PUBLISH with `memory://`: it
   * reaches the in-process bus, so a first run with no Redis still delivers
   * messages within the process.
   */
  override sendCommand(name: string, args: unknown[], options?: SendOptions): Promise<unknown> {
    if (this.options.mode === 'memory' && name.toLowerCase() === 'publish') return publishInMemory(args);
    return super.sendCommand(name, args, options);
  }

  #sharedPubSub(): PubSub {
    // A closed handle (the client closing, or a caller who closed it) is replaced: the next user gets a working one,
    // or, once the client is closed, the ClosedError the new handle raises.
    this.#pubsub ??= createPubSub(this);
    return this.#pubsub;
  }
}

function publishInMemory(args: unknown[]): Promise<number> {
  const [channel, message] = args;
  if (typeof channel !== 'string' || (typeof message !== 'string' && !Buffer.isBuffer(message))) {
    return Promise.reject(new InvalidArgumentError('publish(channel, message): a string channel and a string or Buffer message'));
  }
  return Promise.resolve(publishInProcess(channel, message));
}

/** Creates a client from the environment and `options` (which win), with its services. Nothing connects until first use or `connect()`. */
export function createRedis(options?: CreateRedisOptions): RedisKit {
  return new RedisKit(options);
}
