import type { RedisKitError } from '../../errors.js';
import type { CommandArg } from './encode-command.js';

/**
 * One command as the connection sees it: what to send, how to decode its
 * reply, and where the outcome goes. The caller's own record (the lanes'
 * pending command) implements it, so sending allocates nothing beyond that
 * record and the encoded bytes: no promise, no closure per command here.
 */
export interface RespCommand {
  /** The command's name, e.g. `GET` (also the only part of it an error may mention). */
  readonly name: string;
  readonly args: readonly CommandArg[];
  /** Decode the reply's strings as Buffers (`getBuffer` and friends). */
  readonly buffers: boolean;
  /** The reply, mapped as documented in reply-parser.ts. */
  resolve(value: unknown): void;
  /** An error reply (classified: WrongTypeError, NoPermissionError …) or the connection's failure. */
  reject(error: RedisKitError): void;
}

/**
 * FIFO of the commands written and awaiting their reply, in wire order: a
 * ring over a power-of-two array, so shifting is O(1) and allocates nothing.
 */
export class CommandQueue {
  #items: (RespCommand | undefined)[] = new Array(64);
  #mask = 63;
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(command: RespCommand): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = command;
    this.#length++;
  }

  peek(): RespCommand | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  shift(): RespCommand | undefined {
    if (this.#length === 0) return undefined;
    const command = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return command;
  }

  /** Empties the queue, returning its commands in order. */
  drain(): RespCommand[] {
    const out: RespCommand[] = [];
    for (let command = this.shift(); command !== undefined; command = this.shift()) out.push(command);
    return out;
  }

  #grow(): void {
    const items: (RespCommand | undefined)[] = new Array((this.#mask + 1) * 2);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }
}
