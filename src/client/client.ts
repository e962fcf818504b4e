import { EventEmitter } from 'node:events';
import type { RedisCommander } from 'ioredis';
import { callSafely } from '../lifecycle/call-safely.js';
import { type ClientState, type ClientStats, CommandStats, collectStats } from './stats.js';
import type { LeaseOptions } from '../lease/lease-options.js';
import type { ClientEvents, CloseOptions, CreateRedisOptions, SendOptions } from './types.js';
import { isBlocking, laneRefusal } from '../commands/command-table.js';
import { installCommands } from '../commands/install-commands.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/options.js';
import { diagnoseConnectFailure } from './connect-diagnosis.js';
import { type ConnectReport, probeServer } from './connect-report.js';
import { createConnections } from './connections.js';
import type { BatchCommand, BatchReplies } from '../engine/engine.js';
import { ClosedError, NotAllowedError, RedisUnavailableError } from '../errors.js';
import { type HealthReport, checkHealth } from '../observability/health.js';
import { kConnectionFactory, kOwnedResourceCount, kOwnResource, type OwnedResource } from './internal.js';
import { escapeGlob } from '../keys/key-encoding.js';
import type { Lease, LeaseContext } from '../lease/leased-connection.js';
import { runLease } from '../lease/run-lease.js';
import { Breaker } from '../pool/breaker.js';
import { monotonicClock } from '../pool/clock.js';
import { Deadlines } from '../pool/deadlines.js';
import type { Lanes } from '../pool/lanes.js';
import type { LeasePool } from '../pool/lease-pool.js';
import { PendingCommand } from '../pool/pending-command.js';
import { type ChainablePipeline, Pipeline } from '../commands/pipeline.js';
import { Script, type ScriptDefinition } from '../commands/script.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';

