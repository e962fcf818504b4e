import { EventEmitter } from 'node:events';
import { timeoutRefusal } from '../commands/timeout-option.js';
import { ClosedError } from '../errors.js';

/**
 * Where anything closable is in its life: `'open'` takes work; `'closing'`
 * drains (no new work, in-flight work finishes); `'closed'` drained and
 * released everything; `'destroyed'` failed its pending work and dropped its
 * connections at once.
 */
export type LifecycleState = 'open' | 'closing' | 'closed' | 'destroyed';

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

/** Any event map; a service without events uses the default. */
type EventMap<T> = Record<keyof T, unknown[]>;

/**
 * The one lifecycle shape of the client and every service, in undici's
 * manner: this base owns the guards, subclasses fill in two hooks.
 *
 * - `close()` drains: {@link onClose} stops new work, waits for what is in
 *   flight and releases connections. Idempotent: every call returns the same
 *   promise. With `deadlineMs`, whatever is left at the deadline is destroyed.
 * - `destroy(error)` fails pending work at once through {@link onDestroy}.
 *   Idempotent; after a `close()` it cuts the drain short.
 * - `await using` closes it.
 * - Methods call {@link assertOpen} (or {@link closedError}) so that every
 *   call after `close()` fails with `ClosedError` (`ERR_REDIS_CLOSED`).
 */
export abstract class Lifecycle<Events extends EventMap<Events> = Record<never, never>>
  extends EventEmitter<Events>
  implements AsyncDisposable
{
  #state: LifecycleState = 'open';
  #closing: Promise<void> | undefined;

  get lifecycleState(): LifecycleState {
    return this.#state;
  }

  /** True from the moment `close()` or `destroy()` was called. */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /** True once `destroy()` ran (also when it cut a `close()` short). */
  get destroyed(): boolean {
    return this.#state === 'destroyed';
  }

  close(options: CloseOptions = {}): Promise<void> {
    // Refused before anything changes: a bad deadline leaves the object open.
    const badDeadline = timeoutRefusal('deadlineMs', options.deadlineMs);
    if (badDeadline !== undefined) return Promise.reject(badDeadline);
    if (this.#closing !== undefined) return this.#closing;
    this.#state = 'closing';
    const drained = Promise.resolve()
      .then(() => this.onClose())
      .catch((error: unknown) => {
        // A drain that failed still ends the life: drop whatever is left.
        this.destroy(error instanceof Error ? error : new ClosedError(String(error)));
      });
    let work = drained;
    const deadlineMs = options.deadlineMs;
    if (deadlineMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.destroy(new ClosedError(`close() deadline of ${deadlineMs} ms passed; dropping unfinished work`));
          resolve();
        }, deadlineMs);
      });
      work = Promise.race([drained, deadline]).finally(() => clearTimeout(timer));
    }
    this.#closing = work.then(() => {
      if (this.#state === 'closing') this.#state = 'closed';
    });
    return this.#closing;
  }

  destroy(error?: Error): void {
    if (this.#state === 'destroyed' || this.#state === 'closed') return;
    this.#state = 'destroyed';
    this.#closing ??= Promise.resolve();
    this.onDestroy(error ?? new ClosedError(`${this.constructor.name} was destroyed`));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Throws `ClosedError` once closing has begun. */
  protected assertOpen(): void {
    if (this.#state !== 'open') throw this.closedError();
  }

  /** The error a call gets after close: for methods that reject rather than throw. */
  protected closedError(): ClosedError {
    return new ClosedError(`${this.constructor.name} is ${this.#state === 'closing' ? 'closing' : 'closed'}`);
  }

  /** Drain: no new work, let in-flight work finish, release connections. Every step bounded. */
  protected abstract onClose(): Promise<void>;

  /** Fail pending work with `error` at once and drop connections. Must not throw. */
  protected abstract onDestroy(error: Error): void;
}
