import type { ReplyReceiver } from '../engine/engine-seam.js';
import type { RedisKitError } from '../errors.js';
import type { PendingCommand } from './pending-command.js';

/** What sent a command on its connection (a lane, a lease) and so hears how it ended. */
export interface CommandCarrier {
  /** The reply came (also a late one, after the deadline already answered the caller). */
  landed(command: PendingCommand, reply: unknown): void;
  /** The send failed (a lane may send the command again; a new {@link CommandSend} then). */
  failed(command: PendingCommand, error: RedisKitError): void;
}

/**
 * One send of one command: the engine's {@link ReplyReceiver}. Two
 * references, where waiting on the engine's promise would cost a promise, its
 * reaction, two closures and their context per command in flight (memory on a
 * lane's queue, CPU and a microtask on every lease).
 */
export class CommandSend implements ReplyReceiver {
  readonly #carrier: CommandCarrier;
  readonly #command: PendingCommand;

  constructor(carrier: CommandCarrier, command: PendingCommand) {
    this.#carrier = carrier;
    this.#command = command;
  }

  resolve(reply: unknown): void {
    this.#carrier.landed(this.#command, reply);
  }

  fail(error: RedisKitError): void {
    this.#carrier.failed(this.#command, error);
  }
}
