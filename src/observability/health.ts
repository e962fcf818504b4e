import type { ClientStats } from '../client/stats.js';
import type { SendOptions } from '../client/types.js';
import { RedisKitError } from '../errors.js';

/** What `client.health()` found. Safe to serve as-is: it never contains secrets. */
export interface HealthReport {
  /** 'ok': Redis answered. 'degraded': it did not; services run on their fallbacks where they have one. */
  status: 'ok' | 'degraded';
  /** Where the client looks for Redis (host:port and mode). */
  target: string;
  /** PING round trip, ms, when it answered. */
  latencyMs?: number;
  /** Why it did not answer. */
  error?: { code: string; message: string };
  breaker: ClientStats['breaker']['state'];
  /** Why the breaker is open (or connections are failing): the last connection error, code and message only. */
  breakerError?: { code: string; message: string };
  lanes: ClientStats['lanes'];
  pool: {
    active: number;
    idle: number;
    waiting: number;
    max: number;
    /** Why the pool could not open its last connection (`ERR_REDIS_MAX_CLIENTS`: the server is full). */
    lastCreateError?: { code: string; message: string };
  };
}

interface HealthTarget {
  sendCommand(name: string, args: unknown[], options?: SendOptions): Promise<unknown>;
  stats(): ClientStats;
}

export async function checkHealth(client: HealthTarget, target: string, timeoutMs: number): Promise<HealthReport> {
  const started = performance.now();
  let latencyMs: number | undefined;
  let error: HealthReport['error'];
  try {
    await client.sendCommand('ping', [], { timeoutMs });
    latencyMs = performance.now() - started;
  } catch (caught) {
    const typed = caught instanceof RedisKitError ? caught : undefined;
    error = { code: typed?.code ?? 'ERR_UNKNOWN', message: typed?.message ?? String(caught) };
  }
  const stats = client.stats();
  const report: HealthReport = {
    status: error === undefined ? 'ok' : 'degraded',
    target,
    breaker: stats.breaker.state,
    lanes: stats.lanes,
    pool: { active: stats.pool.active, idle: stats.pool.idle, waiting: stats.pool.waiting, max: stats.pool.max },
  };
  if (stats.breaker.lastError !== undefined) report.breakerError = stats.breaker.lastError;
  if (stats.pool.lastCreateError !== undefined) report.pool.lastCreateError = stats.pool.lastCreateError;
  if (latencyMs !== undefined) report.latencyMs = latencyMs;
  if (error !== undefined) report.error = error;
  return report;
}
