import type { RedisCommander } from 'ioredis';
import { blockingTimeoutMs, isBlocking } from '../commands/command-table.js';
import { installCommands } from '../commands/install-commands.js';
import { validTimeout } from '../commands/timeout-option.js';
import type { BatchCommand, BatchReplies } from '../engine/engine-seam.js';
import { ClosedError, type RedisKitError } from '../errors.js';
import { classifyError } from '../engine/classify-error.js';
import { type CommandCarrier, CommandSend } from '../pool/command-send.js';
import type { Deadlines } from '../pool/deadlines.js';
import type { PooledConnection, ReleaseState } from '../pool/pooled-connection.js';
import { type CommandObserver, PendingCommand } from '../pool/pending-command.js';
import { type ChainablePipeline, Pipeline } from '../commands/pipeline.js';
import { commandKeys, type SlotCheck, type SlotPin } from './slot-check.js';

/** No WATCHed keys: shared, so a lease that never WATCHes allocates no array for them. */
const NO_KEYS: readonly string[] = Object.freeze([]);

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
  /** The pool's acquire timeout, the default bound of getting a lease. */
  acquireTimeoutMs: number;
  /** The database connections are configured for; SELECT away from it is undone on release. */
  db: number;
  /** Leases in progress: a lease is in it from lending until {@link LeasedConnection.end}. */
  live: Set<LeasedConnection>;
  /** Cluster mode: batches whose keys span slots are refused before they are sent. */
  slotCheck?: SlotCheck | undefined;
}

