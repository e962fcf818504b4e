import type { EngineSeam, ReplyReceiver } from '../engine/engine-seam.js';
import type { RedisKitError } from '../errors.js';
import type { PendingCommand } from './pending-command.js';

/** Where a lane's commands report their outcome: the {@link Lanes} that sent them. */
export interface LaneHost {
  /** The command's reply came (also a late one, after its deadline answered the caller). */
  landed(lane: Lane, command: PendingCommand, reply: unknown): void;
  /** The command failed on this lane (the host may send it again on another). */
  failed(lane: Lane, command: PendingCommand, error: RedisKitError): void;
}

/** One multiplexed connection and the commands it has on the wire. */
export interface Lane {
  readonly engine: EngineSeam;
  readonly host: LaneHost;
  inFlight: number;
}

/**
 * One send of one command on one lane: the engine's {@link ReplyReceiver}.
 * It carries the lane, so the host knows whose in-flight count the outcome
 * ends, and the command, which may be sent again (a new LaneSend) after a
 * lost connection. Two references instead of a promise, its reaction and two
 * closures per queued command.
 */
export class LaneSend implements ReplyReceiver {
  readonly #lane: Lane;
  readonly #command: PendingCommand;

  constructor(lane: Lane, command: PendingCommand) {
    this.#lane = lane;
    this.#command = command;
  }

  resolve(reply: unknown): void {
    this.#lane.host.landed(this.#lane, this.#command, reply);
  }

  fail(error: RedisKitError): void {
    this.#lane.host.failed(this.#lane, this.#command, error);
  }
}
