import { callSafely } from '../lifecycle/call-safely.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { type ClientState, type ClientStats, CommandStats, collectStats } from './stats.js';
import type { LeaseOptions } from '../lease/lease-options.js';
import type { ClientEvents, CreateRedisOptions, HealthOptions, SendOptions } from './types.js';
import { isBlocking, laneBatchRefusal, laneRefusal } from '../commands/command-table.js';
import { installCommands } from '../commands/install-commands.js';
import { timeoutRefusal } from '../commands/timeout-option.js';
import {
  flattenWriteConcern,
  sendWithWriteConcern,
  type WriteConcern,
  waitsForReplicas,
  writeWithWait,
} from '../commands/write-concern.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/options.js';
import { diagnoseConnectFailure } from './connect-diagnosis.js';
import { type ConnectReport, probeServer } from './connect-report.js';
import { createConnections } from './connections.js';
import { type ScanKeysOptions, scanKeys } from './scan-keys.js';
import type { LaneCommands } from './lane-commands.js';
import type { BatchCommand, BatchReplies } from '../engine/engine.js';
import { ClosedError, InvalidArgumentError, NotAllowedError, RedisKitError, RedisUnavailableError } from '../errors.js';
import type { HealthReport } from '../observability/health.js';
import { clientHealth } from './client-health.js';
import { kConnectionFactory, kLaneBatch, kOwnedResourceCount, kOwnResource, type OwnedResource } from './internal.js';
import type { Lease, LeaseContext, LeasedConnection } from '../lease/leased-connection.js';
import { runLease } from '../lease/run-lease.js';
import type { LeasePools } from '../lease/lease-pools.js';
import { SlotCheck } from '../lease/slot-check.js';
import { Breaker } from '../pool/breaker.js';
import { monotonicClock } from '../pool/clock.js';
import { Deadlines } from '../pool/deadlines.js';
import type { Lanes } from '../pool/lanes.js';
import { PendingCommand } from '../pool/pending-command.js';
import { type ChainablePipeline, Pipeline } from '../commands/pipeline.js';
import { Script, type ScriptDefinition } from '../commands/script.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';
import { firstKey } from '../topology/command-keys.js';

