import type { ResolvedConfig } from '../config/options.js';
import { describeTarget } from '../config/redact.js';
import { Engine } from '../engine/engine.js';
import type { EngineSeam } from '../engine/engine-seam.js';
import { createEngineClient, type EngineClientOptions } from '../engine/ioredis-client.js';
import type { RespEngine } from '../engine/resp-engine.js';
import { createRespEngine } from '../engine/resp-engine-factory.js';
import { Cluster, type Redis } from 'ioredis';
import { ClusterClients } from './cluster-clients.js';
import { NodeBreakers } from './node-breakers.js';
import { NodeGuardedEngine } from './node-guard.js';

/** Roles whose connections go through the engine seam only (so may be on the own engine). */
type SeamRole = 'lane' | 'lease';

/**
 * Makes connections for one topology (standalone, cluster or sentinel). The
 * pool asks for "a lane" or "a lease" and never learns which it is talking to.
 *
 * Which engine: lanes and leases are on redis-kit's own RESP engine when
 * `engine: 'resp'` and the mode is standalone; everything else (Cluster,
 * Sentinel, the subscriber, the invalidation connection, which need
 * ioredis's pub/sub delivery) is on ioredis. (On the own engine's lanes the
 * near-cache needs no invalidation connection: see {@link respLanes}.)
 */
export class ConnectionFactory {
  readonly #config: ResolvedConfig;
  readonly #tls: EngineClientOptions['tls'];
  readonly #cluster: ClusterClients | undefined;
  /** Where connections go, for messages: host:port and mode, never credentials. */
  readonly target: string;
  readonly #respLanes: RespEngine[] = [];

  constructor(config: ResolvedConfig, tls?: EngineClientOptions['tls']) {
    this.#config = config;
    this.#tls = tls;
    this.target = describeTarget(config);
    this.#cluster =
      config.mode === 'cluster'
        ? new ClusterClients(
            config.clusterSlotsRefreshIntervalMs,
            new NodeBreakers({ failureThreshold: config.breakerFailureThreshold, probeIntervalMs: config.breakerProbeIntervalMs }),
            config.connectTimeoutMs,
          )
        : undefined;
  }

  /** In cluster mode: the Cluster clients made here and the slot map they keep; else undefined. */
  get cluster(): ClusterClients | undefined {
    return this.#cluster;
  }

  /** Which engine lanes and leases get: `resp` only where the own engine is supported (standalone). */
  get seamEngine(): 'ioredis' | 'resp' {
    return this.#config.engine === 'resp' && this.#config.mode === 'standalone' ? 'resp' : 'ioredis';
  }

