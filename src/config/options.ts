/**
 * The two shapes of redis-kit configuration: what callers may pass
 * ({@link RedisKitOptions}, all optional) and what the rest of the library reads
 * ({@link ResolvedConfig}, every default applied). Both use the same names.
 *
 * Precedence, highest first: a programmatic option, its `REDIS_*` environment
 * variable, the matching part of the URL (credentials and database only), the
 * default. Durations are milliseconds in code and seconds in the environment.
 */

/** One server address, as in `REDIS_CLUSTER_NODES` or `REDIS_SENTINELS`. */
export interface HostPort {
  /** Host name or IP address; IPv6 without brackets (`::1`). */
  host: string;
  /** TCP port, 1 to 65535. */
  port: number;
}

/** How the client finds its servers. */
export type RedisMode = 'standalone' | 'cluster' | 'sentinel';

/** {@link RedisMode} plus `'memory'`, which `memory://` selects. */
export type ResolvedMode = RedisMode | 'memory';

export interface RedisKitOptions {
  /**
   * Where Redis is. `redis://[user[:password]@]host[:port][/db]`, `rediss://…`
   * for TLS, or `memory://` to run every service on its in-process fallback
   * (no server at all; for first runs and tests).
   *
   * Env `REDIS_URL`. Default `redis://127.0.0.1:6379`. Port defaults to 6379,
   * db to 0 (0 to 15). Credentials must be percent-encoded (`@` is `%40`).
   *
   * Pitfall: a query string (`?db=1`) is rejected rather than ignored: set
   * those through their own options. In cluster and sentinel mode only the
   * credentials and db of the URL are used; the nodes come from
   * {@link RedisKitOptions.clusterNodes} / {@link RedisKitOptions.sentinels}.
   */
  url?: string;

  /**
   * Topology. Env `REDIS_MODE`: `standalone` | `cluster` | `sentinel`.
   * Default `'standalone'`. Ignored when {@link RedisKitOptions.url} is `memory://`.
   */
  mode?: RedisMode;

  /** ACL user name. Env `REDIS_USERNAME`. Overrides the URL's. Default: the URL's, else none (`default` user). */
  username?: string;

  /**
   * Password (AUTH). Env `REDIS_PASSWORD`. Overrides the URL's. Default: the
   * URL's, else none. Never logged: `redacted()` shows `***`. An empty
   * string means no password.
   */
  password?: string;

  /**
   * Logical database. Env `REDIS_DB`. Integer 0 to 15. Default: the URL's
   * `/N`, else 0.
   *
   * Pitfall: Redis Cluster has only database 0; any other value is rejected in
   * cluster mode.
   */
  db?: number;

  /**
   * Seed nodes of a Redis Cluster; the rest are discovered. Env
   * `REDIS_CLUSTER_NODES` as `host:port,host:port` (IPv6 as `[::1]:7000`).
   * Required, non-empty, when {@link RedisKitOptions.mode} is `cluster`; rejected otherwise,
   * so a forgotten `REDIS_MODE` is not silently ignored. Default `[]`.
   */
  clusterNodes?: readonly HostPort[];

  /**
   * Sentinel addresses. Env `REDIS_SENTINELS`, same format as
   * {@link RedisKitOptions.clusterNodes}. Required, non-empty, in sentinel mode; rejected
   * otherwise. Default `[]`.
   */
  sentinels?: readonly HostPort[];

  /** Name of the master the sentinels watch. Env `REDIS_SENTINEL_MASTER`. Required in sentinel mode. */
  sentinelMaster?: string;

  /** Password of the sentinels themselves (not of the master). Env `REDIS_SENTINEL_PASSWORD`. Never logged. */
  sentinelPassword?: string;

  /**
   * Multiplexed connections that carry ordinary commands. Env `REDIS_LANES`.
   * Integer 1 to 16. Default 2.
   *
   * Node is single-threaded: more lanes add sockets and latency long before
   * they add throughput. Raise it only when a benchmark says so.
   */
  lanes?: number;

