import { InvalidArgumentError } from '../errors.js';

/** How a PING round trip is classed. */
export type LatencyClass = 'excellent' | 'good' | 'acceptable' | 'poor' | 'critical';

/**
 * Upper bounds, in ms, of each latency class: a round trip below
 * `excellent` is excellent, below `good` good, below `acceptable`
 * acceptable, below `poor` poor, anything slower critical. Each is a finite
 * number ≥ 0 and they must not decrease in that order.
 */
export interface LatencyThresholdsMs {
  /** Default 1 (same host or rack). */
  excellent?: number;
  /** Default 5 (same region). */
  good?: number;
  /** Default 20. */
  acceptable?: number;
  /** Default 100: slower than this is critical. */
  poor?: number;
}

export type ResolvedLatencyThresholds = Required<LatencyThresholdsMs>;

export const DEFAULT_LATENCY_THRESHOLDS: ResolvedLatencyThresholds = { excellent: 1, good: 5, acceptable: 20, poor: 100 };

const ORDER = ['excellent', 'good', 'acceptable', 'poor'] as const;

/** Fills the defaults and checks the thresholds; throws InvalidArgumentError for a bad one. */
export function resolveLatencyThresholds(given: LatencyThresholdsMs = {}): ResolvedLatencyThresholds {
  const resolved = { ...DEFAULT_LATENCY_THRESHOLDS };
  for (const name of ORDER) {
    const value: unknown = given[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`latencyThresholdsMs.${name} must be a finite number of ms ≥ 0, got ${String(value)}`);
    }
    resolved[name] = value;
  }
  for (let i = 1; i < ORDER.length; i++) {
    const lower = ORDER[i - 1] ?? 'excellent';
    const upper = ORDER[i] ?? 'poor';
    if (resolved[upper] < resolved[lower]) {
      throw new InvalidArgumentError(`latencyThresholdsMs must not decrease: ${lower} ${resolved[lower]} > ${upper} ${resolved[upper]}`);
    }
  }
  return resolved;
}

/** The class of a round trip of `ms`. */
export function classifyLatency(ms: number, thresholds: ResolvedLatencyThresholds = DEFAULT_LATENCY_THRESHOLDS): LatencyClass {
  if (ms < thresholds.excellent) return 'excellent';
  if (ms < thresholds.good) return 'good';
  if (ms < thresholds.acceptable) return 'acceptable';
  if (ms < thresholds.poor) return 'poor';
  return 'critical';
}