/**
 * The redis-kit client: ordinary commands over multiplexed lanes, exclusive
 * leases for transactions and blocking commands, a breaker in front of both.
 * Lifecycle in undici's manner: `close()` drains, `destroy()` fails pending
 * work, both idempotent; `await using` closes it.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface merged below types the command methods installCommands puts on the prototype.
export class RedisClient extends EventEmitter<ClientEvents> {
  /** The effective configuration (environment, then options, then defaults). Contains secrets: log `redacted(redis.options)`. */
  readonly options: ResolvedConfig;
  readonly #factory: ConnectionFactory | undefined;
  readonly #breaker: Breaker;
  readonly #deadlines = new Deadlines();
  readonly #lanes: Lanes | undefined;
  readonly #pool: LeasePool | undefined;
  readonly #stats: CommandStats;
  readonly #leaseContext: LeaseContext;
  readonly #resources = new Set<OwnedResource>();
  #state: ClientState = 'idle';
  #closing: Promise<void> | undefined;
  #maintenance: NodeJS.Timeout | undefined;

  constructor(options: CreateRedisOptions = {}) {
    super();
    // Every service on this client (caches, session stores, limiters) listens
    // for 'ready'/'unavailable'; a dozen is normal, not a leak.
    this.setMaxListeners(100);
    const { env, clock, ...rest } = options;
    this.options = loadConfig(env ?? process.env, rest);
    const config = this.options;
    this.#breaker = new Breaker({
      failureThreshold: config.breakerFailureThreshold,
      onStateChange: (state, error) => {
        if (state === 'open' && error !== undefined) this.#emitSafely('unavailable', error);
      },
    });
    this.#stats = new CommandStats(() => {
      if (this.#closing !== undefined) this.#lanes?.checkDrained();
    });
    this.#leaseContext = { deadlines: this.#deadlines, observer: this.#stats, commandTimeoutMs: config.commandTimeoutMs, db: config.db };
    if (config.mode === 'memory') return;
    const parts = createConnections(config, {
      breaker: this.#breaker,
      deadlines: this.#deadlines,
      clock: clock ?? monotonicClock,
      onAvailable: () => {
        if (this.#state === 'connecting') this.#state = 'ready';
        this.#emitSafely('ready');
      },
    });
    this.#factory = parts.factory;
    this.#lanes = parts.lanes;
    this.#pool = parts.pool;
  }

  get state(): ClientState {
    return this.#state;
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
    const { lanes, pool } = this.#parts();
    if (this.#closing !== undefined) throw new ClosedError();
    this.#start();
    try {
      await lanes.connect();
      await pool.warm();
    } catch (error) {
      throw diagnoseConnectFailure(error, this.#factory?.target ?? '', this.options.mode);
    }
    this.#state = 'ready';
    return probeServer(this, this.#factory?.target ?? '', this.options.mode);
  }

  /** Sends any command by name. The generated methods (`get`, `hset`, …) call this. */
  sendCommand(name: string, args: unknown[], options?: SendOptions): Promise<unknown> {
    const lower = name.toLowerCase();
    const refusal = laneRefusal(lower, args);
    if (refusal !== undefined) return Promise.reject(new NotAllowedError(refusal));
    if (isBlocking(lower, args)) return this.lease((conn) => conn.sendCommand(lower, args, options));
    const lanes = this.#lanes;
    if (lanes === undefined) return Promise.reject(this.#memoryModeError());
    if (this.#state === 'idle') this.#start();
    const command = new PendingCommand(
      lower,
      args,
      options?.buffer ?? false,
      options?.timeoutMs ?? this.options.commandTimeoutMs,
      this.#stats,
    );
    lanes.dispatch(command);
    return command.promise;
  }

  /**
   * Lends a connection to `fn` for WATCH/MULTI, blocking commands, SELECT or
   * anything else that needs a connection to itself. The connection always
   * comes back, also when `fn` throws or the signal fires; it is reset (or
   * destroyed and replaced) before it is lent again.
   */
  async lease<T>(fn: (connection: Lease) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    const { pool } = this.#parts();
    if (this.#closing !== undefined) throw new ClosedError();
    if (this.#state === 'idle') this.#start();
    return runLease(pool, this.#leaseContext, fn, options);
  }

  /** A pipeline over a lane: commands are recorded, then written together on `exec()`. */
  pipeline(): ChainablePipeline {
    return new Pipeline((commands, atomic) => this.#runBatch(commands, atomic), false) as unknown as ChainablePipeline;
  }

  /** A MULTI/EXEC transaction over a lane. For WATCH, use `lease()` and `conn.multi()`. */
  multi(): ChainablePipeline {
    return new Pipeline((commands, atomic) => this.#runBatch(commands, atomic), true) as unknown as ChainablePipeline;
  }

  /** Defines a Lua script once; `script.run(redis, keys, args)` runs it by EVALSHA with a NOSCRIPT fallback. */
  defineScript<Result = unknown>(definition: ScriptDefinition): Script<Result> {
    return new Script<Result>(definition);
  }

  /**
   * Whether Redis answers now: a PING under `timeoutMs` (default 1000). Never
   * throws; a failure is reported in the result, with its error code.
   */
  health(options: { timeoutMs?: number } = {}): Promise<HealthReport> {
    return checkHealth(this, this.#factory?.target ?? 'memory (in-process)', options.timeoutMs ?? 1000);
  }

  /**
   * Iterates the keys matching `match` (a SCAN pattern, without the client's
   * key prefix: the prefix is added to the pattern and removed from what is
   * yielded). Uses SCAN, never KEYS, so the server is not blocked. In cluster
   * mode only one node is scanned: use a hash tag in `match` to keep keys on it.
   */
  async *scanKeys(match: string, options: { count?: number } = {}): AsyncGenerator<string> {
    const prefix = this.options.keyPrefix;
    const pattern = escapeGlob(prefix) + match;
    let cursor = '0';
    do {
      const [next, keys] = (await this.sendCommand('scan', [cursor, 'MATCH', pattern, 'COUNT', options.count ?? 500])) as [
        string,
        string[],
      ];
      cursor = next;
      for (const key of keys) yield prefix !== '' && key.startsWith(prefix) ? key.slice(prefix.length) : key;
    } while (cursor !== '0');
  }

  /**
   * @internal Services register themselves (and connections of their own)
   * here, to be closed with the client. Returns the function that
   * unregisters: a service calls it when it closes first, so creating and
   * closing services leaves nothing behind on the client.
   */
  [kOwnResource](resource: OwnedResource): () => void {
    if (this.#closing !== undefined) {
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

  /** @internal The connection factory, for redis-kit's own services (subscriber, near-cache). */
  get [kConnectionFactory](): ConnectionFactory | undefined {
    return this.#factory;
  }

  /** Counts and summaries of everything the client did; see {@link ClientStats}. */
  stats(): ClientStats {
    return collectStats({
      state: this.#state,
      options: this.options,
      breaker: this.#breaker,
      commands: this.#stats,
      lanes: this.#lanes,
      pool: this.#pool,
    });
  }

  /** @internal For tests of pool ageing: runs idle eviction and retirement now. */
  runMaintenance(): void {
    this.#pool?.runMaintenance();
  }

  /** Stops taking work, lets in-flight work and leases finish, then QUITs. Idempotent. */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#state = 'closing';
    clearInterval(this.#maintenance);
    const graceful = (async () => {
      await Promise.all([this.#lanes?.drain(), this.#pool?.drain()]);
      await Promise.all([this.#lanes?.close(false), this.#pool?.close(false), ...[...this.#resources].map((r) => r.close())]);
    })();
    let work: Promise<void> = graceful;
    if (options.deadlineMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.#forceClose(new ClosedError(`close() deadline of ${options.deadlineMs} ms passed; dropping unfinished work`));
          resolve();
        }, options.deadlineMs);
      });
      work = Promise.race([graceful, deadline]).finally(() => clearTimeout(timer));
    }
    this.#closing = work.then(() => {
      if (this.#state !== 'destroyed') this.#state = 'closed';
    });
    return this.#closing;
  }

  /** Fails all pending work with `error` (or ClosedError) and drops every connection. Idempotent. */
  destroy(error?: Error): void {
    if (this.#state === 'destroyed') return;
    this.#closing ??= Promise.resolve();
    this.#forceClose(error ?? new ClosedError('the client was destroyed'));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #forceClose(error: Error): void {
    this.#state = 'destroyed';
    clearInterval(this.#maintenance);
    void this.#lanes?.close(true);
    void this.#pool?.close(true);
    for (const resource of this.#resources) resource.destroy(error);
    // Commands still queued or on the wire get the error now, not at their deadline.
    this.#deadlines.cancelAll(error);
  }

  /** A listener that throws must not break the pool's bookkeeping. */
  #emitSafely<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    callSafely(() => (this.emit as (event: K, ...args: ClientEvents[K]) => boolean)(event, ...args));
  }

  #start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'connecting';
    const interval = Math.min(1000, Math.max(100, this.options.idleTimeoutMs / 4));
    this.#maintenance = setInterval(() => this.#pool?.runMaintenance(), interval);
    this.#maintenance.unref();
  }

  #runBatch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null> {
    const lanes = this.#lanes;
    if (lanes === undefined) return Promise.reject(this.#memoryModeError());
    for (const [name, ...args] of commands) {
      const refusal =
        laneRefusal(name.toLowerCase(), args) ??
        (isBlocking(name.toLowerCase(), args) ? `${name} blocks: run it inside lease()` : undefined);
      if (refusal !== undefined) return Promise.reject(new NotAllowedError(`in a pipeline: ${refusal}`));
    }
    if (this.#state === 'idle') this.#start();
    const command = new PendingCommand(atomic ? 'multi' : 'pipeline', [], false, this.options.commandTimeoutMs, this.#stats);
    command.batch = { commands, atomic };
    lanes.dispatch(command);
    return command.promise as Promise<BatchReplies | null>;
  }

  #parts(): { lanes: Lanes; pool: LeasePool } {
    if (this.#lanes === undefined || this.#pool === undefined) throw this.#memoryModeError();
    return { lanes: this.#lanes, pool: this.#pool };
  }

  #memoryModeError(): RedisUnavailableError {
    return new RedisUnavailableError("REDIS_URL is memory://: there is no Redis server; only the services' in-memory fallbacks run");
  }
}

installCommands(RedisClient.prototype as unknown as Parameters<typeof installCommands>[0], new Set(['multi', 'pipeline']));

type LaneCommands = Omit<
  RedisCommander,
  | 'multi'
  | 'pipeline'
  | 'watch'
  | 'unwatch'
  | 'exec'
  | 'discard'
  | 'select'
  | 'subscribe'
  | 'psubscribe'
  | 'ssubscribe'
  | 'unsubscribe'
  | 'punsubscribe'
  | 'sunsubscribe'
  | 'monitor'
  | 'quit'
  | 'auth'
  | 'hello'
  | 'reset'
>;

// Declaration merging gives the class every command's type; installCommands gives the bodies.
export interface RedisClient extends LaneCommands {}

/** Creates a client from the environment and `options` (which win). Nothing connects until first use or `connect()`. */
export function createRedis(options?: CreateRedisOptions): RedisClient {
  return new RedisClient(options);
}
