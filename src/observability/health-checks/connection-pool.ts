import type { ClientStats } from '../../client/stats.js';
import type { ErrorSummary } from '../../pool/pool-stats.js';
import type { PubSubStats } from '../../pubsub/pubsub.js';
import type { CheckBase } from './check.js';

/** The client's own connections: lanes, the lease pool, the breaker and pub/sub subscribers. Read locally, no command. */
export interface ConnectionPoolCheck extends CheckBase {
  lanes: ClientStats['lanes'];
  pool: {
    active: number;
    idle: number;
    waiting: number;
    max: number;
    /** Why the pool could not open its last connection (`ERR_REDIS_MAX_CLIENTS`: the server is full). */
    lastCreateError?: ErrorSummary;
  };
  breaker: {
    state: 'closed' | 'open';
    timesOpened: number;
    /** The failure that counts now; absent after a success. */
    lastError?: ErrorSummary;
  };
  /** Cluster mode: the nodes (`host:port`) whose own breaker is open; their slots fail at once. */
  openNodes?: string[];
  /** One entry per PubSub handle of the client. */
  subscribers: Array<Pick<PubSubStats, 'mode' | 'connected' | 'subscriptions' | 'resubscribes'>>;
}

/**
 * warn while the breaker (or a cluster node's) is open or its last connection failure still
 * counts, while the pool's last connection attempt failed, or while a
 * subscriber with subscriptions is disconnected; fail when no lane is up.
 */
export function checkConnectionPool(stats: ClientStats, subscribers: PubSubStats[]): ConnectionPoolCheck {
  const started = performance.now();
  const check: Omit<ConnectionPoolCheck, 'durationMs'> = {
    status: 'pass',
    lanes: stats.lanes,
    pool: { active: stats.pool.active, idle: stats.pool.idle, waiting: stats.pool.waiting, max: stats.pool.max },
    breaker: { state: stats.breaker.state, timesOpened: stats.breaker.timesOpened },
    subscribers: subscribers.map((s) => ({
      mode: s.mode,
      connected: s.connected,
      subscriptions: s.subscriptions,
      resubscribes: s.resubscribes,
    })),
  };
  if (stats.breaker.lastError !== undefined) check.breaker.lastError = stats.breaker.lastError;
  if (stats.pool.lastCreateError !== undefined) check.pool.lastCreateError = stats.pool.lastCreateError;
  if (stats.connections.nodes !== undefined) {
    check.openNodes = Object.entries(stats.connections.nodes)
      .filter(([, figures]) => figures.breaker.state === 'open')
      .map(([address]) => address)
      .sort();
  }
  const troubled =
    (check.openNodes?.length ?? 0) > 0 ||
    stats.breaker.state === 'open' ||
    stats.breaker.lastError !== undefined ||
    stats.pool.lastCreateError !== undefined ||
    subscribers.some((s) => s.mode === 'redis' && s.subscriptions > 0 && !s.connected);
  if (stats.lanes.count > 0 && stats.lanes.ready === 0) check.status = 'fail';
  else if (troubled) check.status = 'warn';
  return { ...check, durationMs: performance.now() - started };
}
