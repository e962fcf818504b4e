/**
 * Every error redis-kit throws is a {@link RedisKitError} with a stable `code`.
 * Callers branch on the subclass (`instanceof`) or on `code`; the message is for
 * humans and may change. What caused it is kept as `cause`: for an engine
 * error, a sanitized copy (name, message, errno code), since the engine's own
 * error carries the command's arguments, and AUTH's hold the password.
 *
 * Messages never contain secrets: anything built from configuration goes
 * through the redaction in `config/redact.ts` first.
 */

export type RedisKitErrorCode =
  | 'ERR_REDIS_CONFIG'
  | 'ERR_REDIS_CONNECT'
  | 'ERR_REDIS_AUTH'
  | 'ERR_REDIS_UNAVAILABLE'
  | 'ERR_REDIS_NODE_UNAVAILABLE'
  | 'ERR_REDIS_CONNECTION_LOST'
  | 'ERR_REDIS_POOL_TIMEOUT'
  | 'ERR_REDIS_MAX_CLIENTS'
  | 'ERR_REDIS_CLOSED'
  | 'ERR_REDIS_QUEUE_FULL'
  | 'ERR_REDIS_COMMAND_TIMEOUT'
  | 'ERR_REDIS_ABORTED'
  | 'ERR_REDIS_REPLY'
  | 'ERR_REDIS_NOPERM'
  | 'ERR_REDIS_OOM'
  | 'ERR_REDIS_EXECABORT'
  | 'ERR_REDIS_WRONGTYPE'
  | 'ERR_REDIS_READONLY'
  | 'ERR_REDIS_NOREPLICAS'
  | 'ERR_REDIS_WRITE_CONCERN'
  | 'ERR_REDIS_NOT_ALLOWED'
  | 'ERR_REDIS_INVALID_ARGUMENT'
  | 'ERR_REDIS_ENGINE'
  | 'ERR_REDIS_VALIDATION'
  | 'ERR_REDIS_CONFLICT'
  | 'ERR_REDIS_CROSS_SLOT'
  | 'ERR_REDIS_CLUSTER_TOPOLOGY'
  // The services' own codes; their classes live next to each service.
  | 'ERR_REDIS_CACHE_ENCODE'
  | 'ERR_REDIS_CACHE_DECODE'
  | 'ERR_REDIS_CACHE_KEY'
  | 'ERR_REDIS_CACHE_CODEC'
  | 'ERR_REDIS_SESSION_DECODE'
  | 'ERR_REDIS_SESSION_ENCODE'
  | 'ERR_REDIS_SESSION_UNAVAILABLE'
  | 'ERR_REDIS_PUBSUB_HANDLER'
  | 'ERR_REDIS_UNIQUE_VIOLATION'
  | 'ERR_REDIS_RECORD_NOT_FOUND';

export interface RedisKitErrorOptions {
  cause?: unknown;
}

export class RedisKitError extends Error {
  readonly code: RedisKitErrorCode;

  constructor(code: RedisKitErrorCode, message: string, options?: RedisKitErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** One configuration problem: which variable (or option), what it got, what it accepts. */
export interface ConfigIssue {
  /** The environment variable or programmatic option at fault. */
  name: string;
  /** What was received, already redacted when the name is a secret. */
  received: string;
  /** What is accepted, in words: a range, a list of values, a format. */
  expected: string;
}

/** Bad configuration. Every problem found is listed in `issues`, not just the first. */
export class ConfigError extends RedisKitError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.name}=${i.received}: expected ${i.expected}`);
    super(
      'ERR_REDIS_CONFIG',
      `invalid redis-kit configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** A connection could not be made: refused, DNS, TLS, connect timeout. Says where it looked. */
export class ConnectError extends RedisKitError {
  /** `host:port` (or a list of them) that was tried; never contains credentials. */
  readonly target: string;

  constructor(target: string, message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CONNECT', message, options);
    this.target = target;
  }
}

/** The server refused the credentials (WRONGPASS, NOAUTH, an AUTH error). Never retried in a loop. */
export class AuthError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_AUTH', message, options);
  }
}

/** The circuit breaker is open: Redis is considered down and the command was not sent. */
export class RedisUnavailableError extends RedisKitError {
  constructor(
    message: string,
    options?: RedisKitErrorOptions,
    code: 'ERR_REDIS_UNAVAILABLE' | 'ERR_REDIS_NODE_UNAVAILABLE' = 'ERR_REDIS_UNAVAILABLE',
  ) {
    super(code, message, options);
  }
}

/**
 * Cluster mode: the node that serves the command's slot failed several times
 * in a row (no connection, or no reply within the deadline), so its breaker is
 * open and the command was not sent. The other nodes' slots keep working. A
 * RedisUnavailableError, so the services' fallbacks treat it as Redis being
 * down for that key.
 */
export class NodeUnavailableError extends RedisUnavailableError {
  /** `host:port` of the node, as the cluster announces it; never credentials. */
  readonly node: string;

