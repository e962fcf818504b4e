import { ClosedError, type RedisKitError } from '../errors.js';
import { classifyError, unsentLoss } from './classify-error.js';
import type { PreparedCommand } from './resp-command-prep.js';
import { transformReply } from './resp-reply-transforms.js';
import type { RespCommand } from './resp/index.js';
import type { CommandArg } from './resp/encode-command.js';

/**
 * One command of {@link RespEngine}: the connection's record and the caller's
 * promise in one object. The reply is transformed and a failure typed here,
 * where a `.catch().then()` chain on a plain promise command would cost two
 * more promises, reactions and closures per command (CPU on every lease, and
 * memory for every command queued on a lane).
 */
export class RespEngineCommand implements RespCommand {
  readonly name: string;
  readonly args: readonly CommandArg[];
  readonly buffers: boolean;
  readonly promise: Promise<unknown>;
  /** The protocol whose reply shapes are mapped (`transformReply`); undefined: the reply as parsed (batches map their own). */
  readonly #protocol: 2 | 3 | undefined;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;

  constructor(prepared: PreparedCommand, protocol: 2 | 3 | undefined) {
    this.name = prepared.name;
    this.args = prepared.args;
    this.buffers = prepared.buffers;
    this.#protocol = protocol;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: unknown): void {
    if (this.#protocol === undefined) {
      this.#resolve(value);
      return;
    }
    let reply: unknown;
    try {
      reply = transformReply(this.name, value, this.#protocol);
    } catch (error) {
      this.#reject(error);
      return;
    }
    this.#resolve(reply);
  }

  reject(error: RedisKitError): void {
    // Closed before it was written: it did not run, like ioredis's unwritable stream.
    if (error instanceof ClosedError) this.#reject(unsentLoss(`${this.name} was not sent: ${error.message}`, error));
    else this.#reject(classifyError(error, this.name));
  }
}
