import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Bucket bounds in seconds. Redis answers in tens of microseconds on a
 * loopback and in milliseconds across a network; timeouts are seconds. The
 * OpenTelemetry advice for `db.client.operation.duration` starts at 1 ms,
 * too coarse for Redis, so two finer bounds come first.
 */
export const operationBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** Lease holds run user code (transactions, BLPOP …): the bounds go up to a minute. */
export const leaseBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];

/** The instruments fed by the diagnostics channels (the scrape-time gauges are in stats-gauges.ts). */
export interface ChannelInstruments {
  operationDuration: Histogram<'db_operation_name' | 'error_type'>;
  commands: Counter<'db_operation_name' | 'outcome'>;
  waitTime: Histogram;
  useTime: Histogram;
  created: Counter<'role'>;
  failed: Counter<'role'>;
  destroyed: Counter<'role' | 'reason'>;
  breakerTransitions: Counter<'to'>;
  cacheRequests: Counter<'namespace' | 'outcome'>;
  cacheStaleHits: Counter<'namespace'>;
  rateLimitDecisions: Counter<'namespace' | 'decision' | 'source'>;
  pubsubMessages: Counter<'kind'>;
  pubsubResubscriptions: Counter;
}

/** Creates the channel-fed instruments on `registry`, every name behind `prefix`. */
export function createChannelInstruments(registry: Registry, prefix: string): ChannelInstruments {
  const registers = [registry];
  const name = (base: string): string => prefix + base;
  return {
    operationDuration: new Histogram({
      name: name('db_client_operation_duration_seconds'),
      help: 'Duration of Redis commands, queueing included (OpenTelemetry db.client.operation.duration); error_type is set when it failed.',
      labelNames: ['db_operation_name', 'error_type'],
      buckets: operationBuckets,
      registers,
    }),
    commands: new Counter({
      name: name('redis_kit_commands_total'),
      help: 'Redis commands that finished, by command and outcome (ok or error).',
      labelNames: ['db_operation_name', 'outcome'],
      registers,
    }),
    waitTime: new Histogram({
      name: name('db_client_connection_wait_time_seconds'),
      help: 'Time a lease waited for a pooled connection (OpenTelemetry db.client.connection.wait_time).',
      buckets: leaseBuckets,
      registers,
    }),
    useTime: new Histogram({
      name: name('db_client_connection_use_time_seconds'),
      help: 'Time a pooled connection was leased, from lend to release (OpenTelemetry db.client.connection.use_time).',
      buckets: leaseBuckets,
      registers,
    }),
    created: new Counter({
      name: name('redis_kit_connections_created_total'),
      help: 'Connections opened, by role (lane, lease, subscriber, invalidation).',
      labelNames: ['role'],
      registers,
    }),
    failed: new Counter({
      name: name('redis_kit_connections_failed_total'),
      help: 'Connection attempts that failed, by role.',
      labelNames: ['role'],
      registers,
    }),
    destroyed: new Counter({
      name: name('redis_kit_connections_destroyed_total'),
      help: 'Connections closed, by role and reason (idle, lifetime, broken, dirty, validation, close, destroy).',
      labelNames: ['role', 'reason'],
      registers,
    }),
    breakerTransitions: new Counter({
      name: name('redis_kit_breaker_transitions_total'),
      help: 'Circuit breaker state changes, by the state entered (open or closed).',
      labelNames: ['to'],
      registers,
    }),
    cacheRequests: new Counter({
      name: name('redis_kit_cache_requests_total'),
      help: 'Cache reads by namespace and outcome: hit (Redis), near-hit (near-cache), fallback-hit (memory fallback), miss.',
      labelNames: ['namespace', 'outcome'],
      registers,
    }),
    cacheStaleHits: new Counter({
      name: name('redis_kit_cache_stale_hits_total'),
      help: 'Stale values served by wrap() while a refresh ran (a subset of the hits).',
      labelNames: ['namespace'],
      registers,
    }),
    rateLimitDecisions: new Counter({
      name: name('redis_kit_rate_limit_decisions_total'),
      help: 'Rate limiter answers by namespace, decision (allowed or denied) and source (redis, memory, open, closed).',
      labelNames: ['namespace', 'decision', 'source'],
      registers,
    }),
    pubsubMessages: new Counter({
      name: name('redis_kit_pubsub_messages_total'),
      help: 'Pub/sub messages received on subscriber connections, by kind (channel or pattern).',
      labelNames: ['kind'],
      registers,
    }),
    pubsubResubscriptions: new Counter({
      name: name('redis_kit_pubsub_resubscriptions_total'),
      help: 'Times subscriptions were restored after a reconnect (messages published meanwhile were missed).',
      registers,
    }),
  };
}
