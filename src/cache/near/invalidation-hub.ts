import { classifyError } from '../../engine/classify-error.js';
import type { RedisClient } from '../../client/client.js';
import { kOwnResource } from '../../client/internal.js';
import { Heartbeat } from './heartbeat.js';
import { INVALIDATION_CHANNEL } from '../../engine/engine.js';
import { type InvalidationConnection, openInvalidationConnection } from './invalidation-connection.js';
import { ReconnectStrategy } from '../../pool/reconnect-strategy.js';
import { type InvalidationListener, InvalidationRegistry } from './invalidation-registry.js';

export type { InvalidationListener } from './invalidation-registry.js';

/**
 * - `down`: no connection, or one without tracking yet;
 * - `establishing`: connected, CLIENT TRACKING and SUBSCRIBE under way;
 * - `live`: invalidations flow, the near-caches may serve;
 * - `suspect`: a heartbeat PING went unanswered: bypassed until it is answered;
 * - `closed`: the client closed.
 */
type HubState = 'down' | 'establishing' | 'live' | 'suspect' | 'closed';

const hubs = new WeakMap<RedisClient, InvalidationHub>();

/**
 * The one invalidation connection of a client, shared by all its near-caches.
 * It enables `CLIENT TRACKING on REDIRECT <own id> BCAST PREFIX …` for every
 * registered prefix (broadcasting mode: invalidations do not depend on which
 * connection read a key, so reads may use any lane), subscribes to
 * `__redis__:invalidate`, and hands each invalidated key to the near-cache
 * whose prefix it carries.
 *
 * A near-cache may serve only while the hub is `live`; on every state change
 * listeners are reset (flushed) first, so nothing cached before a gap in the
 * invalidation stream is served after it.
 */
export class InvalidationHub {
  readonly transport = 'invalidation-connection';
  readonly #redis: RedisClient;
  readonly #keyPrefix: string;
  readonly #registrations: InvalidationRegistry;
  #connection: InvalidationConnection | undefined;
  #state: HubState = 'down';
  #subscribed = false;
  /** Bumped by each setup and each loss, so a setup overtaken by events does not declare itself live. */
  #setupGeneration = 0;
  #setup: Promise<void> = Promise.resolve();
  readonly #heartbeat: Heartbeat;
  #reopenTimer: NodeJS.Timeout | undefined;
  readonly #reconnect: ReconnectStrategy;
  /** Takes the hub off the client's resources; set while near-caches use it. */
  #unregister: (() => void) | undefined;
  /** The last error seen (connect, setup, ping), for diagnostics. */
  lastError: unknown;

  /** The hub of `redis`, created on first use. It is registered on the client while near-caches use it. */
  static of(redis: RedisClient): InvalidationHub {
    let hub = hubs.get(redis);
    if (hub === undefined) {
      hub = new InvalidationHub(redis);
      hubs.set(redis, hub);
    }
    return hub;
  }

  /**
   * A hub of its own on the cluster node at `node` (one per primary, kept by
   * ClusterInvalidationHub); not shared through {@link of}.
   */
  static forNode(redis: RedisClient, node: string): InvalidationHub {
    return new InvalidationHub(redis, node);
  }

  readonly #node: string | undefined;

