import type { ResolvedConfig } from '../config/options.js';
import { type RedisKitError, ReplyError } from '../errors.js';
import { type CommandEvent, channels } from '../observability/channels.js';
import { Histogram, type Summary } from '../pool/histogram.js';
import type { Breaker } from '../pool/breaker.js';
import type { Lanes } from '../pool/lanes.js';
import type { LeasePool } from '../pool/lease-pool.js';
import { type ErrorSummary, PoolStats, type PoolStatsSnapshot, summarizeError } from '../pool/pool-stats.js';
import type { CommandObserver, PendingCommand } from '../pool/pending-command.js';
import type { ClusterClients, NodeFigures } from '../topology/cluster-clients.js';
import type { NodeLeasePoolFigures, NodeLeasePools } from '../topology/node-lease-pools.js';

/** Everything `client.stats()` reports. Operators size `maxclients` from `connections`. */
export interface ClientStats {
  state: ClientState;
  breaker: {
    state: 'closed' | 'open';
    consecutiveFailures: number;
    timesOpened: number;
    /** The connection failure that counts now (why it is open, or failing); absent after a success. */
    lastError?: ErrorSummary;
  };
  commands: {
    /** Commands that finished, well or not. */
    total: number;
    /** Failed commands by error code (ERR_REDIS_COMMAND_TIMEOUT, ERR_REDIS_WRONGTYPE, …). */
    errors: Record<string, number>;
    latency: Summary;
  };
  lanes: {
    count: number;
    ready: number;
    inFlight: number;
    /** Commands waiting for a lane whose deadline has not passed. */
    queued: number;
  };
  /**
   * The exclusive pool. On a cluster these figures sum the client-wide pool
   * (leases without a key) and every node's pool (leases with a key); `min`
   * and `max` hold per pool, and `connections.nodes[address].leasePool` has
   * each node's.
   */
  pool: PoolStatsSnapshot & {
    /** Leased right now (tarn: used). */
    active: number;
    /** Open and free (tarn: free). */
    idle: number;
    /** Callers waiting for a lease (tarn: pending acquires). */
    waiting: number;
    pendingCreates: number;
    min: number;
    max: number;
  };
  connections: {
    /**
     * The most connections this client opens per node, every kind counted:
     * lanes + maxConnections + 1 subscriber (pub/sub) + 1 sharded subscriber
     * (ssubscribe) + 1 invalidation connection (near-cache; none when its
     * invalidations arrive on the own engine's lanes, counted anyway as an
     * upper bound). Size the server's `maxclients` from it times the number of processes.
     *
     * On a cluster every lane and every lease without a key is a cluster
     * client with up to one connection per node, and each of them briefly
     * opens one more (a "refresher") when it reads the slot map again; the
     * leases with a key come from each node's own pool of up to
     * maxConnections, so the figure is 2 × (lanes + maxConnections) +
     * maxConnections + 3 there. (A PubSub made with
     * `dedicated: true` adds its own subscriber connections.)
     */
    maxPerNode: number;
    /** Open now: ready lanes + leased + idle pooled. */
    open: number;
    /**
     * Cluster mode only: the connections open now on each node (`host:port`),
     * by role (`lane`, `lease`, `subscriber`, `invalidation`) and in total,
     * and the node's own breaker (`breaker.state` is `open` while commands
     * for its slots fail at once with NodeUnavailableError). A lane or lease
     * counts once on every node it has talked to. A node that stopped
     * answering is listed with its breaker even with no connection open.
     * `leasePool` is the node's own lease pool, once a lease with a key
     * (or `minConnections`) has made it.
     */
    nodes?: Record<string, NodeFigures & { leasePool?: NodeLeasePoolFigures }>;
  };
}

export type ClientState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' | 'destroyed';