/**
 * The redis-kit client: ordinary commands over multiplexed lanes, exclusive
 * leases for transactions and blocking commands, a breaker in front of both.
 * Lifecycle in undici's manner (the {@link Lifecycle} base): `close()`
 * drains, `destroy()` fails pending work, both idempotent; `await using`
 * closes it.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface merged below types the command methods installCommands puts on the prototype.
export class RedisClient extends Lifecycle<ClientEvents> {
  /** The effective configuration (environment, then options, then defaults). Contains secrets: log `redacted(redis.options)`. */
  readonly options: ResolvedConfig;
  readonly #factory: ConnectionFactory | undefined;
  readonly #breaker: Breaker;
  readonly #deadlines = new Deadlines();
  readonly #lanes: Lanes | undefined;
  /** The exclusive pools: one, and on a cluster one per primary too (undefined in memory mode). */
  readonly #pools: LeasePools | undefined;
  readonly #stats: CommandStats;
  readonly #leaseContext: LeaseContext;
  readonly #resources = new Set<OwnedResource>();
  /** Leases in progress, so destroy() fails what they wait for at once (a BLPOP 0 has no deadline to cancel). */
  readonly #leases = new Set<LeasedConnection>();
  /** Where the client is while open; closing/closed/destroyed come from the lifecycle. */
  #state: 'idle' | 'connecting' | 'ready' = 'idle';
  #maintenance: NodeJS.Timeout | undefined;
  /** Set when writes wait for replicas (`writeConcernReplicas` > 0). */
  readonly #writeConcern: WriteConcern | undefined;

  constructor(options: CreateRedisOptions = {}) {
    super();
    const { env, clock, writeConcern, ...rest } = options;
    this.options = loadConfig(env ?? process.env, { ...rest, ...flattenWriteConcern(writeConcern, rest) });
    const config = this.options;
    this.#writeConcern =
      config.writeConcernReplicas > 0 ? { replicas: config.writeConcernReplicas, timeoutMs: config.writeConcernTimeoutMs } : undefined;
    this.#breaker = new Breaker({
      failureThreshold: config.breakerFailureThreshold,
      onStateChange: (state, error) => {
        if (state === 'open' && error !== undefined) this.#emitSafely('unavailable', error);
      },
    });
    this.#stats = new CommandStats(() => {
      if (this.closed) this.#lanes?.checkDrained();
    });
    this.#leaseContext = {
      deadlines: this.#deadlines,
      observer: this.#stats,
      commandTimeoutMs: config.commandTimeoutMs,
      acquireTimeoutMs: config.acquireTimeoutMs,
      db: config.db,
      live: this.#leases,
      slotCheck: config.mode === 'cluster' ? new SlotCheck(config.keyPrefix) : undefined,
    };
    if (config.mode === 'memory') return;
    const parts = createConnections(config, {
      breaker: this.#breaker,
      deadlines: this.#deadlines,
      clock: clock ?? monotonicClock,
      slotCheck: this.#leaseContext.slotCheck,
      onAvailable: () => {
        if (this.#state === 'connecting') this.#state = 'ready';
        this.#emitSafely('ready');
      },
    });
    this.#factory = parts.factory;
    this.#lanes = parts.lanes;
    this.#pools = parts.pools;
  }

  get state(): ClientState {
    const lifecycle = this.lifecycleState;
    return lifecycle === 'open' ? this.#state : lifecycle;
  }

  /** True while the breaker is open: commands fail at once with RedisUnavailableError. */
  get isUnavailable(): boolean {
    return this.options.mode === 'memory' || this.#breaker.isOpen;
  }

  /**
   * Connects the lanes, warms the pool to `minConnections`, and reports what
   * it found. Optional: the first command connects lazily. On failure the
   * error says where it looked and what to check.
   */
  async connect(): Promise<ConnectReport> {
    const { lanes, pools } = this.#parts();
    if (this.closed) throw new ClosedError();
    this.#start();
    try {
      await lanes.connect();
      await pools.warm();
    } catch (error) {
      throw diagnoseConnectFailure(error, this.#factory?.target ?? '', this.options.mode);
    }
    if (this.#state === 'connecting') this.#state = 'ready';
    return probeServer(this, this.#factory?.target ?? '', this.options.mode);
  }

  /**
   * Sends any command by name. The generated methods (`get`, `hset`, …) call
   * this. A `timeoutMs` that is not a finite number ≥ 0 is refused with
   * InvalidArgumentError.
   */
  sendCommand(name: string, args: unknown[], options?: SendOptions): Promise<unknown> {
    const badTimeout = timeoutRefusal('timeoutMs', options?.timeoutMs);
    if (badTimeout !== undefined) return Promise.reject(badTimeout);
    const lower = name.toLowerCase();
    const refusal = laneRefusal(lower, args);
    if (refusal !== undefined) return Promise.reject(new NotAllowedError(refusal));
    if (isBlocking(lower, args)) {
      const leaseFn = (conn: Lease): Promise<unknown> => conn.sendCommand(lower, args, options);
      // On a cluster a blocking command waits on its key's node, over that node's pool.
      const key = this.#pools?.nodes === undefined ? undefined : firstKey(lower, args);
      return key === undefined ? this.lease(leaseFn) : this.lease(key, leaseFn);
    }
    const lanes = this.#lanes;
    if (lanes === undefined) return Promise.reject(this.#memoryModeError());
    // The drain starts a tick after close(); nothing new is taken meanwhile.
    if (this.closed) return Promise.reject(this.closedError());
    if (this.#state === 'idle') this.#start();
    const buffer = options?.buffer ?? false;
    const timeoutMs = options?.timeoutMs ?? this.options.commandTimeoutMs;
    const concern = this.#writeConcern;
    if (concern !== undefined && waitsForReplicas(lower)) return this.#writeWithConcern(lanes, lower, args, buffer, timeoutMs, concern);
    const command = new PendingCommand(lower, args, buffer, timeoutMs, this.#stats);
    lanes.dispatch(command);
    return command.promise;
  }

  /**
   * Lends a connection to `fn` for WATCH/MULTI, blocking commands, SELECT or
   * anything else that needs a connection to itself. The connection always
   * comes back, also when `fn` throws or the signal fires; it is reset (or
   * destroyed and replaced) before it is lent again. A `timeoutMs` that is
   * not a finite number ≥ 0 is refused with InvalidArgumentError.
   *
   * With a `key` first (`lease(key, fn)`), on a cluster the connection comes
   * from the pool of the node that owns the key's slot (min, max, acquire
   * timeout and breaker are that node's; a slot that moves meanwhile gives
   * SlotMovedError), and a transaction or pipeline in it whose
   * keys (or WATCHed keys) are not all in that slot is refused before anything
   * is sent with CrossSlotError (code `ERR_REDIS_CROSS_SLOT`). On a cluster,
   * leases without a key refuse batches spanning slots the same way. Outside
   * a cluster the key changes nothing.
   */
  lease<T>(fn: (connection: Lease) => Promise<T>, options?: LeaseOptions): Promise<T>;
  lease<T>(key: string, fn: (connection: Lease) => Promise<T>, options?: LeaseOptions): Promise<T>;
  lease<T>(
    keyOrFn: string | ((connection: Lease) => Promise<T>),
    fnOrOptions?: ((connection: Lease) => Promise<T>) | LeaseOptions,
    maybeOptions?: LeaseOptions,
  ): Promise<T> {
    // Not async: runLease's promise goes back as it is, without one more promise and its ticks per lease.
    try {
      const { pools } = this.#parts();
      if (this.closed) throw new ClosedError();
      if (this.#state === 'idle') this.#start();
      if (typeof keyOrFn === 'function') {
        return runLease(pools.pool, this.#leaseContext, keyOrFn, (fnOrOptions as LeaseOptions | undefined) ?? {});
      }
      if (typeof fnOrOptions !== 'function') throw new InvalidArgumentError('lease(key, fn): fn must be a function');
      const route = pools.route(keyOrFn);
      return runLease(route.pool, this.#leaseContext, fnOrOptions, maybeOptions ?? {}, route.target);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A pipeline over a lane: commands are recorded, then written together on `exec()`. */
  pipeline(): ChainablePipeline {
    return new Pipeline((commands, atomic) => this.#runBatch(commands, atomic), false);
  }

  /** A MULTI/EXEC transaction over a lane. For WATCH, use `lease()` and `conn.multi()`. */
  multi(): ChainablePipeline {
    return new Pipeline((commands, atomic) => this.#runBatch(commands, atomic), true);
  }

  /** Defines a Lua script once; `script.run(redis, keys, args)` runs it by EVALSHA with a NOSCRIPT fallback. */
  defineScript<Result = unknown>(definition: ScriptDefinition): Script<Result> {
    return new Script<Result>(definition);
  }

  /**
   * The health report: whether Redis answers (a PING), its latency class,
   * the client's connections, and with `deep: true` the server's facts from
   * INFO and a SET/GET/DEL of a throwaway key; plus warnings saying what to
   * do. Each check is bounded by `timeoutMs` (default 1000). A Redis failure
   * never rejects: it is reported in the result, with its error code. A bad
   * argument is a programming error and does reject with
   * InvalidArgumentError: a `timeoutMs` that is not a finite number ≥ 0, or
   * bad `latencyThresholdsMs`.
   */
  health(options: HealthOptions = {}): Promise<HealthReport> {
    return clientHealth(this, { options: this.options, target: this.#factory?.target, resources: this.#resources }, options);
  }

  /**
   * Iterates the keys matching `match` (a SCAN pattern, without the client's
   * key prefix: the prefix is added to the pattern and removed from what is
   * yielded). Uses SCAN, never KEYS, so the server is not blocked.
   *
   * On a cluster every primary is scanned, and a topology change during the
   * scan (a failover) is followed: slots whose node failed mid-scan are
   * scanned again at their new owner, and keys already yielded are not
   * yielded again. It waits up to `topologyTimeoutMs` for the slot map to
   * cover every slot, then fails with ClusterTopologyError. As with SCAN on
   * one server, keys written or deleted during the scan may or may not be
   * seen.
   */
  scanKeys(match: string, options: ScanKeysOptions = {}): AsyncGenerator<string> {
    return scanKeys(this, this.#factory?.cluster, this.options, match, options);
  }

  /**
   * @internal Services register themselves (and connections of their own)
   * here, to be closed with the client. Returns the function that
   * unregisters: a service calls it when it closes first, so creating and
   * closing services leaves nothing behind on the client.
   */
  [kOwnResource](resource: OwnedResource): () => void {
    if (this.closed) {
      void resource.close();
      return () => undefined;
    }
    this.#resources.add(resource);
    return () => {
      this.#resources.delete(resource);
    };
  }

  /** @internal How many resources are registered (tests of service lifecycles). */
  get [kOwnedResourceCount](): number {
    return this.#resources.size;
  }

  /** @internal A pipeline on a lane, unchecked, counted in stats as `name`; see {@link kLaneBatch}. */
  [kLaneBatch](commands: BatchCommand[], name = 'pipeline'): Promise<BatchReplies | null> {
    return this.#runBatch(commands, false, false, name);
  }

  /** @internal The connection factory, for redis-kit's own services (subscriber, near-cache). */
  get [kConnectionFactory](): ConnectionFactory | undefined {
    return this.#factory;
  }

  /** Counts and summaries of everything the client did; see {@link ClientStats}. */
  stats(): ClientStats {
    return collectStats({
      state: this.state,
      options: this.options,
      breaker: this.#breaker,
      commands: this.#stats,
      lanes: this.#lanes,
      pool: this.#pools?.pool,
      nodePools: this.#pools?.nodes,
      cluster: this.#factory?.cluster,
    });
  }

  /** @internal For tests of pool ageing: runs idle eviction and retirement now. */
  runMaintenance(): void {
    this.#pools?.runMaintenance();
  }

  /**
   * Stops taking work, lets in-flight work and leases finish, then QUITs.
   * Idempotent. Every step is bounded: commands by their deadlines, each
   * QUIT by `connectTimeoutMs` (then the socket is dropped). A `deadlineMs`
   * that is not a finite number ≥ 0 is refused with InvalidArgumentError
   * (and the client stays open).
   */
  /** Fails all pending work with `error` (or ClosedError) and drops every connection. Idempotent. */
  override destroy(error?: Error): void {
    super.destroy(error ?? new ClosedError('the client was destroyed'));
  }

  protected override async onClose(): Promise<void> {
    clearInterval(this.#maintenance);
    for (const resource of this.#resources) resource.clientClosing?.();
    await Promise.all([this.#lanes?.drain(), this.#pools?.drain()]);
    await Promise.all([this.#lanes?.close(false), this.#pools?.close(false), ...[...this.#resources].map((r) => r.close())]);
  }

  protected override onDestroy(reason: Error): void {
    // Callers only ever see typed errors, also when destroy() was given a plain one.
    const error =
      reason instanceof RedisKitError ? reason : new ClosedError(`the client was destroyed: ${reason.message}`, { cause: reason });
    clearInterval(this.#maintenance);
    // Leases first: a command they wait for (a BLPOP 0, a batch) fails now,
    // not when the engine notices its socket is gone.
    for (const lease of [...this.#leases]) lease.end(error);
    void this.#lanes?.close(true);
    void this.#pools?.close(true);
    for (const resource of this.#resources) resource.destroy(error);
    // Commands still queued or on the wire get the error now, not at their deadline.
    this.#deadlines.cancelAll(error);
  }

  /** A listener that throws must not break the pool's bookkeeping. */
  #emitSafely<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    callSafely(() => (this.emit as (event: K, ...args: ClientEvents[K]) => boolean)(event, ...args));
  }

  #start(): void {
    if (this.#state !== 'idle' || this.closed) return;
    this.#state = 'connecting';
    const interval = Math.min(1000, Math.max(100, this.options.idleTimeoutMs / 4));
    this.#maintenance = setInterval(() => this.runMaintenance(), interval);
    this.#maintenance.unref();
  }

  /** A write followed by WAIT on the same lane connection; see {@link RedisKitOptions.writeConcernReplicas}. */
  #writeWithConcern(
    lanes: Lanes,
    name: string,
    args: unknown[],
    buffer: boolean,
    timeoutMs: number,
    concern: WriteConcern,
  ): Promise<unknown> {
    return sendWithWriteConcern({
      name,
      args,
      concern,
      // WAIT may legitimately take its whole timeout: the deadline covers it on top of the command's own.
      deadlineMs: timeoutMs + concern.timeoutMs,
      send: (remainingMs) => {
        const command = new PendingCommand(name, args, buffer, remainingMs, this.#stats);
        command.batch = { commands: writeWithWait(name, args, buffer, concern), atomic: false };
        lanes.dispatch(command);
        return command.promise as Promise<BatchReplies | null>;
      },
      read: (key, remainingMs) => this.sendCommand('exists', [key], { timeoutMs: remainingMs }),
    });
  }

  #runBatch(commands: BatchCommand[], atomic: boolean, check = true, name = atomic ? 'multi' : 'pipeline'): Promise<BatchReplies | null> {
    const lanes = this.#lanes;
    if (lanes === undefined) return Promise.reject(this.#memoryModeError());
    const refusal = check ? laneBatchRefusal(commands) : undefined;
    if (refusal !== undefined) return Promise.reject(new NotAllowedError(refusal));
    if (this.closed) return Promise.reject(this.closedError());
    if (this.#state === 'idle') this.#start();
    const command = new PendingCommand(name, [], false, this.options.commandTimeoutMs, this.#stats);
    command.batch = { commands, atomic };
    lanes.dispatch(command);
    return command.promise as Promise<BatchReplies | null>;
  }

  #parts(): { lanes: Lanes; pools: LeasePools } {
    if (this.#lanes === undefined || this.#pools === undefined) throw this.#memoryModeError();
    return { lanes: this.#lanes, pools: this.#pools };
  }

  #memoryModeError(): RedisUnavailableError {
    return new RedisUnavailableError("REDIS_URL is memory://: there is no Redis server; only the services' in-memory fallbacks run");
  }
}

installCommands(RedisClient.prototype, new Set(['multi', 'pipeline']));

// Declaration merging gives the class every command's type; installCommands gives the bodies.
export interface RedisClient extends LaneCommands {}

/** Creates a client from the environment and `options` (which win). Nothing connects until first use or `connect()`. */
export function createRedis(options?: CreateRedisOptions): RedisClient {
  return new RedisClient(options);
}