  private constructor(redis: RedisClient, node?: string) {
    this.#redis = redis;
    this.#node = node;
    this.#keyPrefix = redis.options.keyPrefix;
    this.#registrations = new InvalidationRegistry(this.#keyPrefix);
    this.#reconnect = new ReconnectStrategy({
      capMs: redis.options.retryMaxDelayMs,
      probeIntervalMs: redis.options.breakerProbeIntervalMs,
      isClosed: () => this.#state === 'closed',
      isBreakerOpen: () => redis.isUnavailable,
      authRefused: () => this.#connection?.engine.authError !== undefined,
    });
    this.#heartbeat = new Heartbeat({
      // Only a connection that carries invalidations needs watching.
      ping: () =>
        (this.#state === 'live' || this.#state === 'suspect') && this.#connection !== undefined
          ? this.#connection.engine.send('ping', [])
          : Promise.resolve(),
      // Suspect: flushed and bypassed until the PING is answered.
      missed: () => {
        if (this.#state === 'live') this.#transition('suspect');
      },
      answered: () => {
        if (this.#state === 'suspect') this.#transition('live');
      },
      failed: (error) => {
        this.lastError = error;
      },
    });
  }

  get live(): boolean {
    return this.#state === 'live';
  }

  get state(): HubState {
    return this.#state;
  }

  /**
   * Starts delivering invalidations of keys starting with `prefix` (without
   * the client's key prefix) to `listener`. Returns the function that stops it.
   */
  register(prefix: string, listener: InvalidationListener, heartbeatMs: number): () => void {
    if (this.#state === 'closed') return () => undefined;
    // Closed with the client while in use; unregistered when the last near-cache leaves, so none is left behind.
    this.#unregister ??= this.#redis[kOwnResource]({ close: () => this.close(), destroy: () => this.destroy() });
    // A closing client closes what registers at once.
    if (this.#isClosed()) return () => undefined;
    const { isNewPrefix, remove } = this.#registrations.add(prefix, listener, heartbeatMs);
    this.#updateHeartbeat();
    if (this.#connection === undefined) this.#open();
    else if (isNewPrefix && this.#connection.engine.isReady) this.#scheduleSetup();
    return () => {
      if (!remove().prefixGone) {
        this.#updateHeartbeat();
        return;
      }
      if (this.#registrations.size === 0) {
        void this.#shutdown(false);
        this.#unregister?.();
        this.#unregister = undefined;
      } else if (this.#connection?.engine.isReady) this.#scheduleSetup();
      this.#updateHeartbeat();
    };
  }

  close(): Promise<void> {
    return this.#shutdown(false, true);
  }

  destroy(): void {
    void this.#shutdown(true, true);
  }

  #open(): void {
    const config = this.#redis.options;
    const connection = openInvalidationConnection(this.#redis, this.#reconnect.retryStrategy, this.#node);
    this.#connection = connection;
    const engine = connection.engine;
    // Events of a connection the hub has since replaced or shut down are ignored.
    const current = (): boolean => this.#connection === connection;
    engine.on('ready', () => {
      if (!current()) return;
      this.#reconnect.reset();
      this.#scheduleSetup();
    });
    engine.on('lost', (error) => {
      if (current()) this.#lost(error);
    });
    engine.on('connectFailed', (error) => {
      if (current()) this.#lost(error);
    });
    engine.on('end', () => {
      if (!current()) return;
      this.#lost(this.lastError);
      // A connect that timed out ends the engine for good: open a new one later.
      this.#connection = undefined;
      this.#reopenLater();
    });
    connection.onInvalidate((keys) => {
      if (current()) this.#registrations.dispatch(keys);
    });
    engine.connect(config.connectTimeoutMs).catch((error: unknown) => {
      // 'connectFailed' / 'end' above already moved the hub to `down`; keep the reason.
      this.lastError = error;
    });
  }

  #reopenLater(): void {
    if (this.#registrations.size === 0) return;
    const delay = this.#reconnect.next() ?? 0;
    clearTimeout(this.#reopenTimer);
    this.#reopenTimer = setTimeout(() => {
      if (this.#state !== 'closed' && this.#connection === undefined && this.#registrations.size > 0) this.#open();
    }, delay);
    this.#reopenTimer.unref();
  }

  #scheduleSetup(): void {
    const generation = ++this.#setupGeneration;
    this.#setup = this.#setup
      .then(() => this.#establish(generation))
      .catch((error: unknown) => {
        // #establish handles command errors itself; this is a bug guard that keeps the chain alive.
        this.lastError = error;
        queueMicrotask(() => {
          throw error;
        });
      });
  }

  async #establish(generation: number): Promise<void> {
    const engine = this.#connection?.engine;
    if (engine === undefined || generation !== this.#setupGeneration || this.#state === 'closed') return;
    this.#transition('establishing');
    try {
      if (this.#subscribed) {
        // RESP2 accepts only (UN)SUBSCRIBE and PING while subscribed: leave to change tracking.
        await engine.send('unsubscribe', [INVALIDATION_CHANNEL]);
        this.#subscribed = false;
        await engine.send('client', ['TRACKING', 'OFF']);
      }
      if (this.#registrations.size === 0) return;
      const id = await engine.send('client', ['ID']);
      const prefixes = [...this.#registrations.prefixes()].flatMap((prefix) => ['PREFIX', this.#keyPrefix + prefix]);
      await engine.send('client', ['TRACKING', 'ON', 'REDIRECT', id, 'BCAST', ...prefixes]);
      await engine.send('subscribe', [INVALIDATION_CHANNEL]);
      this.#subscribed = true;
    } catch (raw) {
      // The engine hands back the protocol library's error: give callers a typed one (NOPERM → NoPermissionError …).
      const error = classifyError(raw, 'client tracking');
      this.lastError = error;
      if (generation !== this.#setupGeneration || this.#isClosed()) return;
      this.#transition('down');
      // A connection problem brings a new 'ready' and a new setup. An error reply
      // (no CLIENT permission, a server without tracking) would repeat: report it.
      if (engine.isReady) this.#registrations.failed(error);
      return;
    }
    if (generation !== this.#setupGeneration || this.#state !== 'establishing') return;
    this.#heartbeat.reset();
    this.#transition('live');
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #lost(error: unknown): void {
    if (error !== undefined) this.lastError = error;
    this.#subscribed = false;
    this.#heartbeat.reset();
    if (this.#state === 'closed') return;
    // A setup still running for the old connection must not declare the new one live.
    this.#setupGeneration++;
    this.#transition('down');
  }

  #transition(to: HubState): void {
    const from = this.#state;
    this.#state = to;
    // Flush first, on every change: whatever was cached before a gap in the
    // invalidation stream must not be served after it.
    this.#registrations.resetAll((from === 'live') !== (to === 'live') ? to === 'live' : undefined);
  }

  #updateHeartbeat(): void {
    this.#heartbeat.setInterval(this.#state === 'closed' ? 0 : this.#registrations.heartbeatMs());
  }

  async #shutdown(force: boolean, final = false): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    clearTimeout(this.#reopenTimer);
    this.#setupGeneration++;
    if (final) {
      this.#heartbeat.stop();
      this.#transition('closed');
    } else {
      this.#transition('down');
    }
    this.#subscribed = false;
    this.#heartbeat.reset();
    if (connection === undefined) return;
    if (force) connection.engine.destroy();
    else await connection.engine.quit();
  }
}
