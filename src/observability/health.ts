import type { ClientStats } from '../client/stats.js';
import type { PubSubStats } from '../pubsub/pubsub.js';
import type { ErrorSummary } from '../pool/pool-stats.js';
import type { CheckStatus, HealthTarget } from './health-checks/check.js';
import { type ConnectionPoolCheck, checkConnectionPool } from './health-checks/connection-pool.js';
import { type ClusterTopologyCheck, checkClusterTopology } from './health-checks/cluster-topology.js';
import { type ConnectivityCheck, checkConnectivity, memoryModeConnectivity } from './health-checks/connectivity.js';
import { checkOperational, type OperationalCheck } from './health-checks/operational.js';
import { checkPerformance, type PerformanceCheck } from './health-checks/performance.js';
import { checkSentinel, type SentinelCheck, sentinelWarnings } from './health-checks/sentinel.js';
import { checkServerInfo, type ServerInfoCheck } from './health-checks/server-info.js';
import type { SentinelAnswer } from '../topology/sentinel-view.js';
import { collectWarnings, type HealthCheckName, type HealthWarning } from './health-warnings.js';
import type { ResolvedLatencyThresholds } from './latency-class.js';

export type { CheckStatus } from './health-checks/check.js';
export type { HealthCheckName, HealthWarning } from './health-warnings.js';

/**
 * What `client.health()` found. Never contains a password. The full report
 * names the target (host:port): serve it only on a protected route; the
 * public summary ({@link healthSummary}) leaves it out.
 */
export interface HealthReport {
  /**
   * healthy: Redis answers and every check passed. degraded: Redis answers
   * but a check warned or failed (see `warnings`), or `memory://` (no Redis,
   * by choice). unhealthy: Redis does not answer.
   */
  status: 'healthy' | 'degraded' | 'unhealthy';
  /** When the report was made, ISO 8601. */
  timestamp: string;
  checks: HealthChecks;
  warnings: HealthWarning[];
  /** Where the client looks for Redis (host:port and mode). */
  target: string;
  /** PING round trip, ms, when it answered (the connectivity check's). */
  latencyMs?: number;
  /** Why it did not answer (the connectivity check's error). */
  error?: ErrorSummary;
  breaker: ClientStats['breaker']['state'];
  /** Why the breaker is open (or connections are failing): the last connection error. */
  breakerError?: ErrorSummary;
  lanes: ClientStats['lanes'];
  pool: ConnectionPoolCheck['pool'];
}

/** The checks run. `serverInfo` and `operational` only in a deep report; only `connectivity` in `memory://`. */
export interface HealthChecks {
  connectivity: ConnectivityCheck;
  performance?: PerformanceCheck;
  connectionPool?: ConnectionPoolCheck;
  serverInfo?: ServerInfoCheck;
  operational?: OperationalCheck;
  /** Deep reports in cluster mode: nodes, roles, slot coverage, cluster_state. */
  clusterTopology?: ClusterTopologyCheck;
  /** Sentinel mode, deep reports: the sentinels' view (reachable, quorum, the master they name, its replicas). */
  sentinel?: SentinelCheck;
}

/** What the client tells the report about itself. */
export interface HealthContext {
  target: string;
  memoryMode: boolean;
  /** A Cache service runs on the client. */
  cacheEnabled: boolean;
  /** The client's PubSub handles' stats. */
  subscribers: PubSubStats[];
  /** Cluster mode: deep reports add the cluster's topology. */
  cluster?: boolean;
  /** Sentinel mode: asks the sentinels (deep reports only). */
  sentinelView?: ((timeoutMs: number) => Promise<SentinelAnswer[]>) | undefined;
}

export interface ResolvedHealthOptions {
  deep: boolean;
  timeoutMs: number;
  thresholds: ResolvedLatencyThresholds;
}

/**
 * Runs the checks and assembles the report. Connectivity first (without
 * Redis the rest cannot say anything), then the others side by side, each
 * under `timeoutMs`. Never rejects for a Redis failure.
 */
