import type { RedisKitError } from '../../errors.js';
import type { RespCommand } from './command-queue.js';
import type { CommandArg } from './encode-command.js';

/**
 * A {@link RespCommand} whose outcome is a promise: for the handshake, tests
 * and callers without a record of their own. (The lanes pass their own
 * records instead, to avoid the promise's closures on the hot path.)
 */
export class PromiseCommand implements RespCommand {
  readonly name: string;
  readonly args: readonly CommandArg[];
  readonly buffers: boolean;
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: RedisKitError) => void;

  constructor(name: string, args: readonly CommandArg[], buffers = false) {
    this.name = name;
    this.args = args;
    this.buffers = buffers;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: unknown): void {
    this.#resolve(value);
  }

  reject(error: RedisKitError): void {
    this.#reject(error);
  }
}
