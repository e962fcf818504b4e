import type { RedisClient } from '../client/client.js';
import { kOwnResource } from '../client/internal.js';
import { InvalidArgumentError, RedisUnavailableError } from '../errors.js';
import { Availability } from '../fallback/availability.js';
import { FallbackPolicy } from '../fallback/fallback-policy.js';
import { callSafely } from '../lifecycle/call-safely.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { canonicalKeyPartId, encodeKeyPart } from '../keys/key-encoding.js';
import type { SessionBackend } from './backend.js';
import { decodeSession, encodeSession } from './codec.js';
import { MemorySessionBackend } from './memory-backend.js';
import { type ResolvedSessionOptions, resolveSessionOptions, type SessionStoreOptions } from './options.js';
import { RedisSessionBackend } from './redis-backend.js';
import { sessionTtlMs } from './ttl.js';
import type { SessionData } from './types.js';

/** Longest session id accepted. Framework ids are 24–32 characters; anything far longer is not one of ours. */
const MAX_ID_LENGTH = 512;

export interface SessionStoreEvents {
  /** The store now serves sessions from process memory (`fallback: 'memory'` only). */
  fallback: [error: Error];
  /** Redis has been reachable for `recoverAfterMs`: the store uses it again. */
  recovered: [];
}

/**
 * Sessions in Redis, one key per session (`<prefix><encoded id>`), each
 * expiring with its cookie. Promise-based; the framework adapters
 * (`expressSessionStore`, `fastifySessionStore`) wrap it in their callback
 * interfaces.
 *
 * Session ids arrive in cookies and are untrusted: they are encoded with
 * `encodeKeyPart`, so an id can neither leave the namespace nor act as a
 * SCAN pattern. An id that is empty, not a string, or longer than 512
 * characters is never looked up: `get` misses, `touch` and `destroy` do
 * nothing, `set` rejects with `InvalidArgumentError`.
 *
 * Lifecycle as every service: `close()`, `destroy(error?)`, `await using`;
 * after either, every method rejects with `ClosedError`. (Deleting one
 * session is `delete(id)`: `destroy` is the store's own end.)
 */
export class SessionStore<Data extends SessionData = SessionData> extends Lifecycle<SessionStoreEvents> {
  /** The namespace in front of every session id. */
  readonly prefix: string;
  readonly #options: ResolvedSessionOptions;
  readonly #redis: SessionBackend;
  readonly #memory: MemorySessionBackend | undefined;
  readonly #availability: Availability | undefined;
  readonly #policy: FallbackPolicy;
  readonly #unregister: () => void;
  /** Whether `onFallback` has been told about the current outage (reset when Redis is back). */
  #fallbackReported = false;
  /** Why the store went to memory, for `onFallback`. */
  #lastOutage: Error | undefined;

