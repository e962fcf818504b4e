import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClientStats } from '../../client/stats.js';

/** Where the scrape-time gauges read from: `redis.stats()`, or nothing once the metrics closed. */
export type StatsSource = () => ClientStats | undefined;

/**
 * One `stats()` per scrape: prom-client collects every metric of a scrape in
 * the same turn of the event loop, so the snapshot is kept until the next
 * turn and every gauge of a scrape reads the same moment.
 */
export function oncePerScrape(read: () => ClientStats): () => ClientStats {
  let snapshot: ClientStats | undefined;
  return () => {
    if (snapshot === undefined) {
      snapshot = read();
      setImmediate(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };
}

/**
 * The gauges (and the one counter the pool already counts) collected at
 * scrape time from the client's stats. After close `source` answers
 * undefined and they keep their last values.
 */
export function createStatsGauges(registry: Registry, prefix: string, source: StatsSource): void {
  const registers = [registry];
  const name = (base: string): string => prefix + base;
  const gauge = (base: string, help: string, value: (stats: ClientStats) => number): void => {
    new Gauge({
      name: name(base),
      help,
      registers,
      collect() {
        const stats = source();
        if (stats !== undefined) this.set(value(stats));
      },
    });
  };
  new Gauge({
    name: name('db_client_connections_usage'),
    help: 'Pooled (lease) connections by state: used (leased) or idle (OpenTelemetry db.client.connection.count; named as before semconv 1.26, since Prometheus reserves the _count suffix for histograms).',
    labelNames: ['state'],
    registers,
    collect() {
      const stats = source();
      if (stats === undefined) return;
      this.set({ state: 'used' }, stats.pool.active);
      this.set({ state: 'idle' }, stats.pool.idle);
    },
  });
  gauge(
    'db_client_connection_max',
    'The most pooled (lease) connections allowed (OpenTelemetry db.client.connection.max).',
    (s) => s.pool.max,
  );
  gauge(
    'db_client_connection_idle_min',
    'Pooled connections kept open when idle (OpenTelemetry db.client.connection.idle.min).',
    (s) => s.pool.min,
  );
  gauge(
    'db_client_connection_pending_requests',
    'Callers waiting for a lease (OpenTelemetry db.client.connection.pending_requests).',
    (s) => s.pool.waiting,
  );
  gauge('redis_kit_lanes', 'Lanes (multiplexed connections for ordinary commands) configured.', (s) => s.lanes.count);
  gauge('redis_kit_lanes_ready', 'Lanes connected and taking commands.', (s) => s.lanes.ready);
  gauge('redis_kit_lane_commands_in_flight', 'Commands written to a lane and awaiting their reply.', (s) => s.lanes.inFlight);
  gauge('redis_kit_lane_commands_queued', 'Commands waiting for a lane, still under their deadline.', (s) => s.lanes.queued);
  gauge('redis_kit_breaker_open', '1 while the circuit breaker is open (commands fail at once), else 0.', (s) =>
    s.breaker.state === 'open' ? 1 : 0,
  );
  createNodeGauges(registers, name, source);
  new Counter({
    name: name('db_client_connection_timeouts_total'),
    help: 'Lease requests that timed out waiting for a connection (OpenTelemetry db.client.connection.timeouts).',
    registers,
    collect() {
      const stats = source();
      if (stats === undefined) return;
      // The pool counts since the client was created; the counter mirrors it.
      this.reset();
      this.inc(stats.pool.acquireFailures.ERR_REDIS_POOL_TIMEOUT ?? 0);
    },
  });
}

const NODE_ROLES = ['lane', 'lease', 'subscriber', 'invalidation'] as const;

/**
 * Cluster mode: figures per node, labelled `node="host:port"` (the address
 * the cluster announces; never credentials). The label's values are the
 * nodes `stats().connections.nodes` lists now, so their number is bounded by
 * the cluster's nodes: each scrape starts afresh, and a node that left the
 * slot map leaves the exposition. Standalone and Sentinel clients export no
 * series of these.
 */
function createNodeGauges(registers: Registry[], name: (base: string) => string, source: StatsSource): void {
  type NodeFigures = NonNullable<ClientStats['connections']['nodes']>[string];
  /**
   * Each scrape: the series start afresh from the nodes listed now, one
   * `fill` per node. Without stats to read, the series stay as they were.
   */
  const eachNode = (metric: { reset(): void }, fill: (node: string, figures: NodeFigures) => void): void => {
    const stats = source();
    if (stats === undefined) return;
    metric.reset();
    for (const [node, figures] of Object.entries(stats.connections.nodes ?? {})) fill(node, figures);
  };
  new Gauge({
    name: name('redis_kit_node_connections'),
    help: 'Cluster mode: connections open on each node, by role (lane, lease, subscriber, invalidation).',
    labelNames: ['node', 'role'],
    registers,
    collect() {
      eachNode(this, (node, figures) => {
        for (const role of NODE_ROLES) this.set({ node, role }, figures[role]);
      });
    },
  });
  new Gauge({
    name: name('redis_kit_node_breaker_open'),
    help: "Cluster mode: 1 while a node's own breaker is open (commands for its slots fail at once), else 0.",
    labelNames: ['node'],
    registers,
    collect() {
      eachNode(this, (node, figures) => this.set({ node }, figures.breaker.state === 'open' ? 1 : 0));
    },
  });
  new Gauge({
    name: name('redis_kit_node_lease_pool_connections'),
    help: "Cluster mode: each node's own lease pool (leases with a key), connections by state (used, idle).",
    labelNames: ['node', 'state'],
    registers,
    collect() {
      eachNode(this, (node, { leasePool }) => {
        if (leasePool === undefined) return;
        this.set({ node, state: 'used' }, leasePool.active);
        this.set({ node, state: 'idle' }, leasePool.idle);
      });
    },
  });
  new Gauge({
    name: name('redis_kit_node_lease_pool_waiting'),
    help: "Cluster mode: callers waiting for a lease from each node's own pool.",
    labelNames: ['node'],
    registers,
    collect() {
      eachNode(this, (node, { leasePool }) => {
        if (leasePool !== undefined) this.set({ node }, leasePool.waiting);
      });
    },
  });
  new Counter({
    name: name('redis_kit_node_failures_total'),
    help: 'Cluster mode: failures attributed to each node (connection errors, commands without a reply by their deadline).',
    labelNames: ['node'],
    registers,
    collect() {
      // The breakers count since the client was created; the counter mirrors them.
      eachNode(this, (node, figures) => this.inc({ node }, figures.breaker.failures));
    },
  });
}
