import type { EngineSeam } from '../engine/engine-seam.js';
import type { RedisKitError } from '../errors.js';
import type { CommandCarrier } from './command-send.js';
import type { PendingCommand } from './pending-command.js';

/** Where a lane's commands report their outcome: the {@link Lanes} that sent them. */
export interface LaneHost {
  /** The command's reply came (also a late one, after its deadline answered the caller). */
  landed(lane: Lane, command: PendingCommand, reply: unknown): void;
  /** The command failed on this lane (the host may send it again on another). */
  failed(lane: Lane, command: PendingCommand, error: RedisKitError): void;
}

/**
 * One multiplexed connection and the count of its commands on the wire. As
 * the carrier of its sends it tells the host which lane an outcome ends, so
 * a command sent again after a lost connection is counted on its new lane.
 */
export class Lane implements CommandCarrier {
  readonly engine: EngineSeam;
  readonly #host: LaneHost;
  inFlight = 0;

  constructor(engine: EngineSeam, host: LaneHost) {
    this.engine = engine;
    this.#host = host;
  }

  landed(command: PendingCommand, reply: unknown): void {
    this.#host.landed(this, command, reply);
  }

  failed(command: PendingCommand, error: RedisKitError): void {
    this.#host.failed(this, command, error);
  }
}