  constructor(node: string, message: string, options?: RedisKitErrorOptions) {
    super(message, options, 'ERR_REDIS_NODE_UNAVAILABLE');
    this.node = node;
  }
}

/**
 * The connection closed while the command was on the wire. The server may or
 * may not have executed it, so it is not resent: the caller decides.
 */
export class ConnectionLostError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CONNECTION_LOST', message, options);
  }
}

/** A snapshot of the exclusive pool, carried by {@link PoolTimeoutError}. */
export interface PoolSnapshot {
  active: number;
  idle: number;
  pendingCreates: number;
  waiting: number;
  max: number;
}

/** No lease could be had within `acquireTimeoutMs`. Says what the pool looked like. */
export class PoolTimeoutError extends RedisKitError {
  readonly pool: PoolSnapshot;

  /** `cause` is the last connection failure, when connections could not be made. */
  constructor(waitedMs: number, pool: PoolSnapshot, options?: RedisKitErrorOptions) {
    super(
      'ERR_REDIS_POOL_TIMEOUT',
      `no connection could be leased within ${waitedMs} ms ` +
        `(active ${pool.active}, idle ${pool.idle}, creating ${pool.pendingCreates}, waiting ${pool.waiting}, max ${pool.max}); ` +
        (options?.cause === undefined ? 'raise REDIS_MAX_CONNECTIONS or hold leases for less time' : 'connections could not be opened'),
      options,
    );
    this.pool = pool;
  }
}

/**
 * The server refused a new connection because it is at `maxclients`
 * (`ERR max number of clients reached`): the pool cannot grow. Redis itself
 * is reachable, so the breaker stays closed and commands on the lanes go on;
 * only lease callers that no existing connection could serve get this.
 * `cause` is the server's reply.
 */
export class PoolExhaustedError extends RedisKitError {
  /** What the pool looked like when the caller gave up; absent on the pool's own record of the failure. */
  readonly pool: PoolSnapshot | undefined;

  constructor(pool: PoolSnapshot | undefined, options?: RedisKitErrorOptions) {
    super(
      'ERR_REDIS_MAX_CLIENTS',
      'Redis refused a new connection (max number of clients reached)' +
        (pool === undefined
          ? ''
          : `; no lease could be had (active ${pool.active}, idle ${pool.idle}, creating ${pool.pendingCreates}, waiting ${pool.waiting}, max ${pool.max})`) +
        ": raise the server's maxclients, or lower REDIS_MAX_CONNECTIONS or the number of processes",
      options,
    );
    this.pool = pool;
  }
}

/** The client (or pool) is closing or closed: no new work is accepted. */
export class ClosedError extends RedisKitError {
  constructor(message = 'the redis-kit client is closed', options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CLOSED', message, options);
  }
}

/** A bounded wait queue is full; the work was refused instead of queued. */
export class QueueFullError extends RedisKitError {
  readonly limit: number;

  constructor(what: string, limit: number) {
    super('ERR_REDIS_QUEUE_FULL', `${what} is full (${limit} waiting); refusing instead of queueing more`);
    this.limit = limit;
  }
}

/** The command's deadline passed (time queued plus time on the wire). */
export class CommandTimeoutError extends RedisKitError {
  readonly command: string;
  readonly timeoutMs: number;

  constructor(command: string, timeoutMs: number) {
    super('ERR_REDIS_COMMAND_TIMEOUT', `${command} did not complete within ${timeoutMs} ms`);
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends RedisKitError {
  constructor(message = 'the operation was aborted', options?: RedisKitErrorOptions) {
    super('ERR_REDIS_ABORTED', message, options);
  }
}

/**
 * An error reply from Redis. `prefix` is Redis's own first word (ERR, WRONGTYPE,
 * NOSCRIPT, BUSY …); subclasses exist for the kinds callers branch on.
 */
export class ReplyError extends RedisKitError {
  /** Redis's first word of the reply, e.g. `WRONGTYPE`. */
  readonly prefix: string;
  /** The command that got this reply (name only: arguments may hold secrets). */
  readonly command: string | undefined;

  constructor(
    message: string,
    prefix: string,
    command: string | undefined,
    options?: RedisKitErrorOptions,
    code: RedisKitErrorCode = 'ERR_REDIS_REPLY',
  ) {
    super(code, message, options);
    this.prefix = prefix;
    this.command = command;
  }
}

/** The ACL user may not run this command or touch this key (NOPERM, also inside scripts). */
export class NoPermissionError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_NOPERM');
  }
}

/** The server is over `maxmemory` and refused a write (OOM). */
export class OutOfMemoryError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_OOM');
  }
}

/** One command Redis refused while queuing a MULTI, as {@link TransactionDiscardedError} reports it. */
export interface QueuedCommandError {
  /** The command's name (never its arguments: they may hold secrets). */
  readonly command: string;
  /** Redis's refusal, typed as the command's own error would be. */
  readonly error: RedisKitError;
}

