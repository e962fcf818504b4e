import type { ResolvedConfig } from '../config/options.js';
import { readTlsFiles } from '../config/tls-files.js';
import type { Breaker } from '../pool/breaker.js';
import type { Clock } from '../pool/clock.js';
import type { Deadlines } from '../pool/deadlines.js';
import { Lanes } from '../pool/lanes.js';
import { LeasePool } from '../pool/lease-pool.js';
import { ConnectionFactory } from '../topology/connection-factory.js';

/** First reconnect delay ceiling: a blip is recovered from in tens of milliseconds. */
const RETRY_BASE_MS = 50;

export interface ConnectionSet {
  factory: ConnectionFactory;
  lanes: Lanes;
  pool: LeasePool;
}

export interface ConnectionSetHooks {
  breaker: Breaker;
  deadlines: Deadlines;
  clock: Clock;
  /** Redis became reachable: the first lane is up (at start, or after all were down). */
  onAvailable: () => void;
}

/** The client's connections for one configuration: the lanes and the exclusive pool, sharing a breaker and deadlines. */
export function createConnections(config: ResolvedConfig, hooks: ConnectionSetHooks): ConnectionSet {
  const factory = new ConnectionFactory(config, config.tls ? readTlsFiles(config) : undefined);
  const retry = { retryBaseMs: RETRY_BASE_MS, retryMaxDelayMs: config.retryMaxDelayMs, connectTimeoutMs: config.connectTimeoutMs };
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
  const pool = new LeasePool({
    ...retry,
    factory,
    breaker: hooks.breaker,
    deadlines: hooks.deadlines,
    clock: hooks.clock,
    min: config.minConnections,
    max: config.maxConnections,
    acquireTimeoutMs: config.acquireTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxLifetimeMs: config.maxLifetimeMs,
    validateAfterIdleMs: config.validateAfterIdleMs,
    maxWaiting: config.maxWaitingAcquires,
  });
  return { factory, lanes, pool };
}
