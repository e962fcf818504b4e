import type { RedisCommander } from 'ioredis';
import { blockingTimeoutMs, isBlocking } from '../commands/command-table.js';
import { installCommands } from '../commands/install-commands.js';
import { ClosedError } from '../errors.js';
import type { Deadlines } from '../pool/deadlines.js';
import type { PooledConnection, ReleaseState } from '../pool/pooled-connection.js';
import { type CommandObserver, PendingCommand } from '../pool/pending-command.js';
import { type ChainablePipeline, Pipeline } from '../commands/pipeline.js';

const CLEAN: ReleaseState = Object.freeze({ discard: false, reset: [] }) as ReleaseState;

/** Commands that leave a connection in a state the pool cannot cheaply undo. */
const unrecoverable = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'monitor',
  'reset',
  'auth',
  'hello',
  'quit',
  'readonly',
  'sync',
  'psync',
]);
const unrecoverableClient = new Set(['tracking', 'reply', 'setname', 'no-evict', 'no-touch', 'caching']);

export interface LeaseContext {
  deadlines: Deadlines;
  observer: CommandObserver;
  commandTimeoutMs: number;
  /** The database connections are configured for; SELECT away from it is undone on release. */
  db: number;
}

/**
 * A connection lent to one caller for the length of a `lease()` callback.
 * It has every command, plus `multi()` and `pipeline()`, and it watches what
 * is sent so the pool can put the connection back clean: UNWATCH after WATCH,
 * DISCARD after a dangling MULTI, SELECT back to the configured database, and
 * destruction when a command left state that cannot be undone or a reply is
 * still in flight.
 */
export class LeasedConnection {
  readonly #connection: PooledConnection;
  readonly #context: LeaseContext;
  readonly #inFlight = new Set<PendingCommand>();
  #ended = false;
  #endReason: Error | undefined;
  #watched = false;
  #inMulti = false;
  #db: number;
  #unrecoverable = false;

  constructor(connection: PooledConnection, context: LeaseContext) {
    this.#connection = connection;
    this.#context = context;
    this.#db = context.db;
  }

  /** The pool's id for this connection (stable across leases; useful in logs). */
  get connectionId(): number {
    return this.#connection.engine.id;
  }

  sendCommand(name: string, args: unknown[], options?: { buffer?: boolean; timeoutMs?: number }): Promise<unknown> {
    if (this.#ended) return Promise.reject(this.#endError());
    const lower = name.toLowerCase();
    this.#track(lower, args);
    const timeoutMs =
      options?.timeoutMs ??
      (isBlocking(lower, args) ? blockingTimeoutMs(lower, args) + this.#context.commandTimeoutMs : this.#context.commandTimeoutMs);
    const command = new PendingCommand(lower, args, options?.buffer ?? false, timeoutMs, this.#context.observer);
    this.#inFlight.add(command);
    this.#context.deadlines.arm(command, timeoutMs, command.startedAt);
    this.#connection.engine.send(lower, args, command.buffer).then(
      (reply) => this.#landed(command, reply, undefined),
      (error: unknown) => this.#landed(command, undefined, error ?? new Error('unknown failure')),
    );
    return command.promise;
  }

  /** A MULTI/EXEC transaction on this connection; after WATCH, `exec()` resolves null on a conflict. */
  multi(): ChainablePipeline {
    return this.#batch(true);
  }

  /** A pipeline on this connection. */
  pipeline(): ChainablePipeline {
    return this.#batch(false);
  }

  /**
   * @internal Ends the lease: later commands fail (with `reason`, or a
   * ClosedError); a reply still in flight makes the connection unusable.
   */
  end(reason?: Error): ReleaseState {
    this.#ended = true;
    this.#endReason = reason;
    const discard = this.#unrecoverable || this.#inFlight.size > 0;
    if (this.#inFlight.size > 0) {
      const error = this.#endError();
      for (const command of this.#inFlight) {
        this.#context.deadlines.disarm(command);
        command.fail(error);
      }
      this.#inFlight.clear();
    }
    if (!discard && !this.#inMulti && !this.#watched && this.#db === this.#context.db) return CLEAN;
    const reset: ReleaseState['reset'] = [];
    if (this.#inMulti) reset.push(['discard']);
    if (this.#watched) reset.push(['unwatch']);
    if (this.#db !== this.#context.db) reset.push(['select', this.#context.db]);
    return { discard, reset };
  }

  #endError(): Error {
    // Made only when needed: an Error captures a stack, which costs more than a whole lease.
    return this.#endReason ?? new ClosedError('the lease is over; this connection was given back');
  }

  #batch(atomic: boolean): ChainablePipeline {
    const pipeline = new Pipeline((commands, isAtomic) => {
      if (this.#ended) return Promise.reject(this.#endError());
      return this.#connection.engine.batch(commands, isAtomic);
    }, atomic);
    return pipeline as unknown as ChainablePipeline;
  }

  #landed(command: PendingCommand, reply: unknown, error: unknown): void {
    this.#context.deadlines.disarm(command);
    // A command that expired stays in #inFlight until its reply lands, so the
    // connection is not lent again with a reply still owed.
    this.#inFlight.delete(command);
    if (error === undefined) command.resolve(reply);
    else command.fail(error);
  }

  #track(name: string, args: unknown[]): void {
    switch (name) {
      case 'watch':
        this.#watched = true;
        return;
      case 'unwatch':
        this.#watched = false;
        return;
      case 'multi':
        this.#inMulti = true;
        return;
      case 'exec':
      case 'discard':
        this.#inMulti = false;
        this.#watched = false;
        return;
      case 'select':
        this.#db = Number(args[0]);
        return;
      case 'client':
        if (unrecoverableClient.has(String(args[0]).toLowerCase())) this.#unrecoverable = true;
        return;
      default:
        if (unrecoverable.has(name)) this.#unrecoverable = true;
    }
  }
}

installCommands(LeasedConnection.prototype, new Set(['multi', 'pipeline']));

/** A leased connection as callers see it: every command typed by ioredis, plus multi/pipeline. */
export type Lease = Omit<RedisCommander, 'multi' | 'pipeline'> & {
  multi(): ChainablePipeline;
  pipeline(): ChainablePipeline;
  sendCommand(name: string, args: unknown[], options?: { buffer?: boolean; timeoutMs?: number }): Promise<unknown>;
  readonly connectionId: number;
};