/**
 * A connection lent to one caller for the length of a `lease()` callback.
 * It has every command, plus `multi()` and `pipeline()`, and it watches what
 * is sent so the pool can put the connection back clean: UNWATCH after WATCH,
 * DISCARD after a dangling MULTI, SELECT back to the configured database, and
 * destruction when a command left state that cannot be undone or a reply is
 * still in flight.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface merged below types the command methods installCommands puts on the prototype.
export class LeasedConnection implements CommandCarrier {
  readonly #connection: PooledConnection;
  readonly #context: LeaseContext;
  /** Sent and not yet answered (usually one: an array is cheaper per lease than a Set). */
  readonly #inFlight: PendingCommand[] = [];
  #ended = false;
  #endReason: Error | undefined;
  #watched = false;
  #inMulti = false;
  #db: number;
  #unrecoverable = false;
  /** Keys WATCHed since the last EXEC/DISCARD/UNWATCH: a transaction must share their slot. */
  #watchedKeys: readonly string[] = NO_KEYS;
  readonly #pin: SlotPin | undefined;

  constructor(connection: PooledConnection, context: LeaseContext, pin?: SlotPin) {
    this.#connection = connection;
    this.#context = context;
    this.#pin = pin;
    this.#db = context.db;
    context.live.add(this);
  }

  /** The pool's id for this connection (stable across leases; useful in logs). */
  get connectionId(): number {
    return this.#connection.engine.id;
  }

  sendCommand(name: string, args: unknown[], options?: LeaseSendOptions): Promise<unknown> {
    if (this.#ended) return Promise.reject(this.#endError());
    let timeoutMs: number | undefined;
    try {
      timeoutMs = validTimeout('timeoutMs', options?.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const lower = name.toLowerCase();
    this.#track(lower, args);
    timeoutMs ??= this.#commandTimeout(lower, args);
    const command = new PendingCommand(lower, args, options?.buffer ?? false, timeoutMs, this.#context.observer);
    this.#start(command);
    this.#connection.engine.dispatch(lower, args, command.buffer, new CommandSend(this, command));
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
    // The first reason wins: a lease failed by destroy() keeps saying why.
    if (!this.#ended) this.#endReason = reason;
    this.#ended = true;
    this.#context.live.delete(this);
    const discard = this.#unrecoverable || this.#inFlight.length > 0;
    if (this.#inFlight.length > 0) {
      const error = this.#endError();
      for (const command of this.#inFlight.splice(0)) {
        this.#context.deadlines.disarm(command);
        command.fail(error);
      }
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
    return new Pipeline((commands, isAtomic) => this.#sendBatch(commands, isAtomic), atomic);
  }

  /**
   * A batch is tracked like the commands it carries (SELECT, WATCH, SUBSCRIBE,
   * CLIENT SETNAME … sent in a pipeline leave the same state behind), and it
   * is one pending entry: under one deadline on the shared coarse clock, and
   * in flight until its replies land, so a lease that ends with a batch reply
   * still owed destroys the connection instead of lending it again.
   */
  #sendBatch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null> {
    if (this.#ended) return Promise.reject(this.#endError());
    const crossSlot = this.#context.slotCheck?.refusal(
      commands,
      this.#watchedKeys,
      this.#pin,
      atomic ? 'this transaction' : 'this pipeline',
    );
    if (crossSlot !== undefined) return Promise.reject(crossSlot);
    let timeoutMs = this.#context.commandTimeoutMs;
    for (const [method, ...args] of commands) {
      const name = commandName(method);
      this.#track(name, args);
      // A blocking command in the batch may hold it as long as it blocks.
      timeoutMs = Math.max(timeoutMs, this.#commandTimeout(name, args));
    }
    // EXEC (also an aborted one) forgets every WATCH. A SELECT inside MULTI
    // counts only if EXEC ran; it is undone on release either way, which is
    // harmless when it did not take effect.
    if (atomic) {
      this.#watched = false;
      this.#watchedKeys = NO_KEYS;
    }
    const command = new PendingCommand(atomic ? 'multi' : 'pipeline', [], false, timeoutMs, this.#context.observer);
    command.batch = { commands, atomic };
    this.#start(command);
    this.#connection.engine.batch(commands, atomic).then(
      (replies) => this.landed(command, replies),
      (error: unknown) => this.failed(command, classifyError(error, command.name)),
    );
    return command.promise as Promise<BatchReplies | null>;
  }

  /** The deadline of a command sent alone: a blocking one gets its blocking time on top. */
  #commandTimeout(name: string, args: unknown[]): number {
    const base = this.#context.commandTimeoutMs;
    return isBlocking(name, args) ? blockingTimeoutMs(name, args) + base : base;
  }

  /** Counts `command` in flight under its deadline until its outcome lands. */
  #start(command: PendingCommand): void {
    this.#inFlight.push(command);
    this.#context.deadlines.arm(command, command.timeoutMs, command.startedAt);
  }

  /** @internal The reply to `command` came (the engine's {@link CommandSend}). */
  landed(command: PendingCommand, reply: unknown): void {
    this.#settled(command);
    command.resolve(reply);
  }

  /** @internal `command` failed on this connection. */
  failed(command: PendingCommand, error: RedisKitError): void {
    this.#settled(command);
    command.fail(error);
  }

  #settled(command: PendingCommand): void {
    this.#context.deadlines.disarm(command);
    // A command that expired stays in #inFlight until its reply lands, so the
    // connection is not lent again with a reply still owed. After end() it is
    // no longer there (end() failed it).
    const inFlight = this.#inFlight;
    const index = inFlight.lastIndexOf(command);
    if (index === -1) return;
    const last = inFlight.pop() as PendingCommand;
    if (index < inFlight.length) inFlight[index] = last;
  }

  #track(name: string, args: unknown[]): void {
    switch (name) {
      case 'watch':
        this.#watched = true;
        if (this.#context.slotCheck !== undefined) this.#watchedKeys = [...this.#watchedKeys, ...commandKeys(name, args)];
        return;
      case 'unwatch':
        this.#watched = false;
        this.#watchedKeys = NO_KEYS;
        return;
      case 'multi':
        this.#inMulti = true;
        return;
      case 'exec':
      case 'discard':
        this.#inMulti = false;
        this.#watched = false;
        this.#watchedKeys = NO_KEYS;
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

/** A pipeline records `getBuffer` for GET with Buffer replies; the command is GET. */
function commandName(method: string): string {
  const lower = method.toLowerCase();
  return lower.endsWith('buffer') ? lower.slice(0, -'buffer'.length) : lower;
}

installCommands(LeasedConnection.prototype, new Set(['multi', 'pipeline']));

/** Options of one command sent on a lease. */
export interface LeaseSendOptions {
  /** Reply as Buffers instead of strings. */
  buffer?: boolean;
  /**
   * This command's deadline in ms, overriding commandTimeoutMs (and the
   * blocking time of a blocking command). A finite number ≥ 0; anything else
   * is refused with InvalidArgumentError.
   */
  timeoutMs?: number;
}

/** Every command typed by ioredis; multi/pipeline are the lease's own. */
type LeaseCommands = Omit<RedisCommander, 'multi' | 'pipeline'>;

// Declaration merging gives the class every command's type; installCommands gives the bodies.
export interface LeasedConnection extends LeaseCommands {}

/** A leased connection as callers see it: every command typed by ioredis, plus multi/pipeline. */
export type Lease = LeaseCommands & {
  multi(): ChainablePipeline;
  pipeline(): ChainablePipeline;
  sendCommand(name: string, args: unknown[], options?: LeaseSendOptions): Promise<unknown>;
  readonly connectionId: number;
};
