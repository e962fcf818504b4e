import { ClosedError, type RedisKitError } from '../errors.js';
import { classifyError, unsentLoss } from './classify-error.js';
import type { ReplyReceiver } from './engine-seam.js';
import type { PreparedCommand } from './resp-command-prep.js';
import { transformReply } from './resp-reply-transforms.js';
import type { RespCommand } from './resp/index.js';
import type { CommandArg } from './resp/encode-command.js';

/**
 * One command of {@link RespEngine}: the connection's record and where its
 * outcome goes, in one object. The reply is transformed and a failure typed
 * here, where a `.catch().then()` chain on a plain promise command would cost
 * two more promises, reactions and closures per command (CPU on every lease,
 * and memory for every command queued on a lane).
 *
 * The outcome goes to a {@link ReplyReceiver} (the lanes: no promise at all),
 * or to this command's own {@link promise} when constructed without one
 * (`send`/`batch`: leases and everyone else).
 */
export class RespEngineCommand implements RespCommand {
  readonly name: string;
  readonly args: readonly CommandArg[];
  readonly buffers: boolean;
  /** The protocol whose reply shapes are mapped (`transformReply`); undefined: the reply as parsed (batches map their own). */
  readonly #protocol: 2 | 3 | undefined;
  readonly #receiver: ReplyReceiver;

  constructor(prepared: PreparedCommand, protocol: 2 | 3 | undefined, receiver: ReplyReceiver) {
    this.name = prepared.name;
    this.args = prepared.args;
    this.buffers = prepared.buffers;
    this.#protocol = protocol;
    this.#receiver = receiver;
  }

  resolve(value: unknown): void {
    if (this.#protocol === undefined) {
      this.#receiver.resolve(value);
      return;
    }
    let reply: unknown;
    try {
      reply = transformReply(this.name, value, this.#protocol);
    } catch (error) {
      this.#receiver.fail(classifyError(error, this.name));
      return;
    }
    this.#receiver.resolve(reply);
  }

  reject(error: RedisKitError): void {
    this.#receiver.fail(engineFailure(this.name, error));
  }
}

/** The error `send` rejects with: closed before it was written means it did not run, like ioredis's unwritable stream. */
function engineFailure(name: string, error: unknown): RedisKitError {
  if (error instanceof ClosedError) return unsentLoss(`${name} was not sent: ${error.message}`, error);
  return classifyError(error, name);
}

/** A {@link ReplyReceiver} that settles a promise: what `send` hands back. */
export class PromiseReceiver implements ReplyReceiver {
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: RedisKitError) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(reply: unknown): void {
    this.#resolve(reply);
  }

  fail(error: RedisKitError): void {
    this.#reject(error);
  }
}