  /**
   * Most exclusive (leased) connections: WATCH/MULTI, blocking commands,
   * SELECT. Env `REDIS_MAX_CONNECTIONS`. Integer 5 to 200. Default 50.
   *
   * Pitfall: this is per client and per node. A client holds up to
   * lanes + maxConnections + 1 subscriber + 1 invalidation (near-cache on
   * ioredis lanes, Sentinel, Cluster) connections to each node (`stats().connections.maxPerNode`); size the
   * server's `maxclients` across every process. On a Cluster, leases with a
   * key come from one pool per primary, each up to this many, and leases
   * without a key from one client-wide pool of cluster clients.
   */
  maxConnections?: number;

  /**
   * Exclusive connections opened at `connect()` and kept open when idle. Env
   * `REDIS_MIN_CONNECTIONS`. Integer 0 to 200, at most {@link RedisKitOptions.maxConnections}.
   * Default 0. On a Cluster this many are kept on every primary, for leases
   * with a key (`lease(key, fn)`); a lease without a key is not kept warm.
   */
  minConnections?: number;

  /**
   * Time allowed to open a socket (TCP + TLS + AUTH). Env
   * `REDIS_SOCKET_CONNECT_TIMEOUT` in seconds, 1 to 30 (decimals allowed).
   * Default 5000 ms.
   */
  connectTimeoutMs?: number;

  /**
   * Time a socket may stay silent while replies are owed before it is
   * considered dead. Env `REDIS_SOCKET_TIMEOUT` in seconds, 1 to 30. Default
   * 5000 ms.
   *
   * Pitfall: blocking commands (BLPOP …) are exempt; they use their own
   * timeout argument.
   */
  socketTimeoutMs?: number;

  /**
   * Longest wait for a lease before `PoolTimeoutError`. Env
   * `REDIS_ACQUIRE_TIMEOUT` in seconds, 0.1 to 60. Default 5000 ms.
   */
  acquireTimeoutMs?: number;

  /**
   * Deadline of one command, counting time queued and time on the wire,
   * before `CommandTimeoutError`. Env `REDIS_COMMAND_TIMEOUT` in seconds,
   * 0.1 to 60. Default 5000 ms.
   *
   * Pitfall: a timed-out command may still run on the server; it is not
   * resent.
   */
  commandTimeoutMs?: number;

  /**
   * Cap of the exponential backoff (full jitter) between reconnect attempts
   * and breaker probes. Env `REDIS_RETRY_MAX_DELAY` in seconds, 0.1 to 30.
   * Default 30000 ms.
   */
  retryMaxDelayMs?: number;

  /**
   * Prepended to every key the client sends. Env `REDIS_KEY_PREFIX`. Up to 128
   * characters, taken verbatim (no trimming). Default `''`.
   *
   * Pitfall: in cluster mode a prefix with a hash tag (`{app}:`) sends every
   * key to one slot.
   */
  keyPrefix?: string;

  /**
   * The protocol engine under the lanes and leases. Env `REDIS_ENGINE`.
   * `'resp'` (default): redis-kit's own RESP2/RESP3 connection (one socket
   * per lane, writes coalesced per tick, no per-command timers; about 3× raw
   * ioredis at 50 callers, docs/benchmarks.md). `'ioredis'`: the lanes and
   * leases on ioredis connections, as before; kept for one release as the
   * way back should the own engine misbehave for you.
   * `'resp'` applies in standalone mode only: Cluster and Sentinel always run
   * on ioredis, and so does the pub/sub subscriber, whatever this says. On
   * `'resp'` a near-cache gets its invalidations as RESP3 pushes on the lanes
   * (no connection of its own); on ioredis lanes it keeps an invalidation
   * connection (docs/cache.md, "Near-cache").
   *
   * Backpressure on `'resp'`: when a lane's socket holds more than 4 MiB not
   * yet sent (`socket.writableLength` plus the tick's encoded commands), the
   * lane takes no more commands until the socket drains; they wait in the
   * bounded queue (`maxQueuedCommands`), each under its own deadline, and one
   * that expires there is never sent.
   */
  engine?: 'ioredis' | 'resp';

