import type { ResolvedConfig } from '../config/options.js';
import { readTlsFiles } from '../config/tls-files.js';
import type { Breaker } from '../pool/breaker.js';
import type { Clock } from '../pool/clock.js';
import type { Deadlines } from '../pool/deadlines.js';
import { Lanes } from '../pool/lanes.js';
import { LeasePool } from '../pool/lease-pool.js';
import { RECONNECT_BASE_MS } from '../pool/reconnect-strategy.js';
import { readRefusal } from '../pool/server-refusal.js';
import { ConnectionFactory } from '../topology/connection-factory.js';
import { NodeLeasePools } from '../topology/node-lease-pools.js';
import { LeasePools } from '../lease/lease-pools.js';
import type { SlotCheck } from '../lease/slot-check.js';

export interface ConnectionSet {
  factory: ConnectionFactory;
  lanes: Lanes;
  /** The exclusive pools (on a cluster one per primary too; their counts all go into `pools.pool.stats`). */
  pools: LeasePools;
}

export interface ConnectionSetHooks {
  breaker: Breaker;
  deadlines: Deadlines;
  clock: Clock;
  /** Redis became reachable: the first lane is up (at start, or after all were down). */
  onAvailable: () => void;
  /** Cluster mode: the client's slot check, which its leases share (where each lease is pinned). */
  slotCheck: SlotCheck | undefined;
}

/**
 * The client's connections for one configuration: the lanes and the
 * exclusive pool, sharing a breaker and deadlines. The breaker's probe is a
 * PING over a ready lane, so an open breaker closes as soon as Redis answers
 * even when no lane has anything to reconnect.
 */
export function createConnections(config: ResolvedConfig, hooks: ConnectionSetHooks): ConnectionSet {
  const tls = config.tls ? readTlsFiles(config) : undefined;
  const factory = new ConnectionFactory(config, tls);
  const retry = { retryBaseMs: RECONNECT_BASE_MS, retryMaxDelayMs: config.retryMaxDelayMs, connectTimeoutMs: config.connectTimeoutMs };
  const lanes = new Lanes({
    ...retry,
    count: config.lanes,
    factory,
    breaker: hooks.breaker,
    deadlines: hooks.deadlines,
    maxQueued: config.maxQueuedCommands,
    probeIntervalMs: config.breakerProbeIntervalMs,
    onAvailabilityChange: (available) => {
      if (available) hooks.onAvailable();
    },
  });
  const sizing = {
    ...retry,
    deadlines: hooks.deadlines,
    clock: hooks.clock,
    min: config.minConnections,
    max: config.maxConnections,
    acquireTimeoutMs: config.acquireTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxLifetimeMs: config.maxLifetimeMs,
    validateAfterIdleMs: config.validateAfterIdleMs,
    maxWaiting: config.maxWaitingAcquires,
  };
  const cluster = factory.cluster;
  const pool = new LeasePool({
    ...sizing,
    // On a cluster minConnections is per node, for leases with a key (below);
    // a lease without a key is a whole cluster client, not kept warm.
    min: cluster === undefined ? config.minConnections : 0,
    factory,
    breaker: hooks.breaker,
    // Only a standalone server has one address to ask; cluster and sentinel
    // failures count as unreachable, as before.
    explainFailure:
      config.mode === 'standalone'
        ? () => readRefusal({ host: config.host, port: config.port, tls: config.tls ? (tls ?? {}) : undefined }, config.connectTimeoutMs)
        : undefined,
  });
  const nodeBreakers = cluster?.breakers;
  const slotCheck = hooks.slotCheck;
  // On a cluster a lease for a key takes its connection from its node's own
  // pool; a lease without a key stays a cluster client from the pool above.
  const clusterParts =
    cluster === undefined || nodeBreakers === undefined || slotCheck === undefined
      ? undefined
      : {
          slotCheck,
          cluster,
          nodes: new NodeLeasePools({ pool: { ...sizing, stats: pool.stats }, factory, cluster, breaker: hooks.breaker, nodeBreakers }),
        };
  hooks.breaker.attachProbe(() => lanes.probe(), config.breakerProbeIntervalMs);
  return { factory, lanes, pools: new LeasePools(pool, clusterParts) };
}
