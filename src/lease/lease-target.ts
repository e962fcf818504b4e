import type { ClusterClients } from '../topology/cluster-clients.js';
import type { LeaseTarget } from './run-lease.js';
import type { SlotCheck } from './slot-check.js';

/**
 * Where a lease for `key` must be on a cluster: pinned to the key's slot, and
 * holding a ready connection to that slot's primary before the caller's
 * function runs. Undefined outside a cluster (any connection will do).
 */
export function leaseTargetFor(key: string, check: SlotCheck | undefined, cluster: ClusterClients | undefined): LeaseTarget | undefined {
  if (check === undefined || cluster === undefined) return undefined;
  const pin = check.pin(key);
  return {
    pin,
    prepare: async (connection, timeoutMs) => {
      await cluster.connectSlotNode(connection.engine, pin.slot, timeoutMs);
    },
  };
}
