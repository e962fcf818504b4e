import { timeoutRefusal } from '../commands/timeout-option.js';
import type { ResolvedConfig } from '../config/options.js';
import type { HealthTarget } from '../observability/health-checks/check.js';
import { type HealthReport, checkHealth } from '../observability/health.js';
import { serviceFacts } from '../observability/health-services.js';
import { resolveLatencyThresholds } from '../observability/latency-class.js';
import { readSentinelView } from '../topology/sentinel-view.js';
import type { HealthOptions } from './types.js';

/** What a client tells the health checks about itself beside its stats. */
export interface ClientHealthParts {
  options: ResolvedConfig;
  /** Where its connections go (host:port and mode), absent in memory mode. */
  target: string | undefined;
  /** The services registered with it (a cache, a pub/sub subscriber …). */
  resources: Iterable<unknown>;
}

/**
 * `client.health(options)`: a bad argument rejects with InvalidArgumentError
 * (a programming error); a Redis failure never rejects, it is reported.
 */
export function clientHealth(client: HealthTarget, parts: ClientHealthParts, options: HealthOptions): Promise<HealthReport> {
  const badTimeout = timeoutRefusal('timeoutMs', options.timeoutMs);
  if (badTimeout !== undefined) return Promise.reject(badTimeout);
  let thresholds: ReturnType<typeof resolveLatencyThresholds>;
  try {
    thresholds = resolveLatencyThresholds(options.latencyThresholdsMs);
  } catch (error) {
    return Promise.reject(error);
  }
  const { options: config } = parts;
  const services = serviceFacts(parts.resources);
  return checkHealth(
    client,
    {
      target: parts.target ?? 'memory (in-process)',
      memoryMode: config.mode === 'memory',
      cacheEnabled: services.cacheEnabled,
      subscribers: services.subscribers,
      cluster: config.mode === 'cluster',
      sentinelView: config.mode === 'sentinel' ? (timeoutMs) => readSentinelView(config, timeoutMs) : undefined,
    },
    { deep: options.deep ?? false, timeoutMs: options.timeoutMs ?? 1000, thresholds },
  );
}
