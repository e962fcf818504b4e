import { SlotMovedError } from '../errors.js';
import type { LeasePool } from '../pool/lease-pool.js';
import type { ClusterClients } from '../topology/cluster-clients.js';
import type { NodeLeasePools } from '../topology/node-lease-pools.js';
import type { LeaseTarget } from './run-lease.js';
import type { SlotCheck } from './slot-check.js';

/** Which pool a lease comes from, and (on a cluster) what it is pinned to. */
export interface LeaseRoute {
  pool: LeasePool;
  target?: LeaseTarget;
}

/** The cluster parts of {@link LeasePools}; absent outside a cluster. */
export interface ClusterLeaseParts {
  slotCheck: SlotCheck;
  cluster: ClusterClients;
  nodes: NodeLeasePools;
}

/**
 * The client's exclusive side: the pool every lease comes from outside a
 * cluster, and on a cluster that pool (for leases without a key, each a
 * cluster client) beside one pool per primary (for leases with a key). One
 * place decides which pool a lease takes, and warms, maintains, drains and
 * closes them all together.
 */
export class LeasePools {
  /** Leases without a key; every lease outside a cluster. */
  readonly pool: LeasePool;
  readonly #cluster: ClusterLeaseParts | undefined;

  constructor(pool: LeasePool, cluster: ClusterLeaseParts | undefined) {
    this.pool = pool;
    this.#cluster = cluster;
  }

  /** Cluster mode: each primary's pool, for leases with a key. */
  get nodes(): NodeLeasePools | undefined {
    return this.#cluster?.nodes;
  }

  /**
   * Where a lease for `key` comes from. Outside a cluster: the pool, as any
   * lease. On a cluster, pinned to the key's slot: from the pool of the node
   * that serves the slot (its connections are on that node already), or,
   * before the slot map is known, from the pool of cluster clients, holding
   * a ready connection to the slot's primary before the caller's function
   * runs.
   */
  route(key: string): LeaseRoute {
    const parts = this.#cluster;
    if (parts === undefined) return { pool: this.pool };
    const { slotCheck, cluster, nodes } = parts;
    const pin = slotCheck.pin(key);
    const nodePool = nodes.forSlot(pin.slot);
    if (nodePool !== undefined) {
      return {
        pool: nodePool,
        target: {
          pin,
          failed: (error) => {
            // The slot moved off this node: the next lease for it should find the new owner.
            if (error instanceof SlotMovedError) void cluster.refresh();
          },
        },
      };
    }
    return {
      pool: this.pool,
      target: {
        pin,
        prepare: async (connection, timeoutMs) => {
          await cluster.connectSlotNode(connection.engine, pin.slot, timeoutMs);
        },
      },
    };
  }

  /** Opens `minConnections`: on a cluster on every primary, which needs the slot map (connect the lanes first). */
  async warm(): Promise<void> {
    await this.pool.warm();
    await this.#cluster?.nodes.warm();
  }

  /** Idle eviction, retirement and top-up to `minConnections`, in every pool. */
  runMaintenance(): void {
    this.pool.runMaintenance();
    this.#cluster?.nodes.runMaintenance();
  }

  /** Stops lending; resolves when every lease is back. */
  async drain(): Promise<void> {
    await Promise.all([this.pool.drain(), this.#cluster?.nodes.drain()]);
  }

  /** Closes every pool; `force` also fails waiters and drops lent connections. */
  async close(force: boolean): Promise<void> {
    await Promise.all([this.pool.close(force), this.#cluster?.nodes.close(force)]);
  }
}
