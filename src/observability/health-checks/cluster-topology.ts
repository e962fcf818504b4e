import { ConnectionLostError } from '../../errors.js';
import { type Budget, type CheckBase, type HealthTarget, runCheck } from './check.js';

/** One node of the cluster as CLUSTER NODES describes it. */
export interface ClusterNodeFact {
  /** `host:port` the node announces. */
  address: string;
  role: 'primary' | 'replica';
  /** The primary's address, for a replica. */
  primary?: string;
  /** The node's CLUSTER NODES flags other than its role (`fail`, `fail?`, `handshake`, `noaddr` …). */
  flags: string[];
  /** `connected` or `disconnected` (the cluster bus link, seen from the node that answered). */
  link: string;
  /** How many slots it serves (primaries). */
  slots: number;
}

/** Topology facts of a Redis Cluster (deep reports in cluster mode): CLUSTER INFO and CLUSTER NODES of one node. */
export interface ClusterTopologyCheck extends CheckBase {
  /** `ok` or `fail`, as `cluster_state` says. */
  state?: string;
  /** Slots served by some primary, of 16384. */
  slotsAssigned?: number;
  /** Slots whose primary is failing (pfail / fail). */
  slotsFailing?: number;
  nodes?: ClusterNodeFact[];
  /** Addresses of serving primaries that have no healthy replica: a failure of one loses its slots. */
  primariesWithoutReplica?: string[];
}

/** warn when cluster_state is not ok, slots are unserved or failing, or a primary has no replica. */
export function checkClusterTopology(client: HealthTarget, timeoutMs: number): Promise<ClusterTopologyCheck> {
  return runCheck<ClusterTopologyCheck>(
    timeoutMs,
    async (budget) => {
      const info = await readOnly(client, budget, 'INFO');
      const text = await readOnly(client, budget, 'NODES');
      const field = (name: string): string | undefined => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
      const nodes = parseClusterNodes(text);
      const healthy = (node: ClusterNodeFact) => !node.flags.includes('fail') && !node.flags.includes('fail?');
      const primariesWithoutReplica = nodes
        .filter((node) => node.role === 'primary' && node.slots > 0 && healthy(node))
        .filter((primary) => !nodes.some((node) => node.primary === primary.address && healthy(node)))
        .map((node) => node.address);
      const state = field('cluster_state');
      const slotsAssigned = Number(field('cluster_slots_assigned') ?? 0);
      const slotsFailing = Number(field('cluster_slots_pfail') ?? 0) + Number(field('cluster_slots_fail') ?? 0);
      const troubled = state !== 'ok' || slotsAssigned < 16384 || slotsFailing > 0 || primariesWithoutReplica.length > 0;
      return {
        status: troubled ? 'warn' : 'pass',
        durationMs: budget.elapsedMs,
        nodes,
        primariesWithoutReplica,
        slotsAssigned,
        slotsFailing,
        ...(state === undefined ? {} : { state }),
      };
    },
    (failure) => failure,
  );
}

/** Attempts per CLUSTER subcommand: they only read, so one lost with its connection is simply asked again. */
const ATTEMPTS = 5;

/**
 * CLUSTER INFO / NODES go to any node. A node connection can close under
 * them while the cluster client adopts a new slot map (a node it was seeded
 * with and that the map leaves out is dropped): ask again, within the budget.
 */
async function readOnly(client: HealthTarget, budget: Budget, subcommand: 'INFO' | 'NODES'): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return String(await client.sendCommand('cluster', [subcommand], { timeoutMs: budget.remainingMs }));
    } catch (error) {
      if (!(error instanceof ConnectionLostError) || attempt >= ATTEMPTS || budget.remainingMs <= 0) throw error;
      // ioredis refuses a command at once ("Connection is closed.") for a node connection still
      // connecting: asking again in the same tick would land on it again as likely.
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * attempt, budget.remainingMs)));
    }
  }
}

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <primary id> <ping> <pong> <epoch> <link> <slot>…`. */
export function parseClusterNodes(text: string): ClusterNodeFact[] {
  const rows = text
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8);
  const addressOf = new Map(rows.map(([id = '', address = '']) => [id, address.split('@')[0] ?? address]));
  return rows.map(([, address = '', flags = '', primaryId = '-', , , , link = '', ...slots]) => {
    const flagList = flags.split(',').filter((flag) => flag !== 'myself');
    const role = flagList.includes('slave') ? 'replica' : 'primary';
    const fact: ClusterNodeFact = {
      address: address.split('@')[0] ?? address,
      role,
      flags: flagList.filter((flag) => flag !== 'master' && flag !== 'slave'),
      link,
      slots: slots
        .filter((slot) => !slot.startsWith('['))
        .reduce((sum, range) => {
          const [lo, hi = lo] = range.split('-').map(Number);
          return sum + (Number(hi) - Number(lo) + 1);
        }, 0),
    };
    const primary = primaryId === '-' ? undefined : addressOf.get(primaryId);
    if (primary !== undefined) fact.primary = primary;
    return fact;
  });
}
