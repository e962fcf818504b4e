import type { EngineSeam } from '../engine/engine-seam.js';
import { Deadline } from './deadlines.js';

/** An exclusive connection and its bookkeeping. */
export class PooledConnection {
  readonly engine: EngineSeam;
  readonly retireAt: number;
  lastReleasedAt: number;
  leasedAt = 0;

  constructor(engine: EngineSeam, now: number, retireAt: number) {
    this.engine = engine;
    this.lastReleasedAt = now;
    this.retireAt = retireAt;
  }
}

/** How a lease ended, so the pool knows whether the connection can be lent again. */
export interface ReleaseState {
  /** Unusable: lost, aborted with a reply in flight, or in a state that cannot be reset cheaply. */
  discard: boolean;
  /** Commands that put the connection back to a clean state (UNWATCH, DISCARD, SELECT). */
  reset: [string, ...unknown[]][];
}

/** A caller waiting for a lease; its deadline is the acquire timeout. */
export class Waiter extends Deadline {
  readonly startedAt: number;
  readonly timeoutMs: number;
  readonly #onExpire: (waiter: Waiter) => void;
  resolve!: (connection: PooledConnection) => void;
  reject!: (error: Error) => void;
  done = false;
  cleanup: (() => void) | undefined;

  constructor(onExpire: (waiter: Waiter) => void, startedAt: number, timeoutMs: number) {
    super();
    this.#onExpire = onExpire;
    this.startedAt = startedAt;
    this.timeoutMs = timeoutMs;
  }

  override expire(): void {
    this.#onExpire(this);
  }
}

/**
 * Puts a returned connection back in a clean state (UNWATCH, DISCARD,
 * SELECT …) in one round trip. Resolves false when that fails or does not
 * answer within `timeoutMs` (a paused server): such a connection must be
 * destroyed, not kept counted as leased forever.
 */
export function resetConnection(connection: PooledConnection, commands: ReleaseState['reset'], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    connection.engine.batch(commands, false).then(
      (replies) => {
        clearTimeout(timer);
        resolve(replies?.every(([error]) => error === null) ?? false);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

/**
 * The PING before lending a connection that sat idle past
 * `validateAfterIdleMs`. Resolves false when it fails or gets no answer
 * within `timeoutMs`: a paused server keeps the TCP connection, and a PING
 * without an answer must not keep the connection counted as used.
 */
export function validateConnection(connection: PooledConnection, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    connection.engine.send('ping', []).then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}