export async function checkHealth(client: HealthTarget, context: HealthContext, options: ResolvedHealthOptions): Promise<HealthReport> {
  const timestamp = new Date().toISOString();
  if (context.memoryMode) return finish(client.stats(), context, timestamp, { connectivity: memoryModeConnectivity() }, []);
  const connectivity = await checkConnectivity(client, options.timeoutMs);
  const checks: HealthChecks = { connectivity };
  if (connectivity.status === 'fail') {
    const stats = client.stats();
    checks.connectionPool = checkConnectionPool(stats, context.subscribers);
    return finish(
      stats,
      context,
      timestamp,
      checks,
      collectWarnings({ connectionPool: checks.connectionPool, cacheEnabled: context.cacheEnabled }),
    );
  }
  const sentinelView = context.sentinelView;
  const [performance, serverInfo, operational, clusterTopology, sentinel] = await Promise.all([
    checkPerformance(client, options.timeoutMs, options.thresholds, connectivity.latencyMs, options.deep),
    options.deep ? checkServerInfo(client, options.timeoutMs) : undefined,
    options.deep ? checkOperational(client, options.timeoutMs) : undefined,
    options.deep && context.cluster === true ? checkClusterTopology(client, options.timeoutMs) : undefined,
    options.deep && sentinelView !== undefined ? checkSentinel(sentinelView, options.timeoutMs) : undefined,
  ]);
  const stats = client.stats();
  checks.performance = performance;
  checks.connectionPool = checkConnectionPool(stats, context.subscribers);
  if (serverInfo !== undefined) checks.serverInfo = serverInfo;
  if (operational !== undefined) checks.operational = operational;
  if (clusterTopology !== undefined) checks.clusterTopology = clusterTopology;
  if (sentinel !== undefined) checks.sentinel = sentinel;
  const warnings = collectWarnings({
    clusterTopology,
    facts: serverInfo?.facts,
    performance,
    connectionPool: checks.connectionPool,
    cacheEnabled: context.cacheEnabled,
  });
  if (sentinel !== undefined) for (const warning of sentinelWarnings(sentinel)) warnings.push({ check: 'sentinel', ...warning });
  return finish(stats, context, timestamp, checks, warnings);
}

function finish(
  stats: ClientStats,
  context: HealthContext,
  timestamp: string,
  checks: HealthChecks,
  warnings: HealthWarning[],
): HealthReport {
  // A check a warning concerns is at least 'warn', so the two never disagree.
  for (const warning of warnings) {
    const check = checks[warning.check];
    if (check !== undefined && check.status === 'pass') check.status = 'warn';
  }
  const report: HealthReport = {
    status: overallStatus(checks),
    timestamp,
    checks,
    warnings,
    target: context.target,
    breaker: stats.breaker.state,
    lanes: stats.lanes,
    pool: checks.connectionPool?.pool ?? { active: 0, idle: 0, waiting: 0, max: stats.pool.max },
  };
  if (checks.connectivity.latencyMs !== undefined) report.latencyMs = checks.connectivity.latencyMs;
  if (checks.connectivity.error !== undefined) report.error = checks.connectivity.error;
  if (stats.breaker.lastError !== undefined) report.breakerError = stats.breaker.lastError;
  return report;
}

function overallStatus(checks: HealthChecks): HealthReport['status'] {
  if (checks.connectivity.mode === 'memory') return 'degraded';
  if (checks.connectivity.status === 'fail') return 'unhealthy';
  const all = Object.values(checks) as Array<{ status: CheckStatus } | undefined>;
  return all.every((check) => check === undefined || check.status === 'pass') ? 'healthy' : 'degraded';
}

/** The URL segment of each check under `/debug/health/redis/`. */
export const CHECK_ROUTES: Record<string, HealthCheckName> = {
  connectivity: 'connectivity',
  performance: 'performance',
  'server-info': 'serverInfo',
  'connection-pool': 'connectionPool',
  operational: 'operational',
  sentinel: 'sentinel',
  'cluster-topology': 'clusterTopology',
};

/** What a public `/health` shows: the status and each check's status, no host, port or server facts. */
export interface HealthSummary {
  status: HealthReport['status'];
  timestamp: string;
  checks: Partial<Record<HealthCheckName, CheckStatus>>;
}

export function healthSummary(report: HealthReport): HealthSummary {
  const checks: HealthSummary['checks'] = {};
  for (const [name, check] of Object.entries(report.checks) as Array<[HealthCheckName, { status: CheckStatus } | undefined]>) {
    if (check !== undefined) checks[name] = check.status;
  }
  return { status: report.status, timestamp: report.timestamp, checks };
}
