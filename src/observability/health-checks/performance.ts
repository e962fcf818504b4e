import type { Summary } from '../../pool/histogram.js';
import { classifyLatency, type LatencyClass, type ResolvedLatencyThresholds } from '../latency-class.js';
import { type CheckBase, type HealthTarget, runCheck } from './check.js';

/** PING latency, classed; poor is a warn, critical a fail. */
export interface PerformanceCheck extends CheckBase {
  /** The PING round trips measured, ms. */
  samplesMs?: number[];
  /** Their median, ms: what is classed. */
  latencyMs?: number;
  class?: LatencyClass;
  thresholdsMs?: ResolvedLatencyThresholds;
  /** Every command this client ran so far, as stats() counts them. */
  commands?: Summary;
}

/** PINGs in a deep check: a median of three is not thrown by one slow round trip. */
const DEEP_SAMPLES = 3;

/**
 * Classes the latency: from `knownMs` (the connectivity PING) in a shallow
 * report, from {@link DEEP_SAMPLES} more PINGs in a deep one.
 */
export function checkPerformance(
  client: HealthTarget,
  timeoutMs: number,
  thresholds: ResolvedLatencyThresholds,
  knownMs: number | undefined,
  deep: boolean,
): Promise<PerformanceCheck> {
  return runCheck<PerformanceCheck>(
    timeoutMs,
    async (budget) => {
      const samplesMs: number[] = [];
      if (!deep && knownMs !== undefined) samplesMs.push(knownMs);
      while (samplesMs.length < (deep ? DEEP_SAMPLES : 1)) {
        const started = performance.now();
        await client.sendCommand('ping', [], { timeoutMs: budget.remainingMs });
        samplesMs.push(performance.now() - started);
      }
      const latencyMs = median(samplesMs);
      const latencyClass = classifyLatency(latencyMs, thresholds);
      const status = latencyClass === 'critical' ? 'fail' : latencyClass === 'poor' ? 'warn' : 'pass';
      return {
        durationMs: budget.elapsedMs,
        status,
        samplesMs,
        latencyMs,
        class: latencyClass,
        thresholdsMs: thresholds,
        commands: client.stats().commands.latency,
      };
    },
    (failure) => ({ ...failure, thresholdsMs: thresholds }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
