/** What the server answered with an error, typed by its prefix; and a write whose replication was not confirmed. */
import { RedisKitError, type RedisKitErrorCode, type RedisKitErrorOptions } from './redis-kit-error.js';

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
 * Cluster: the node asked no longer serves the key's slot (MOVED or ASK: a
 * resharding or a failover moved it), and the command did not run. A lease
 * holds one node's connection, so it does not follow the redirection (its
 * WATCH and MULTI state would not come along); the slot map is read again,
 * so a new lease for the key goes to the slot's new owner. Lanes follow
 * redirections, and see this only when one still ends in MOVED (during a
 * failover, before the slot map settles). Safe to retry.
 */
export class SlotMovedError extends ReplyError {
  constructor(message: string, prefix: string, command: string | undefined, options?: RedisKitErrorOptions) {
    super(message, prefix, command, options, 'ERR_REDIS_SLOT_MOVED');
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