/** Counts what every command did; the one observer all pending commands report to. */
export class CommandStats implements CommandObserver {
  readonly latency = new Histogram();
  readonly errors: Record<string, number> = {};
  total = 0;
  readonly #onEnd: () => void;

  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  commandEnded(command: PendingCommand, raw: RedisKitError | undefined): void {
    const durationMs = performance.now() - command.startedAt;
    // NOSCRIPT to an EVALSHA is the server asking for the script's body (the
    // first call after a restart or SCRIPT FLUSH; scripts then send EVAL):
    // a step of the protocol, not a failed command.
    const error =
      raw !== undefined && command.name === 'evalsha' && raw instanceof ReplyError && raw.prefix === 'NOSCRIPT' ? undefined : raw;
    this.total++;
    this.latency.record(durationMs);
    if (error !== undefined) this.errors[error.code] = (this.errors[error.code] ?? 0) + 1;
    if (channels.commandEnd.hasSubscribers) {
      const event: CommandEvent = { command: command.name, durationMs };
      if (error !== undefined) event.error = error;
      channels.commandEnd.publish(event);
    }
    this.#onEnd();
  }
}

interface StatsSources {
  state: ClientState;
  options: ResolvedConfig;
  breaker: Breaker;
  commands: CommandStats;
  lanes: Lanes | undefined;
  pool: LeasePool | undefined;
  /** Cluster mode: each primary's pool for leases with a key. */
  nodePools?: NodeLeasePools | undefined;
  /** Cluster mode: where the per-node figures come from. */
  cluster?: ClusterClients | undefined;
}

/** Assembles {@link ClientStats} from the parts that count (lanes and pool are absent in memory mode). */
export function collectStats({ state, options, breaker, commands, lanes, pool, nodePools, cluster }: StatsSources): ClientStats {
  const breakerStats: ClientStats['breaker'] = {
    state: breaker.state,
    consecutiveFailures: breaker.failures,
    timesOpened: breaker.openedCount,
  };
  const lastError = summarizeError(breaker.lastError);
  if (lastError !== undefined) breakerStats.lastError = lastError;
  const pooled = options.lanes + options.maxConnections;
  const active = (pool?.used ?? 0) + (nodePools?.used ?? 0);
  const idle = (pool?.free ?? 0) + (nodePools?.free ?? 0);
  const connections: ClientStats['connections'] = {
    maxPerNode: (cluster === undefined ? pooled : 2 * pooled + options.maxConnections) + 3,
    open: (lanes?.readyCount ?? 0) + active + idle,
  };
  if (cluster !== undefined) connections.nodes = nodeFigures(cluster, nodePools);
  return {
    state,
    breaker: breakerStats,
    commands: { total: commands.total, errors: { ...commands.errors }, latency: commands.latency.summary() },
    lanes: { count: lanes?.count ?? 0, ready: lanes?.readyCount ?? 0, inFlight: lanes?.inFlight ?? 0, queued: lanes?.queued ?? 0 },
    pool: {
      ...(pool?.stats ?? new PoolStats()).snapshot(),
      active,
      idle,
      waiting: (pool?.pendingAcquires ?? 0) + (nodePools?.pendingAcquires ?? 0),
      pendingCreates: (pool?.pendingCreates ?? 0) + (nodePools?.pendingCreates ?? 0),
      min: options.minConnections,
      max: options.maxConnections,
    },
    connections,
  };
}

/** Each node's connections and breaker, with its lease pool where one was made. */
function nodeFigures(
  cluster: ClusterClients,
  nodePools: NodeLeasePools | undefined,
): Record<string, NodeFigures & { leasePool?: NodeLeasePoolFigures }> {
  const nodes: Record<string, NodeFigures & { leasePool?: NodeLeasePoolFigures }> = cluster.perNode();
  for (const [address, leasePool] of Object.entries(nodePools?.perNode() ?? {})) {
    const node = nodes[address];
    if (node !== undefined) node.leasePool = leasePool;
  }
  return nodes;
}