  /**
   * Cluster mode: how often the slot map is read again (CLUSTER SLOTS) even
   * when no MOVED reply asked for it, so a failover or a lost node is learnt
   * by every connection within this bound (MOVED / ASK redirections are
   * always followed). Env `REDIS_CLUSTER_SLOTS_REFRESH_INTERVAL` in seconds,
   * 0 (only on MOVED and reconnects) or 1 to 3600. Default 5000 ms. Each
   * refresh asks one node, over a short-lived connection per lane and lease.
   */
  clusterSlotsRefreshIntervalMs?: number;

  /**
   * Cluster mode: where read-only commands go. Env `REDIS_READ_FROM`.
   * `'primary'` (default): every command on the slot's primary.
   * `'replica-preferred'`: reads (GET, HGETALL, MGET …) on a replica of the
   * slot when it has one, else the primary. Pitfall: replicas are updated
   * asynchronously, so a read there may not see a write just acknowledged
   * (read-your-writes is lost), and after a failover it may be older still.
   * Writes, scripts, leases and transactions stay on the primary.
   */
  readFrom?: 'primary' | 'replica-preferred';

  /**
   * PEM file of the CA to trust. Env `REDIS_TLS_CA_FILE`. Setting any TLS file
   * turns TLS on, as `rediss://` does. Files are read at connect time
   * (`readTlsFiles()`), not here. Default: Node's trusted CAs.
   */
  tlsCaFile?: string;

  /** PEM client certificate (mutual TLS). Env `REDIS_TLS_CERT_FILE`. Needs {@link RedisKitOptions.tlsKeyFile}. */
  tlsCertFile?: string;

  /** PEM private key of {@link RedisKitOptions.tlsCertFile}. Env `REDIS_TLS_KEY_FILE`. Needs {@link RedisKitOptions.tlsCertFile}. */
  tlsKeyFile?: string;

  /**
   * An idle exclusive connection is closed after this long, down to
   * {@link RedisKitOptions.minConnections}. Env `REDIS_IDLE_TIMEOUT` in seconds, 1 to 3600.
   * Default 30000 ms.
   */
  idleTimeoutMs?: number;

  /**
   * An exclusive connection older than this is retired when next idle (with
   * per-connection jitter, so they do not all reconnect at once). Env
   * `REDIS_MAX_LIFETIME` in seconds. 0 disables; otherwise 1000 to 86400000
   * ms (1 s to 24 h). Default 1800000 ms (30 min).
   *
   * The 24 h cap keeps timers below Node's 2^31-1 ms limit, above which they
   * fire at once.
   */
  maxLifetimeMs?: number;

  /**
   * An exclusive connection idle longer than this is PINGed before it is
   * lent. Env `REDIS_VALIDATE_AFTER_IDLE` in seconds, 0 to 3600; 0 PINGs
   * before every lease (one extra round trip each). Default 10000 ms.
   */
  validateAfterIdleMs?: number;

  /**
   * Most callers that may wait for a lease; beyond it `acquire` fails at once
   * with `QueueFullError` instead of queueing. Env
   * `REDIS_MAX_WAITING_ACQUIRES`. Integer 1 to 100000. Default 1000.
   */
  maxWaitingAcquires?: number;

  /**
   * Most commands that may wait while the client is connecting; beyond it
   * they fail with `QueueFullError`. Env `REDIS_MAX_QUEUED_COMMANDS`. Integer
   * 0 to 1000000; 0 fails every command sent before the client is connected.
   * Default 10000.
   */
  maxQueuedCommands?: number;

  /**
   * Consecutive connection failures that open the circuit breaker, after
   * which commands fail at once with `RedisUnavailableError`. Env
   * `REDIS_BREAKER_FAILURE_THRESHOLD`. Integer 1 to 1000. Default 5.
   */
  breakerFailureThreshold?: number;

