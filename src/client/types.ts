import type { RedisKitOptions } from '../config/options.js';
import type { RedisKitError } from '../errors.js';
import type { Clock } from '../pool/clock.js';
export type { LeaseOptions } from '../lease/lease-options.js';

export interface CreateRedisOptions extends RedisKitOptions {
  /** Environment to read `REDIS_*` from. Default `process.env`; pass `{}` to ignore it. */
  env?: Record<string, string | undefined>;
  /** @internal Time source for pool ageing; tests inject one. */
  clock?: Clock;
}

export interface SendOptions {
  /** Reply as Buffers instead of strings. */
  buffer?: boolean;
  /**
   * This command's deadline (queued + on the wire) in ms, overriding
   * commandTimeoutMs. A finite number ≥ 0: NaN, Infinity, a negative number
   * or a string is refused with InvalidArgumentError.
   */
  timeoutMs?: number;
}

export interface CloseOptions {
  /**
   * Destroy whatever is still open after this many ms (a finite number ≥ 0;
   * anything else is refused with InvalidArgumentError and the client stays
   * open).
   *
   * Default: no deadline, and still bounded: in-flight commands and
   * pipelines end at their `commandTimeoutMs`, and each connection's QUIT
   * waits at most `connectTimeoutMs` (default 5000 ms) before its socket is
   * dropped, so a paused server cannot hang `close()`. Only lease callbacks
   * still running (your code, e.g. a `BLPOP … 0`) are waited for without a
   * bound: pass `deadlineMs` when they may not end.
   */
  deadlineMs?: number;
}

export interface ClientEvents {
  /** Redis is reachable: the first lane is up, at start or after every lane was down. */
  ready: [];
  /** The breaker opened: commands now fail at once. `error` says why (never contains secrets). */
  unavailable: [error: RedisKitError];
}
