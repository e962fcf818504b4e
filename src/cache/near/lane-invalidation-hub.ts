import type { RedisClient } from '../../client/client.js';
import type { RespEngine } from '../../engine/resp-engine.js';
import { LaneTracking } from '../../engine/resp/lane-tracking.js';
import { Heartbeat } from './heartbeat.js';
import { type InvalidationListener, InvalidationRegistry } from './invalidation-registry.js';

interface TrackedLane {
  readonly tracking: LaneTracking;
  readonly heartbeat: Heartbeat;
  /** A heartbeat PING went unanswered: bypassed until it is answered. */
  suspect: boolean;
}

const hubs = new WeakMap<RedisClient, LaneInvalidationHub>();

/**
 * The near-caches' invalidations on the lanes themselves (own engine,
 * standalone; issue #8): each lane speaks RESP3 with `CLIENT TRACKING ON
 * OPTIN`, reads that may be kept send `CLIENT CACHING YES` right before
 * their GET on the same connection, and the server's `>invalidate` pushes
 * arrive on the connection that read the key, after that read's reply.
 * No connection of its own.
 *
 * Live (the near-caches may serve) while a near-cache is registered, at
 * least one lane is ready, every ready lane tracks, and none missed a
 * heartbeat. Every change of that, and every loss of a lane that tracked
 * (the keys read through it are no longer tracked), flushes the near-caches
 * first: the whole near-cache, not just what went through that lane, which
 * would cost a lane tag per entry for an event that reconnects anyway.
 */
export class LaneInvalidationHub {
  readonly transport = 'lanes';
  readonly #redis: RedisClient;
  readonly #registry: InvalidationRegistry;
  readonly #engines: readonly RespEngine[];
  #lanes: TrackedLane[] | undefined;
  #live = false;
  /** The last tracking refusal, for diagnostics. */
  lastError: unknown;

  /** The hub of `redis`, whose lanes are `engines` (the own engine's), made on first use. */
  static of(redis: RedisClient, engines: readonly RespEngine[]): LaneInvalidationHub {
    let hub = hubs.get(redis);
    if (hub === undefined) {
      hub = new LaneInvalidationHub(redis, engines);
      hubs.set(redis, hub);
    }
    return hub;
  }

  private constructor(redis: RedisClient, engines: readonly RespEngine[]) {
    this.#redis = redis;
    this.#registry = new InvalidationRegistry(redis.options.keyPrefix);
    this.#engines = engines;
  }

  get live(): boolean {
    return this.#live;
  }

  /** Delivers invalidations of keys starting with `prefix` (without the client's key prefix) to `listener`; returns the function that stops it. */
  register(prefix: string, listener: InvalidationListener, heartbeatMs: number): () => void {
    const { remove } = this.#registry.add(prefix, listener, heartbeatMs);
    const lanes = this.#trackedLanes();
    // OPTIN tracks keys, not prefixes: a new prefix needs nothing from the server.
    for (const lane of lanes) lane.tracking.enable();
    this.#updateHeartbeat();
    this.#update(false);
    // The lanes connect on a client's first command: a near-cache must not wait for one to become live.
    if (!this.#redis.closed && !lanes.some((lane) => lane.tracking.ready)) this.#redis.sendCommand('ping', []).catch(() => undefined);
    return () => {
      remove();
      if (this.#registry.size === 0) for (const lane of lanes) lane.tracking.disable();
      this.#updateHeartbeat();
      this.#update(false);
    };
  }

  #trackedLanes(): TrackedLane[] {
    if (this.#lanes !== undefined) return this.#lanes;
    const lanes: TrackedLane[] = [];
    for (const engine of this.#engines) {
      let lane: TrackedLane | undefined;
      const tracking = new LaneTracking(engine, {
        invalidated: (keys) => this.#registry.dispatch(keys),
        changed: () => this.#update(false),
        lost: () => {
          lane?.heartbeat.reset();
          if (lane !== undefined) lane.suspect = false;
          this.#update(true);
        },
        failed: (error) => {
          this.lastError = error;
          this.#registry.failed(error);
        },
      });
      const heartbeat = new Heartbeat({
        // Replies come in order: an answered PING means every push sent before it was handled.
        ping: () => (tracking.tracking ? engine.send('ping', []) : Promise.resolve()),
        missed: () => {
          if (lane === undefined) return;
          lane.suspect = true;
          this.#update(false);
        },
        answered: () => {
          if (lane === undefined) return;
          lane.suspect = false;
          this.#update(false);
        },
        failed: (error) => {
          // The lane failed under the PING; its close reports the loss.
          this.lastError = error;
        },
      });
      lane = { tracking, heartbeat, suspect: false };
      lanes.push(lane);
    }
    this.#lanes = lanes;
    return lanes;
  }

  /** Recomputes `live`; flushes the near-caches on a change of it, or always when `flush`. */
  #update(flush: boolean): void {
    const lanes = this.#lanes ?? [];
    let ready = 0;
    let allTrack = true;
    for (const lane of lanes) {
      if (!lane.tracking.ready) continue;
      ready++;
      if (!lane.tracking.tracking || lane.suspect) allTrack = false;
    }
    const live = this.#registry.size > 0 && ready > 0 && allTrack;
    const changed = live !== this.#live;
    this.#live = live;
    if (changed || flush) this.#registry.resetAll(changed ? live : undefined);
  }

  #updateHeartbeat(): void {
    const ms = this.#registry.heartbeatMs();
    for (const lane of this.#lanes ?? []) lane.heartbeat.setInterval(ms);
  }
}