  constructor(redis: RedisClient, options: SessionStoreOptions = {}) {
    super();
    this.#options = resolveSessionOptions(options);
    this.prefix = this.#options.prefix;
    this.#redis = new RedisSessionBackend(redis);
    this.#policy = new FallbackPolicy(this.#options.fallback === 'memory', { onFallback: (error) => this.#reportFallback(error) });
    if (this.#options.fallback === 'memory') {
      this.#memory = new MemorySessionBackend({ max: this.#options.fallbackMaxSessions, now: this.#options.now });
      const memoryMode = redis.options.mode === 'memory';
      this.#availability = new Availability(redis, { recoverAfterMs: this.#options.recoverAfterMs, memoryMode });
      if (memoryMode) {
        this.#lastOutage = new RedisUnavailableError('REDIS_URL is memory://: there is no Redis server');
      }
      this.#availability.on('fallback', (error) => {
        this.#lastOutage = error;
        this.emit('fallback', error);
      });
      this.#availability.on('recovered', () => {
        this.#fallbackReported = false;
        this.emit('recovered');
      });
    }
    // The client closes the store with itself; a store closed first unregisters.
    this.#unregister = redis[kOwnResource](this);
  }

  /** True while sessions are served from process memory (`fallback: 'memory'` only). */
  get usingFallback(): boolean {
    return this.#availability?.usingFallback ?? false;
  }

  /** The session stored under `id`, or `undefined`. Rejects with `SessionDecodeError` when the stored blob is not a session. */
  async get(id: string): Promise<Data | undefined> {
    this.assertOpen();
    if (!isUsableId(id)) return undefined;
    const text = await this.#run((backend) => backend.get(this.#key(id)));
    return text === undefined ? undefined : decodeSession<Data>(this.#options.serializer, text, this.prefix);
  }

  /**
   * Stores `session` under `id` for as long as its cookie lives (`expires`,
   * else `maxAge`, else `ttlMs`). A session whose cookie has already expired
   * is deleted instead.
   */
  async set(id: string, session: Data): Promise<void> {
    this.assertOpen();
    if (!isUsableId(id)) throw new InvalidArgumentError(`a session id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    const text = encodeSession(this.#options.serializer, session);
    const ttlMs = this.ttlMs(session);
    const key = this.#key(id);
    await this.#run((backend) => (ttlMs > 0 ? backend.set(key, text, ttlMs) : backend.delete([key]).then(() => undefined)));
  }

  /**
   * Rolling expiry: gives the stored session a new lifetime from `session`'s
   * cookie, without rewriting it. Resolves `false` when there was no such
   * session (expired, destroyed). A cookie that has expired deletes it.
   */
  async touch(id: string, session: Data): Promise<boolean> {
    this.assertOpen();
    if (!isUsableId(id)) return false;
    const ttlMs = this.ttlMs(session);
    const key = this.#key(id);
    return this.#run(async (backend) => (ttlMs > 0 ? backend.expire(key, ttlMs) : (await backend.delete([key])) > 0));
  }

  /** Deletes the session. Resolves whether it existed. */
  async delete(id: string): Promise<boolean> {
    this.assertOpen();
    if (!isUsableId(id)) return false;
    return this.#run(async (backend) => (await backend.delete([this.#key(id)])) > 0);
  }

  /**
   * Every session in this store's namespace, by id. SCANs (never KEYS), so
   * it is O(keys in the database) in small steps; meant for admin pages and
   * tests, not for request paths. Rejects with `SessionDecodeError` when a
   * stored blob is not a session.
   */
  async all(): Promise<Map<string, Data>> {
    return this.#run(async (backend) => {
      const sessions = new Map<string, Data>();
      for await (const batch of this.#scan(backend)) {
        const texts = await Promise.all(batch.map(([key]) => backend.get(key)));
        batch.forEach(([, id], i) => {
          const text = texts[i];
          // Gone between SCAN and GET: expired or destroyed meanwhile.
          if (text !== undefined) sessions.set(id, decodeSession<Data>(this.#options.serializer, text, this.prefix));
        });
      }
      return sessions;
    });
  }

  /** How many sessions this store holds (a SCAN of its namespace). */
  async length(): Promise<number> {
    return this.#run(async (backend) => {
      const ids = new Set<string>();
      for await (const batch of this.#scan(backend)) for (const [, id] of batch) ids.add(id);
      return ids.size;
    });
  }

  /** Deletes every session of this store (and nothing outside its namespace). Resolves how many there were. */
  async clear(): Promise<number> {
    return this.#run(async (backend) => {
      let deleted = 0;
      for await (const batch of this.#scan(backend)) deleted += await backend.delete(batch.map(([key]) => key));
      return deleted;
    });
  }

  /** The lifetime `set`/`touch` give `session`, in ms from now (≤ 0: already expired). */
  ttlMs(session: Data): number {
    return sessionTtlMs(session, this.#options.ttlMs, this.#options.now());
  }

  /** Stops following the client and unregisters from it. Sessions are left as they are. */
  protected async onClose(): Promise<void> {
    this.#release();
  }

  protected onDestroy(): void {
    this.#release();
  }

  #release(): void {
    this.#availability?.dispose();
    this.#unregister();
  }

  #key(id: string): string {
    return this.prefix + encodeKeyPart(id);
  }

  /** The store's keys (with their ids) among those SCAN finds under the prefix. */
  async *#scan(backend: SessionBackend): AsyncIterable<[key: string, id: string][]> {
    for await (const keys of backend.scan(this.prefix)) {
      const ours: [string, string][] = [];
      for (const key of keys) {
        const id = canonicalKeyPartId(key.slice(this.prefix.length));
        if (id !== undefined) ours.push([key, id]);
      }
      if (ours.length > 0) yield ours;
    }
  }

  /**
   * Runs `operation` on Redis, or on memory while the store is in fallback.
   * With `fallback: 'memory'`, an operation that fails because Redis cannot
   * be reached is run again on memory, before the breaker has even opened.
   */
  async #run<T>(operation: (backend: SessionBackend) => Promise<T>): Promise<T> {
    this.assertOpen();
    const memory = this.#memory;
    if (memory !== undefined && this.#availability?.usingFallback) {
      this.#reportFallback(this.#lastOutage ?? new RedisUnavailableError('Redis is unavailable'));
      return operation(memory);
    }
    // The policy only runs the memory path when there is one (fallback: 'memory').
    return this.#policy.run(
      () => operation(this.#redis),
      () => operation(memory ?? this.#redis),
    );
  }

  #reportFallback(error: Error): void {
    if (this.#fallbackReported) return;
    this.#fallbackReported = true;
    // A throwing logger must not fail the session operation.
    callSafely(() => this.#options.onFallback(error));
  }
}

function isUsableId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

/** A session store on `redis`; see {@link SessionStore} and {@link SessionStoreOptions}. */
export function createSessionStore<Data extends SessionData = SessionData>(
  redis: RedisClient,
  options?: SessionStoreOptions,
): SessionStore<Data> {
  return new SessionStore<Data>(redis, options);
}
