import type { RedisClient } from '../../client/client.js';
import { kConnectionFactory } from '../../client/internal.js';
import type { ClusterClients } from '../../topology/cluster-clients.js';
import { InvalidationHub, type InvalidationListener } from './invalidation-hub.js';
import { LaneInvalidationHub } from './lane-invalidation-hub.js';

/** What a near-cache needs from its hub, on one server or on a cluster. */
export interface NearCacheHub {
  readonly live: boolean;
  /**
   * Where invalidations arrive: `'lanes'`, as RESP3 pushes on the lanes that
   * read the keys (own engine, standalone); `'invalidation-connection'`, on
   * a RESP2 connection of their own per server (ioredis, Sentinel, Cluster).
   */
  readonly transport: 'lanes' | 'invalidation-connection';
  register(prefix: string, listener: InvalidationListener, heartbeatMs: number): () => void;
}

/** How often the set of primaries is compared with the per-node hubs (and, while not live, the slot map read again). */
const WATCH_INTERVAL_MS = 500;

interface Registration {
  readonly prefix: string;
  readonly heartbeatMs: number;
  readonly listener: InvalidationListener;
  /** What the per-node hubs relay to; live changes are decided here, across nodes. */
  readonly relay: InvalidationListener;
  /** address → unregister from that node's hub. */
  readonly leaves: Map<string, () => void>;
}

const hubs = new WeakMap<RedisClient, ClusterInvalidationHub>();

/**
 * The near-cache's hub of `redis`: on the own engine's lanes (standalone,
 * `engine: 'resp'`); else one tracking connection, on a cluster one per
 * primary. The lanes of Sentinel, Cluster and `engine: 'ioredis'` are on
 * ioredis, which drops RESP3 push frames, hence the connection of its own there.
 */
export function nearCacheHub(redis: RedisClient): NearCacheHub {
  const factory = redis[kConnectionFactory];
  const cluster = factory?.cluster;
  if (cluster === undefined) {
    const lanes = factory?.respLanes ?? [];
    return lanes.length > 0 ? LaneInvalidationHub.of(redis, lanes) : InvalidationHub.of(redis);
  }
  let hub = hubs.get(redis);
  if (hub === undefined) {
    hub = new ClusterInvalidationHub(redis, cluster);
    hubs.set(redis, hub);
  }
  return hub;
}

/**
 * Client-side caching on a cluster: BCAST tracking is per node, and a
 * prefix's keys are on every primary, so each primary gets an invalidation
 * hub (its own connection, `CLIENT TRACKING … REDIRECT … BCAST PREFIX …`).
 * The near-caches may serve only while every primary's hub is live. The set
 * of primaries is watched: when one is lost or a replica is promoted, the
 * hub of the old address is dropped and one for the new primary made; every
 * such change flushes the near-caches (each per-node hub flushes on its own
 * state changes, and this one on the combined one), so nothing cached
 * before a gap in any node's invalidations is served after it.
 */
export class ClusterInvalidationHub implements NearCacheHub {
  readonly transport = 'invalidation-connection';
  readonly #redis: RedisClient;
  readonly #cluster: ClusterClients;
  readonly #nodes = new Map<string, InvalidationHub>();
  readonly #registrations = new Set<Registration>();
  #live = false;
  #watch: NodeJS.Timeout | undefined;
  #reconciling = false;
  /** Why the last round could not read the slot map (Redis unreachable), for diagnostics. */
  lastError: unknown;

  constructor(redis: RedisClient, cluster: ClusterClients) {
    this.#redis = redis;
    this.#cluster = cluster;
  }

  get live(): boolean {
    return this.#live;
  }

  register(prefix: string, listener: InvalidationListener, heartbeatMs: number): () => void {
    const registration: Registration = {
      prefix,
      heartbeatMs,
      listener,
      leaves: new Map(),
      relay: {
        invalidate: (key) => listener.invalidate(key),
        reset: () => listener.reset(),
        liveChanged: () => this.#updateLive(),
        failed: (error) => listener.failed(error),
      },
    };
    this.#registrations.add(registration);
    for (const [address, hub] of this.#nodes) registration.leaves.set(address, hub.register(prefix, registration.relay, heartbeatMs));
    this.#startWatch();
    void this.#reconcile(false);
    return () => {
      if (!this.#registrations.delete(registration)) return;
      for (const leave of registration.leaves.values()) leave();
      registration.leaves.clear();
      if (this.#registrations.size === 0) {
        clearInterval(this.#watch);
        this.#watch = undefined;
        this.#nodes.clear();
        this.#live = false;
      }
    };
  }

  #startWatch(): void {
    if (this.#watch !== undefined) return;
    this.#watch = setInterval(() => void this.#reconcile(!this.#live), WATCH_INTERVAL_MS);
    this.#watch.unref();
  }

  /** Makes the per-node hubs match the primaries of the slot map (read again first when `refresh`). */
  async #reconcile(refresh: boolean): Promise<void> {
    if (this.#reconciling || this.#registrations.size === 0) return;
    this.#reconciling = true;
    try {
      // The slot map comes from a ready lane: a first command connects one.
      if (this.#cluster.current() === undefined) await this.#redis.sendCommand('ping', []);
      else if (refresh) await this.#cluster.refresh();
    } catch (error) {
      // Redis unreachable: the near-caches stay bypassed (the lanes report the
      // outage); the next round tries again.
      this.lastError = error;
    } finally {
      this.#reconciling = false;
    }
    if (this.#registrations.size === 0) return;
    const primaries = new Set(this.#cluster.primaries().map((primary) => primary.address));
    for (const address of primaries) {
      if (this.#nodes.has(address)) continue;
      const hub = InvalidationHub.forNode(this.#redis, address);
      this.#nodes.set(address, hub);
      for (const registration of this.#registrations) {
        registration.leaves.set(address, hub.register(registration.prefix, registration.relay, registration.heartbeatMs));
      }
    }
    for (const address of [...this.#nodes.keys()]) {
      if (primaries.has(address)) continue;
      // No longer a primary (lost, or demoted): its last registration leaving closes its connection.
      this.#nodes.delete(address);
      for (const registration of this.#registrations) {
        registration.leaves.get(address)?.();
        registration.leaves.delete(address);
      }
    }
    this.#updateLive();
  }

  #updateLive(): void {
    const live = this.#nodes.size > 0 && [...this.#nodes.values()].every((hub) => hub.live);
    if (live === this.#live) return;
    this.#live = live;
    for (const registration of this.#registrations) {
      registration.listener.reset();
      registration.listener.liveChanged(live);
    }
  }
}