/**
 * EXEC discarded the transaction (EXECABORT) because Redis refused commands
 * while queuing them (a wrong number of arguments, an unknown command, OOM):
 * nothing of it ran. `queuedErrors` lists those refusals, in order.
 */
export class TransactionDiscardedError extends ReplyError {
  readonly queuedErrors: readonly QueuedCommandError[];

  constructor(message: string, queuedErrors: readonly QueuedCommandError[], options?: RedisKitErrorOptions) {
    super(message, 'EXECABORT', 'exec', options, 'ERR_REDIS_EXECABORT');
    this.queuedErrors = queuedErrors;
  }
}

/** The key holds a value of another type (WRONGTYPE). */
export class WrongTypeError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_WRONGTYPE');
  }
}

/**
 * The server is a replica and refused a write (READONLY): the connection was
 * to a primary that has since been demoted. In sentinel mode the connection
 * is dropped and rediscovered through the sentinels, so the next writes go to
 * the new primary; this write was not applied, and is not resent.
 */
export class ReadOnlyError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_READONLY');
  }
}

/**
 * The primary refused a write because fewer replicas than its
 * `min-replicas-to-write` are connected within `min-replicas-max-lag`
 * (NOREPLICAS): the server-side guard against writes a failover would lose.
 * The write was not applied.
 */
export class NoReplicasError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_NOREPLICAS');
  }
}

/**
 * The write ran on the primary, but `WAIT` (the client's `writeConcern`)
 * confirmed fewer replicas than required within its timeout. The value may
 * still be on the primary (and may still reach a replica later), but a
 * failover now could lose it: treat the write as not durable.
 */
export class WriteConcernError extends RedisKitError {
  /** The command that was written (name only). */
  readonly command: string;
  /** Replicas that confirmed the write. */
  readonly acknowledged: number;
  /** Replicas the write concern asks for. */
  readonly required: number;
  /** The command's own reply from the primary, for callers that can use it anyway. */
  readonly reply: unknown;

  /** `cause`: WAIT's own error, when WAIT failed rather than counted too few. */
  constructor(command: string, acknowledged: number, required: number, timeoutMs: number, reply: unknown, options?: RedisKitErrorOptions) {
    super(
      'ERR_REDIS_WRITE_CONCERN',
      `${command} was applied on the primary but only ${acknowledged} of ${required} replica(s) confirmed it within ${timeoutMs} ms; ` +
        'it is not confirmed replicated and a failover could lose it',
      options,
    );
    this.command = command;
    this.acknowledged = acknowledged;
    this.required = required;
    this.reply = reply;
  }
}

/** The command cannot run where it was called (e.g. WATCH outside a lease). */
export class NotAllowedError extends RedisKitError {
  constructor(message: string) {
    super('ERR_REDIS_NOT_ALLOWED', message);
  }
}

/** An argument given to redis-kit is malformed. */
export class InvalidArgumentError extends RedisKitError {
  constructor(message: string) {
    super('ERR_REDIS_INVALID_ARGUMENT', message);
  }
}

/**
 * The protocol engine refused a command before sending it (e.g. a pipeline
 * whose keys span cluster slots). Nothing reached the server.
 */
export class EngineError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_ENGINE', message, options);
  }
}

/** One reason a schema refused a value (the shape of a Standard Schema issue). */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * A value the schema refused: on write nothing was written; on read the
 * stored data no longer matches the schema (or could not be decoded).
 * `issues` are the schema's own. The message names paths and the schema's
 * messages, never the value itself.
 */
export class ValidationError extends RedisKitError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[], options?: RedisKitErrorOptions) {
    super('ERR_REDIS_VALIDATION', message, options);
    this.issues = issues;
  }
}

/**
 * An optimistic update lost to concurrent writers every time it was tried
 * (`attempts` includes the first); nothing was written by it.
 */
export class ConflictError extends RedisKitError {
  readonly attempts: number;

  constructor(message: string, attempts: number) {
    super('ERR_REDIS_CONFLICT', message);
    this.attempts = attempts;
  }
}

/**
 * Keys of one transaction (or of a lease pinned to a key) hash to different
 * Redis Cluster slots, so no single node could run it. Refused before
 * anything was sent. `keys` are the names as given (without the key prefix);
 * give them a common hash tag (`{user:1}:a`, `{user:1}:b`) to keep them in
 * one slot.
 */
export class CrossSlotError extends RedisKitError {
  readonly keys: readonly string[];

  constructor(keys: readonly string[], what: string) {
    super(
      'ERR_REDIS_CROSS_SLOT',
      `${what} uses keys in different cluster slots (${keys.join(', ')}); nothing was sent. ` +
        'Give them a common hash tag, e.g. {tag}:name, so they share a slot',
    );
    this.keys = keys;
  }
}

/**
 * The cluster's slot map did not settle within the bound of an operation that
 * needs every slot (a SCAN of every primary during a failover that does not
 * finish, slots no node serves).
 */
export class ClusterTopologyError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CLUSTER_TOPOLOGY', message, options);
  }
}
