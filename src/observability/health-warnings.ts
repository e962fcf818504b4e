import type { ConnectionPoolCheck } from './health-checks/connection-pool.js';
import type { ClusterTopologyCheck } from './health-checks/cluster-topology.js';
import type { PerformanceCheck } from './health-checks/performance.js';
import type { ServerFacts } from './info-parser.js';

/** The checks of a report, by name. */
export type HealthCheckName =
  | 'connectivity'
  | 'performance'
  | 'serverInfo'
  | 'connectionPool'
  | 'operational'
  | 'clusterTopology'
  | 'sentinel';

/** Something that works but needs a human: what is wrong and what to do. */
export interface HealthWarning {
  /** The check it concerns (that check is then at least `warn`). */
  check: HealthCheckName;
  /** Stable identifier, for alert rules. See the README's health section. */
  code: string;
  message: string;
}

/** What the warnings are computed from. */
export interface WarningInputs {
  facts?: ServerFacts | undefined;
  performance?: PerformanceCheck | undefined;
  connectionPool?: ConnectionPoolCheck | undefined;
  /** Whether a Cache service runs on this client (noeviction then makes its writes fail). */
  cacheEnabled: boolean;
  clusterTopology?: ClusterTopologyCheck | undefined;
}

/** A share of a limit at or above which a warning is given. */
export const NEAR_LIMIT = 0.9;

export function collectWarnings(inputs: WarningInputs): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  const add = (check: HealthCheckName, code: string, message: string) => warnings.push({ check, code, message });
  const facts = inputs.facts;
  if (facts !== undefined) serverWarnings(facts, inputs.cacheEnabled, add);
  const perf = inputs.performance;
  if (perf?.class === 'poor' || perf?.class === 'critical') {
    add(
      'performance',
      `latency-${perf.class}`,
      `PING latency ${perf.latencyMs?.toFixed(1)} ms is ${perf.class}: check the network path to Redis and the server's load (SLOWLOG, CPU)`,
    );
  }
  const pool = inputs.connectionPool;
  if (pool !== undefined) poolWarnings(pool, add);
  if (inputs.clusterTopology !== undefined) clusterWarnings(inputs.clusterTopology, add);
  return warnings;
}

function clusterWarnings(topology: ClusterTopologyCheck, add: Add): void {
  if (topology.state !== undefined && topology.state !== 'ok') {
    add(
      'clusterTopology',
      'cluster-state-fail',
      `cluster_state is ${topology.state}: commands to some slots fail; see CLUSTER INFO on the nodes`,
    );
  }
  const unserved = topology.slotsAssigned === undefined ? 0 : 16384 - topology.slotsAssigned;
  if (unserved > 0 || (topology.slotsFailing ?? 0) > 0) {
    add(
      'clusterTopology',
      'cluster-slots-uncovered',
      `${unserved} slots have no primary and ${topology.slotsFailing ?? 0} a failing one: keys in them cannot be written until a failover or a fix`,
    );
  }
  for (const primary of topology.primariesWithoutReplica ?? []) {
    add(
      'clusterTopology',
      'cluster-primary-without-replica',
      `primary ${primary} has no healthy replica: if it fails its slots are lost; add a replica (CLUSTER REPLICATE)`,
    );
  }
}

type Add = (check: HealthCheckName, code: string, message: string) => void;

function serverWarnings(facts: ServerFacts, cacheEnabled: boolean, add: Add): void {
  if (cacheEnabled && facts.maxmemoryPolicy === 'noeviction') {
    add(
      'serverInfo',
      'noeviction-with-cache',
      'maxmemory-policy noeviction with the cache enabled: writes will fail with OOM when memory is full; use allkeys-lru or volatile-lru',
    );
  }
  const { connectedClients, maxclients, usedMemoryBytes, maxmemoryBytes } = facts;
  if (connectedClients !== undefined && maxclients !== undefined && maxclients > 0 && connectedClients >= NEAR_LIMIT * maxclients) {
    const share = Math.round((connectedClients / maxclients) * 100);
    add(
      'serverInfo',
      'clients-near-max',
      `connected clients at ${share}% of maxclients (${connectedClients}/${maxclients}): raise maxclients or lower lanes/maxConnections per process`,
    );
  }
  if (
    usedMemoryBytes !== undefined &&
    maxmemoryBytes !== undefined &&
    maxmemoryBytes > 0 &&
    usedMemoryBytes >= NEAR_LIMIT * maxmemoryBytes
  ) {
    const share = Math.round((usedMemoryBytes / maxmemoryBytes) * 100);
    add(
      'serverInfo',
      'memory-near-max',
      `used memory at ${share}% of maxmemory: raise maxmemory, shorten TTLs, or expect ${facts.maxmemoryPolicy === 'noeviction' ? 'OOM errors on writes' : 'evictions'}`,
    );
  }
  if ((facts.evictedKeys ?? 0) > 0) {
    add(
      'serverInfo',
      'keys-evicted',
      `${facts.evictedKeys} keys were evicted since start: memory is too small for the data kept; raise maxmemory or shorten TTLs`,
    );
  }
  if (facts.persistence?.rdbLastBgsaveStatus !== undefined && facts.persistence.rdbLastBgsaveStatus !== 'ok') {
    add('serverInfo', 'rdb-save-failed', 'the last RDB background save failed: check the server log, disk space and the dir permissions');
  }
  if (facts.persistence?.aofEnabled === true && facts.persistence.aofLastWriteStatus !== 'ok') {
    add('serverInfo', 'aof-write-failed', 'the last AOF write failed: check the server log and disk space');
  }
  if (facts.persistence?.loading === true) {
    add('serverInfo', 'loading', 'the server is loading its dataset: commands get LOADING errors until it finishes');
  }
}

function poolWarnings(pool: ConnectionPoolCheck, add: Add): void {
  if (pool.breaker.state === 'open') {
    add(
      'connectionPool',
      'breaker-open',
      `the breaker is open (${pool.breaker.lastError?.code ?? 'connection failures'}): commands fail at once until a probe succeeds`,
    );
  } else if (pool.breaker.lastError !== undefined) {
    add(
      'connectionPool',
      'connection-failing',
      `connections are failing (${pool.breaker.lastError.code}): the breaker opens if this goes on`,
    );
  }
  for (const node of pool.openNodes ?? []) {
    add(
      'connectionPool',
      'node-breaker-open',
      `cluster node ${node} failed repeatedly and its breaker is open: commands for its slots fail at once (NodeUnavailableError) until it answers a probe or a failover moves its slots`,
    );
  }
  if (pool.pool.lastCreateError !== undefined) {
    add(
      'connectionPool',
      'pool-create-failed',
      `the pool could not open its last connection (${pool.pool.lastCreateError.code})${pool.pool.lastCreateError.code === 'ERR_REDIS_MAX_CLIENTS' ? ': the server is at maxclients; raise it or lower maxConnections' : ''}`,
    );
  }
  const down = pool.subscribers.filter((s) => s.mode === 'redis' && s.subscriptions > 0 && !s.connected).length;
  if (down > 0)
    add('connectionPool', 'subscriber-disconnected', `${down} pub/sub subscriber(s) disconnected: messages published meanwhile are lost`);
}