  /**
   * A lane or a lease: on the engine {@link seamEngine} names. On a cluster a
   * lane has the per-node breakers in front ({@link NodeGuardedEngine}); a
   * lease does not (it carries blocking commands, whose silence is no
   * failure), but a lease for a key checks its node's breaker first.
   */
  createSeam(role: SeamRole, retryStrategy: EngineClientOptions['retryStrategy']): EngineSeam {
    if (this.seamEngine === 'resp') {
      const engine = createRespEngine(this.#config, { role, retryStrategy, tls: this.#tls }, this.target);
      if (role === 'lane') this.#respLanes.push(engine);
      return engine;
    }
    const engine = this.create(role, retryStrategy);
    const cluster = this.#cluster;
    const breakers = cluster?.breakers;
    if (role !== 'lane' || cluster === undefined || breakers === undefined) return engine;
    const client = cluster.clientOf(engine);
    const config = this.#config;
    return new NodeGuardedEngine(engine, {
      breakers,
      ownerOf: (slot) => client?.slots[slot]?.[0],
      keyPrefix: config.keyPrefix,
      commandTimeoutMs: config.commandTimeoutMs,
      batchTimeoutMs: config.commandTimeoutMs + (config.writeConcernReplicas > 0 ? config.writeConcernTimeoutMs : 0),
      refreshSlotMap: () => {
        if (client?.status === 'ready') client.refreshSlotsCache();
      },
      replicaReads: config.readFrom === 'replica-preferred',
    });
  }

  /**
   * The lanes made on the own engine (empty on ioredis): the near-cache turns
   * tracking on over them and takes its invalidations from their push frames.
   */
  get respLanes(): readonly RespEngine[] {
    return this.#respLanes;
  }

  /** A connection on ioredis (the subscriber and the invalidation connection need its pub/sub delivery). */
  create(role: EngineClientOptions['role'], retryStrategy: EngineClientOptions['retryStrategy']): Engine {
    const cluster = this.#cluster;
    if (cluster !== undefined && role === 'subscriber') return this.#onOneNode(cluster, role);
    const leaseOnCluster = cluster !== undefined && role === 'lease';
    const config = leaseOnCluster ? { ...this.#config, clusterNodes: cluster.answeringSeeds(this.#config.clusterNodes) } : this.#config;
    const client = createEngineClient(config, {
      role,
      retryStrategy,
      autoPipelining: role === 'lane',
      tls: this.#tls,
    });
    // A new lease without a key is a new cluster client. Its ready check (CLUSTER INFO) goes
    // to a random primary: one that hangs would hold the lease past its
    // acquire timeout. The lease waits for its own key's node instead
    // (ClusterClients.connectSlotNode), which fails at once when that node's
    // breaker is open.
    if (leaseOnCluster && client instanceof Cluster) client.options.enableReadyCheck = false;
    const engine = new Engine(client, this.target);
    if (client instanceof Cluster) cluster?.track(client, role, engine);
    return engine;
  }

  /**
   * A connection to the cluster node at `address` that reconnects to that
   * node with `retryStrategy` (a near-cache's invalidation connection, which
   * must track the keys of exactly that primary).
   */
  createOnNode(role: EngineClientOptions['role'], address: string, retryStrategy: EngineClientOptions['retryStrategy']): Engine {
    const cluster = this.#cluster;
    if (cluster === undefined) return this.create(role, retryStrategy);
    return this.#onOneNode(cluster, role, address, retryStrategy);
  }

  /**
   * A connection for sharded pub/sub that does not reconnect (its owner
   * places the channels again when it ends): on a cluster to the node at
   * `address` (the owner of the channels' slot), elsewhere to the server.
   */
  createShardSubscriber(address: string | undefined): Engine {
    const cluster = this.#cluster;
    if (cluster !== undefined) return this.#onOneNode(cluster, 'subscriber', address);
    const client = createEngineClient(this.#config, { role: 'subscriber', retryStrategy: null, autoPipelining: false, tls: this.#tls });
    return new Engine(client, this.target);
  }

  /**
   * A plain connection to one node of the cluster (classic pub/sub reaches
   * every node through the cluster bus). It does not reconnect: when its
   * node goes away it ends, and its owner makes a new one, which is placed on
   * a node of the slot map as it is then, so a subscription moves with the
   * topology and its owner sees the move (and reports `resubscribed`).
   */
  #onOneNode(
    cluster: ClusterClients,
    role: EngineClientOptions['role'],
    at?: string,
    retryStrategy: EngineClientOptions['retryStrategy'] = null,
  ): Engine {
    const known = cluster.addresses();
    const candidates = known.length > 0 ? known : this.#config.clusterNodes.map(({ host, port }) => `${host}:${port}`);
    const address = at ?? candidates[Math.floor(Math.random() * candidates.length)] ?? `${this.#config.host}:${this.#config.port}`;
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(colon + 1));
    const client = createEngineClient(
      { ...this.#config, mode: 'standalone', host, port },
      { role, retryStrategy, autoPipelining: false, tls: this.#tls },
    ) as Redis;
    cluster.trackNode(client, role);
    return new Engine(client, `${this.target} (node ${address})`);
  }
}
