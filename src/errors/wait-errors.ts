/** Work that waited and did not get its turn: the pool, the bounded queues, deadlines, aborts, closing. */
import { RedisKitError, type RedisKitErrorOptions } from './redis-kit-error.js';

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
  /**
   * False when the command spent its whole deadline waiting for a connection
   * and was never written: it did not run, and sending it again is safe.
   * True (the default) when it may have reached the server and run there.
   */
  readonly sent: boolean;

  constructor(command: string, timeoutMs: number, sent = true) {
    super(
      'ERR_REDIS_COMMAND_TIMEOUT',
      `${command} did not complete within ${timeoutMs} ms${sent ? '' : ' (no connection was ready: it was not sent)'}`,
    );
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.sent = sent;
  }
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends RedisKitError {
  constructor(message = 'the operation was aborted', options?: RedisKitErrorOptions) {
    super('ERR_REDIS_ABORTED', message, options);
  }
}
