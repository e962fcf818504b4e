import type { RedisKitError } from './errors.js';
import { type CommandEvent, channels } from './observability/channels.js';
import { Histogram, type Summary } from './pool/histogram.js';
import type { PoolStatsSnapshot } from './pool/pool-stats.js';
import type { CommandObserver, PendingCommand } from './pool/pending-command.js';

/** Everything `client.stats()` reports. Operators size `maxclients` from `connections`. */
export interface ClientStats {
  state: ClientState;
  breaker: { state: 'closed' | 'open'; consecutiveFailures: number; timesOpened: number };
  commands: {
    /** Commands that finished, well or not. */
    total: number;
    /** Failed commands by error code (ERR_REDIS_COMMAND_TIMEOUT, ERR_REDIS_WRONGTYPE, …). */
    errors: Record<string, number>;
    latency: Summary;
  };
  lanes: { count: number; ready: number; inFlight: number; queued: number };
  pool: PoolStatsSnapshot & {
    /** Leased right now (tarn: used). */
    active: number;
    /** Open and free (tarn: free). */
    idle: number;
    /** Callers waiting for a lease (tarn: pending acquires). */
    waiting: number;
    pendingCreates: number;
    min: number;
    max: number;
  };
  connections: {
    /** The most connections this client opens per node: lanes + maxConnections + 1 subscriber. */
    maxPerNode: number;
    /** Open now: ready lanes + leased + idle pooled. */
    open: number;
  };
}

export type ClientState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' | 'destroyed';

/** Counts what every command did; the one observer all pending commands report to. */
export class CommandStats implements CommandObserver {
  readonly latency = new Histogram();
  readonly errors: Record<string, number> = {};
  total = 0;
  readonly #onEnd: () => void;

  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  commandEnded(command: PendingCommand, error: RedisKitError | undefined): void {
    const durationMs = performance.now() - command.startedAt;
    this.total++;
    this.latency.record(durationMs);
    if (error !== undefined) this.errors[error.code] = (this.errors[error.code] ?? 0) + 1;
    if (channels.commandEnd.hasSubscribers) {
      const event: CommandEvent = { command: command.name, durationMs };
      if (error !== undefined) event.error = error;
      channels.commandEnd.publish(event);
    }
    this.#onEnd();
  }
}
