import { type Cache, type CacheOptions, createCache } from '../cache/index.js';
import { RedisClient } from './client.js';
import {
  createPubSub,
  type MessageIterator,
  type MessagesOptions,
  type PubSub,
  type MessageHandler,
  type Subscription,
  type Topics,
} from '../pubsub/index.js';
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from '../rate-limit/index.js';
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '../session/index.js';

/**
 * The services, created from the client (`redis.cache(…)`, `redis.sessions(…)`,
 * `redis.rateLimiter(…)`, `redis.subscribe(…)`). They live here rather than in
 * client.ts so the client never imports the services built on it; importing
 * the package entry point installs them.
 */
declare module './client.js' {
  interface RedisClient {
    /** A cache namespace on this client; see `CacheOptions`. Same as `createCache(redis, options)`. */
    cache<V = unknown>(options?: CacheOptions<V>): Cache<V>;
    /** A session store on this client; see `SessionStoreOptions`. Same as `createSessionStore(redis, options)`. */
    sessions(options?: SessionStoreOptions): SessionStore;
    /** A rate limiter on this client; see `RateLimiterOptions`. Same as `createRateLimiter(redis, options)`. */
    rateLimiter(options: RateLimiterOptions): RateLimiter;
    /**
     * Subscribes `handler` to channels (a string or an array: always literal
     * names) or patterns (`{ patterns: [...] }`) on the client's one shared
     * subscriber connection. For options, use `createPubSub(redis, options)`.
     */
    subscribe(topics: Topics, handler: MessageHandler): Promise<Subscription>;
    /** `for await (const message of redis.messages('progress:42'))`; ends on `break`, dispose or close. */
    messages(topics: Topics, options?: MessagesOptions): MessageIterator;
  }
}

/** One PubSub (and so one subscriber connection) per client, made on first use. */
const shared = new WeakMap<RedisClient, PubSub>();

function pubsubOf(redis: RedisClient): PubSub {
  let pubsub = shared.get(redis);
  if (pubsub === undefined) {
    pubsub = createPubSub(redis);
    shared.set(redis, pubsub);
  }
  return pubsub;
}

const commandPublish = (RedisClient.prototype as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish;

Object.assign(RedisClient.prototype, {
  cache<V>(this: RedisClient, options?: CacheOptions<V>): Cache<V> {
    return createCache<V>(this, options);
  },
  sessions(this: RedisClient, options?: SessionStoreOptions): SessionStore {
    return createSessionStore(this, options);
  },
  rateLimiter(this: RedisClient, options: RateLimiterOptions): RateLimiter {
    return createRateLimiter(this, options);
  },
  subscribe(this: RedisClient, topics: Topics, handler: MessageHandler): Promise<Subscription> {
    return pubsubOf(this).subscribe(topics, handler);
  },
  messages(this: RedisClient, topics: Topics, options?: MessagesOptions): MessageIterator {
    return pubsubOf(this).messages(topics, options);
  },
  // PUBLISH goes over the lanes; with memory:// it reaches the in-process bus,
  // so a first run with no Redis still delivers messages within the process.
  publish(this: RedisClient, ...args: unknown[]): Promise<number> {
    if (this.options.mode === 'memory') return pubsubOf(this).publish(String(args[0]), args[1] as string | Buffer);
    return commandPublish.apply(this, args);
  },
});