  /**
   * Shortest wait between two reconnect attempts (the breaker's probes)
   * while the breaker is open; attempts still back off with jitter up to
   * {@link RedisKitOptions.retryMaxDelayMs}, which wins if it is smaller.
   * Before the breaker opens, reconnects start at 50 ms so a blip is
   * recovered from quickly. While the breaker is open with lanes still
   * connected (a server refusing new connections), a PING over a ready lane
   * runs at this interval too, so an open breaker can always close.
   * Env `REDIS_BREAKER_PROBE_INTERVAL` in seconds,
   * 0.05 to 60. Default 1000 ms.
   */
  breakerProbeIntervalMs?: number;

  /**
   * Write concern: after every write sent on the client itself (`set`,
   * `incr`, `eval` …, not reads), wait until this many replicas confirmed it
   * (`WAIT n timeout`, pipelined right behind the write on the same
   * connection). A write that fewer replicas confirmed within
   * {@link RedisKitOptions.writeConcernTimeoutMs} fails with
   * `WriteConcernError`: it ran on the primary but is not confirmed
   * replicated. Env `REDIS_WRITE_CONCERN_REPLICAS`. Integer 0 to 16; 0 (the
   * default) turns it off.
   *
   * Pitfall: it costs a replication round trip on every write (see
   * docs/scale-out.md for measured figures), and covers single commands only:
   * pipelines, MULTI and leases send `WAIT` themselves (`conn.wait(n, ms)`).
   * `WAIT` does not make Redis strongly consistent; it narrows the window in
   * which a failover loses acknowledged writes. With Cluster the replicas are
   * the key's shard's.
   */
  writeConcernReplicas?: number;

  /**
   * How long `WAIT` may wait for {@link RedisKitOptions.writeConcernReplicas}
   * replicas. Env `REDIS_WRITE_CONCERN_TIMEOUT` in seconds, 0.001 to 60.
   * Default 1000 ms. The command's deadline (`commandTimeoutMs`) is extended
   * by this much for writes that wait.
   */
  writeConcernTimeoutMs?: number;

  /**
   * Sent as `CLIENT SETNAME` so operators can tell these connections apart in
   * `CLIENT LIST`. Env `REDIS_CONNECTION_NAME`. 1 to 128 printable ASCII
   * characters, no spaces (Redis refuses them). Default `'redis-kit'`.
   */
  connectionName?: string;
}

/**
 * The effective configuration, every default applied and every value checked.
 * Same names and units as {@link RedisKitOptions}; see there for meanings.
 * Frozen: treat it as a value.
 */
export interface ResolvedConfig {
  /** The URL as given (it may hold a password: display it through `redactUrl`). */
  readonly url: string;
  readonly mode: ResolvedMode;
  /** From the URL; used in standalone mode. `''` in memory mode. IPv6 without brackets. */
  readonly host: string;
  /** From the URL, default 6379; used in standalone mode. 0 in memory mode. */
  readonly port: number;
  readonly db: number;
  /** Absent when none was given. */
  readonly username?: string;
  /** Absent when none was given. Never log it: use `redacted()`. */
  readonly password?: string;
  /** True for `rediss://` or when any TLS file is given. */
  readonly tls: boolean;
  readonly clusterNodes: readonly HostPort[];
  readonly sentinels: readonly HostPort[];
  /** Present in sentinel mode. */
  readonly sentinelMaster?: string;
  readonly sentinelPassword?: string;
  readonly lanes: number;
  readonly maxConnections: number;
  readonly minConnections: number;
  readonly connectTimeoutMs: number;
  readonly socketTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly retryMaxDelayMs: number;
  readonly keyPrefix: string;
  readonly engine: 'ioredis' | 'resp';
  readonly clusterSlotsRefreshIntervalMs: number;
  readonly readFrom: 'primary' | 'replica-preferred';
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly idleTimeoutMs: number;
  /** 0 means connections are never retired for age. */
  readonly maxLifetimeMs: number;
  readonly validateAfterIdleMs: number;
  readonly maxWaitingAcquires: number;
  readonly maxQueuedCommands: number;
  readonly breakerFailureThreshold: number;
  readonly breakerProbeIntervalMs: number;
  /** 0 means writes do not wait for replicas. */
  readonly writeConcernReplicas: number;
  readonly writeConcernTimeoutMs: number;
  readonly connectionName: string;
}
