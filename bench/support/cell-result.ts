import type { CallersResult } from './callers.js';
import type { PercentileRank } from './samples.js';

/** What one cell (one client, one load) measured in one round. */
export interface MeasuredCell {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of this Node.js process per operation, µs. */
  clientCpuUs: number;
  /** CPU time of the redis-server process per operation, µs (NaN where /proc is missing). */
  serverCpuUs: number;
  errors: number;
}

/**
 * The cell a run of {@link runCallers} measured.
 *
 * @param seconds - the length of its measured window
 * @param rank - how p50 and p99 pick their samples
 */
export function measuredCell(run: CallersResult, seconds: number, rank?: PercentileRank): MeasuredCell {
  const [p50Ms = Number.NaN, p99Ms = Number.NaN] = run.samples.percentiles([0.5, 0.99], rank);
  return { opsPerSec: run.ops / seconds, p50Ms, p99Ms, clientCpuUs: run.clientCpuUs, serverCpuUs: run.serverCpuUs, errors: run.errors };
}
