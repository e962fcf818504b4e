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

/** What {@link leaseRouteFor} chooses among; the cluster parts are undefined elsewhere. */
export interface LeaseRouting {
  pool: LeasePool;
  slotCheck: SlotCheck | undefined;
  cluster: ClusterClients | undefined;
  nodePools: NodeLeasePools | undefined;
}

/**
 * Where a lease for `key` comes from. Outside a cluster: the pool, as any
 * lease. On a cluster, pinned to the key's slot: from the pool of the node
 * that serves the slot (its connections are on that node already), or,
 * before the slot map is known, from the client-wide pool of cluster
 * clients, holding a ready connection to the slot's primary before the
 * caller's function runs.
 */
export function leaseRouteFor(key: string, routing: LeaseRouting): LeaseRoute {
  const { pool, slotCheck, cluster, nodePools } = routing;
  if (slotCheck === undefined || cluster === undefined) return { pool };
  const pin = slotCheck.pin(key);
  const nodePool = nodePools?.forSlot(pin.slot);
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
    pool,
    target: {
      pin,
      prepare: async (connection, timeoutMs) => {
        await cluster.connectSlotNode(connection.engine, pin.slot, timeoutMs);
      },
    },
  };
}
