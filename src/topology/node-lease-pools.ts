import type { RedisKitError } from '../errors.js';
import type { Breaker } from '../pool/breaker.js';
import type { LeaseBreaker } from '../pool/connection-opener.js';
import { LeasePool, type LeasePoolOptions } from '../pool/lease-pool.js';
import type { PoolStats } from '../pool/pool-stats.js';
import type { ClusterClients } from './cluster-clients.js';
import type { ConnectionFactory } from './connection-factory.js';
import type { NodeBreakers } from './node-breakers.js';

/** A node's lease pool as `stats().connections.nodes[address].leasePool` reports it. */
export interface NodeLeasePoolFigures {
  /** Connections lent now. */
  active: number;
  /** Connections open and idle. */
  idle: number;
  /** Callers waiting for a lease on this node. */
  waiting: number;
  /** Connections being opened. */
  pendingCreates: number;
  /** The most this node's pool opens (`maxConnections`). */
  max: number;
}

export interface NodeLeasePoolsOptions {
  /** What every node's pool shares: sizing, timeouts, clock, deadlines, and one `stats` for them all (what `stats().pool` reports). */
  pool: Omit<LeasePoolOptions, 'factory' | 'breaker' | 'explainFailure' | 'stats'> & { stats: PoolStats };
  factory: ConnectionFactory;
  cluster: ClusterClients;
  /** The client-wide breaker: open, no node is asked. */
  breaker: Breaker;
  nodeBreakers: NodeBreakers;
}

/**
 * On a Cluster, one exclusive pool per primary for leases with a key
 * (`lease(key, fn)`, blocking commands, record transactions, a log's
 * follow): each pool's connections are plain connections to its node, so
 * `minConnections` / `maxConnections`, the acquire timeout, validation
 * after idle and the backoff between failed connects hold per node, and a
 * node that stops answering makes only the leases for its own slots wait or
 * fail (its breaker, in front of the client-wide one, is the pool's).
 *
 * A pool is made the first time its node is asked for (or, with
 * `minConnections` > 0, when maintenance sees the node in the slot map), and
 * closed once its node no longer serves any slot and nothing of it is lent.
 */
export class NodeLeasePools {
  readonly #options: NodeLeasePoolsOptions;
  readonly #pools = new Map<string, LeasePool>();
  #closing = false;

  constructor(options: NodeLeasePoolsOptions) {
    this.#options = options;
  }

  /** The pool of the primary that serves `slot` now; undefined before the slot map is known or once closing. */
  forSlot(slot: number): LeasePool | undefined {
    if (this.#closing) return undefined;
    const address = this.#options.cluster.ownerOf(slot);
    return address === undefined ? undefined : this.#poolFor(address);
  }

  /** Lent, idle, waiting and opening connections summed over the nodes. */
  get used(): number {
    return this.#sum((pool) => pool.used);
  }

  get free(): number {
    return this.#sum((pool) => pool.free);
  }

  get pendingAcquires(): number {
    return this.#sum((pool) => pool.pendingAcquires);
  }

  get pendingCreates(): number {
    return this.#sum((pool) => pool.pendingCreates);
  }

  /** Opens `minConnections` on every primary of the slot map; rejects with the first failure. */
  async warm(): Promise<void> {
    if (this.#options.pool.min === 0) return;
    const warmed = await Promise.allSettled(this.#primaries().map((address) => this.#poolFor(address).warm()));
    const failure = warmed.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  /**
   * Each pool's idle eviction and retirement; pools made for primaries that
   * have none yet (with `minConnections`); pools of nodes that lost their
   * slots closed once nothing of them is lent or waited for.
   */
  runMaintenance(): void {
    if (this.#closing) return;
    const primaries = this.#primaries();
    if (primaries.length === 0) {
      for (const pool of this.#pools.values()) pool.runMaintenance();
      return;
    }
    const serving = new Set(primaries);
    for (const [address, pool] of this.#pools) {
      if (serving.has(address)) pool.runMaintenance();
      else if (pool.used === 0 && pool.pendingAcquires === 0) {
        this.#pools.delete(address);
        void pool.close(false);
      }
    }
    // A primary with no pool yet (new, or promoted by a failover) gets one kept at minConnections.
    if (this.#options.pool.min > 0) {
      for (const address of primaries) if (!this.#pools.has(address)) this.#poolFor(address).runMaintenance();
    }
  }

  /** Stops lending on every node; resolves when every lease is back. */
  async drain(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#pools.values()].map((pool) => pool.drain()));
  }

  /** Closes every node's pool; `force` also fails waiters and drops lent connections. */
  async close(force: boolean): Promise<void> {
    this.#closing = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close(force)));
  }

  /** Each node's pool, by `host:port`. */
  perNode(): Record<string, NodeLeasePoolFigures> {
    const result: Record<string, NodeLeasePoolFigures> = {};
    for (const [address, pool] of this.#pools) {
      result[address] = {
        active: pool.used,
        idle: pool.free,
        waiting: pool.pendingAcquires,
        pendingCreates: pool.pendingCreates,
        max: pool.max,
      };
    }
    return result;
  }

  #primaries(): string[] {
    return this.#options.cluster.primaries().map((primary) => primary.address);
  }

  #sum(figure: (pool: LeasePool) => number): number {
    let total = 0;
    for (const pool of this.#pools.values()) total += figure(pool);
    return total;
  }

  #poolFor(address: string): LeasePool {
    const existing = this.#pools.get(address);
    if (existing !== undefined) return existing;
    const { factory, nodeBreakers, breaker } = this.#options;
    const target = `${factory.target} (node ${address})`;
    const pool = new LeasePool({
      ...this.#options.pool,
      factory: { target, createSeam: () => factory.createOnNode('lease', address, null) },
      breaker: nodeBreaker(address, nodeBreakers, breaker),
    });
    this.#pools.set(address, pool);
    return pool;
  }
}

/**
 * A node pool's breaker: the node's own, in front of the client-wide one.
 * Connect failures count against the node only (one node down must not make
 * the whole client unavailable); the client-wide breaker opening (no node
 * answers) still stops every pool.
 */
function nodeBreaker(address: string, nodes: NodeBreakers, client: Breaker): LeaseBreaker {
  return {
    get isOpen() {
      return client.isOpen || nodes.isOpen(address);
    },
    rejection: (target: string) => (nodes.isOpen(address) ? nodes.rejection(address) : client.rejection(target)),
    recordFailure: (error: RedisKitError) => nodes.recordFailure(address, error),
    recordSuccess: () => nodes.recordSuccess(address),
  };
}
