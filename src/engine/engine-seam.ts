import type { EventEmitter } from 'node:events';
import type { AuthError, RedisKitError } from '../errors.js';

/** One command of a batch: its name, then its arguments. */
export type BatchCommand = [name: string, ...args: unknown[]];
/** A batch's replies, one `[error, reply]` pair per command; each error is a typed redis-kit error. */
export type BatchReplies = [error: Error | null, reply: unknown][];

/**
 * Where one command's outcome goes when it is sent with
 * {@link EngineSeam.dispatch}: a reply sink, in place of a promise (a
 * promise, its two resolving functions and the caller's reaction cost about
 * 430 B for every command queued on a lane). Exactly one of the two is
 * called, once; possibly synchronously, from inside `dispatch` (a refusal) or
 * from inside the engine's socket read.
 */
export interface ReplyReceiver {
  /** The reply, mapped as `send` would resolve it. */
  resolve(reply: unknown): void;
  /** A typed redis-kit error, as `send` would reject with it (marked `neverSent()` when it never left). */
  fail(error: RedisKitError): void;
}

export interface EngineEvents {
  /** The connection is usable (after the handshake). */
  ready: [];
  /** A connection attempt failed before it became ready. */
  connectFailed: [error: RedisKitError];
  /** A ready connection was lost (it may reconnect by itself if it is a lane). */
  lost: [error: RedisKitError];
  /** The connection is closed for good. */
  end: [];
  /** {@link EngineSeam.backedUp} went back to false: commands may be sent again. */
  drain: [];
}

/**
 * What the lanes, the lease pool and leases need from a connection, whichever
 * protocol engine is under it (ioredis's {@link Engine}, or redis-kit's own
 * {@link RespEngine}). Both behave the same through it:
 *
 * - `send`/`batch` reject only with typed redis-kit errors; an error for a
 *   command that never reached the socket is marked so `neverSent()` says so
 *   (a lane may send it again);
 * - a connection whose credentials were refused is never used (`authError`);
 * - a lane reconnects by itself with the retry strategy it was created with,
 *   a lease (no strategy) ends instead;
 * - `quit()` is bounded and never rejects; `destroy()` fails what is in flight.
 */
export interface EngineSeam extends EventEmitter<EngineEvents> {
  readonly id: number;
  readonly isReady: boolean;
  readonly isEnded: boolean;
  /** The credentials were refused; set until a later attempt succeeds. */
  readonly authError: AuthError | undefined;
  readonly lastError: RedisKitError | undefined;
  /**
   * The socket's buffer is past the engine's bound: a lane sends nothing more
   * on it (commands wait in the lanes' bounded queue, under their deadlines)
   * until `'drain'`. Engines without backpressure leave it undefined.
   */
  readonly backedUp?: boolean;
  /** One command; the reply is a string/number/array, or Buffers when `buffer`. */
  send(name: string, args: unknown[], buffer?: boolean): Promise<unknown>;
  /**
   * {@link send} without a promise: the outcome goes to `receiver`. For the
   * lanes, whose queued commands would otherwise each hold one. While the
   * engine delivers failures of a lost connection, it already says `isReady`
   * false, so a receiver that sends again from `fail` does not pick it.
   */
  dispatch(name: string, args: unknown[], buffer: boolean, receiver: ReplyReceiver): void;
  /** Commands back to back; `atomic` wraps them in MULTI/EXEC. Null when EXEC aborted (WATCH). */
  batch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null>;
  /** Connects and waits for the handshake; on timeout `'destroy'` ends the engine, `'retry'` reconnects. */
  connect(timeoutMs: number, onTimeout?: 'destroy' | 'retry'): Promise<void>;
  /** Graceful, bounded close; never rejects. */
  quit(timeoutMs?: number): Promise<void>;
  /** Drops the socket at once; whatever is in flight fails. */
  destroy(): void;
}

/** A lane's or subscriber's reconnect policy: the delay before attempt `attempt`, or null to stop. */
export type RetryStrategy = (attempt: number) => number | null;

let lastId = 0;

/** Ids are unique across both engines, so diagnostics never show two connections with one id. */
export function nextEngineId(): number {
  return ++lastId;
}
