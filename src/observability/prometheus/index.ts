/** Prometheus metrics fed by redis-kit's diagnostics channels: `createMetrics(redis)`. */
export { createMetrics, Metrics, type MetricsOptions } from './metrics.js';
