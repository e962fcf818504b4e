import { classifyError } from '../engine/classify-error.js';
import { CommandTimeoutError, type RedisKitError } from '../errors.js';
import type { BatchCommand } from '../engine/engine-seam.js';
import { Deadline } from './deadlines.js';

/** Where a pending command reports its end, so counts and latency are kept in one place. */
export interface CommandObserver {
  commandEnded(command: PendingCommand, error: RedisKitError | undefined): void;
}

/**
 * One command from the moment it is accepted until its caller is answered.
 * Its deadline covers time queued and time on the wire. When the deadline
 * passes while the command is on the wire, the caller is answered at once and
 * the late reply, when it comes, is dropped; the lane still counts the command
 * as in flight until then, so a slow lane is not chosen again.
 */
export class PendingCommand extends Deadline {
  readonly name: string;
  readonly args: unknown[];
  readonly buffer: boolean;
  readonly timeoutMs: number;
  readonly startedAt: number;
  readonly promise: Promise<unknown>;
  /** Set for a pipeline or MULTI: the commands sent in place of `name`/`args`. */
  batch: { commands: BatchCommand[]; atomic: boolean } | undefined;
  /** Times it was sent again after its connection died under it (reads only). */
  resends = 0;
  /** True while it waits in the lanes' queue never having been written (its timeout then says "not sent"). */
  unsent = false;
  settled = false;
  #resolve!: (value: unknown) => void;
  #reject!: (error: Error) => void;
  readonly #observer: CommandObserver;

  constructor(name: string, args: unknown[], buffer: boolean, timeoutMs: number, observer: CommandObserver) {
    super();
    this.name = name;
    this.args = args;
    this.buffer = buffer;
    this.timeoutMs = timeoutMs;
    this.#observer = observer;
    this.startedAt = performance.now();
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#observer.commandEnded(this, undefined);
    this.#resolve(value);
  }

  /** Fails the command; engine errors are classified into typed ones first. */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const typed = classifyError(error, this.name);
    this.#observer.commandEnded(this, typed);
    this.#reject(typed);
  }

  override cancel(reason: Error): void {
    this.fail(reason);
  }

  override expire(): void {
    this.fail(new CommandTimeoutError(this.name, this.timeoutMs, !this.unsent));
  }
}
