import { ClosedError, QueueFullError, type RedisKitError } from '../errors.js';
import { channels } from '../observability/channels.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';
import { classifyError } from '../engine/classify-error.js';
import { ReconnectStrategy } from './reconnect-strategy.js';
import type { Breaker } from './breaker.js';
import type { Deadlines } from './deadlines.js';
import { CommandSend } from './command-send.js';
import { Lane, type LaneHost } from './lane.js';
import type { PendingCommand } from './pending-command.js';
import { mayResend } from './resend-policy.js';

export interface LanesOptions {
  count: number;
  factory: ConnectionFactory;
  breaker: Breaker;
  deadlines: Deadlines;
  /** Commands that may wait while no lane is ready. */
  maxQueued: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  connectTimeoutMs: number;
  /** Shortest wait between reconnect attempts while the breaker is open. */
  probeIntervalMs: number;
  /**
   * Told when the number of ready lanes goes from 0 to 1 or from 1 to 0, and
   * (true) when a lane's reconnect or the probe closes an open breaker: the
   * services that fell back on 'unavailable' wait for that 'ready'.
   */
  onAvailabilityChange?: (available: boolean) => void;
  /** Source of randomness for the reconnect jitter; injectable so tests can pin it. */
  random?: () => number;
}

/**
 * The multiplexed connections ordinary commands travel on. A command goes to
 * the ready lane with the least work in flight; while no lane is ready it
 * waits in a bounded FIFO under its own deadline, and when the breaker opens
 * every waiting command fails at once. Lanes reconnect by themselves with
 * backoff; those reconnects double as the breaker's probes, and while a lane
 * is up {@link Lanes.probe} PINGs over it.
 */
export class Lanes {
  readonly #lanes: Lane[] = [];
  readonly #queue: PendingCommand[] = [];
  readonly #options: LanesOptions;
  #started = false;
  #closed = false;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  /** The lanes' way back in from a lane's {@link CommandSend}: created once, not per command. */
  readonly #host: LaneHost = {
    landed: (lane, command, reply) => {
      this.#landed(lane, command);
      command.resolve(reply);
    },
    failed: (lane, command, error) => this.#failed(lane, command, error),
  };

  constructor(options: LanesOptions) {
    this.#options = options;
    for (let i = 0; i < options.count; i++) this.#lanes.push(this.#createLane());
  }

  /** Connections that are up now. */
  get readyCount(): number {
    let ready = 0;
    for (const lane of this.#lanes) if (lane.engine.isReady) ready++;
    return ready;
  }

  get count(): number {
    return this.#lanes.length;
  }

  /** Commands on the wire across all lanes. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Commands waiting for a lane to be ready. Ones whose deadline already
   * passed are dropped first: read by stats(), not on the hot path, so the
   * O(n) prune here keeps the queue itself free of per-command bookkeeping.
   */
  get queued(): number {
    return this.#pruneQueue();
  }

  /**
   * The breaker's probe: PINGs over a ready lane. Resolves true when the
   * server answered, false when no lane is up (their own reconnects are the
   * probes then) or the lanes are closed. Lanes that were never started
   * (a client that only leased, so far) are started here: without their
   * reconnects, a breaker opened by failed leases would never close.
   */
  async probe(): Promise<boolean> {
    if (this.#closed) return false;
    this.#start();
    const lane = this.#pick();
    if (lane === undefined) return false;
    await lane.engine.send('ping', []);
    this.#reached(false);
    return true;
  }

  /** The server answered: closes the breaker, and says so when that ends an outage. */
  #reached(laneCameUp: boolean): void {
    const wasOpen = this.#options.breaker.isOpen;
    this.#options.breaker.recordSuccess();
    if (wasOpen || (laneCameUp && this.readyCount === 1)) this.#options.onAvailabilityChange?.(true);
  }

  /** Starts every lane connecting; resolves when the first is ready, rejects with the first failure. */
  connect(): Promise<void> {
    this.#start();
    return Promise.any(this.#lanes.map((lane) => lane.engine.connect(this.#options.connectTimeoutMs, 'retry'))).catch(
      (error: AggregateError) => {
        throw error.errors[0] as RedisKitError;
      },
    );
  }

  /** Accepts a command: sends it now on the least busy ready lane, or queues it. */
  dispatch(command: PendingCommand): void {
    if (this.#closed) {
      command.fail(new ClosedError());
      return;
    }
    if (this.#options.breaker.isOpen) {
      command.fail(this.#options.breaker.rejection(this.#options.factory.target));
      return;
    }
    const lane = this.#pick();
    this.#options.deadlines.arm(command, command.timeoutMs, command.startedAt);
    if (lane !== undefined) {
      this.#send(lane, command);
      return;
    }
    if (this.#queue.length >= this.#options.maxQueued && this.#pruneQueue() >= this.#options.maxQueued) {
      this.#options.deadlines.disarm(command);
      command.fail(new QueueFullError('the queue of commands waiting for a connection', this.#options.maxQueued));
      return;
    }
    // Never written yet: if its deadline passes in the queue, its timeout says so.
    command.unsent = true;
    this.#queue.push(command);
    this.#start();
  }

  /** Resolves when nothing is queued or in flight. No new work is accepted after this is called. */
  drain(): Promise<void> {
    this.#closed = true;
    // Queued commands were accepted: they still go out if a lane comes up
    // before their deadline, and fail with it otherwise.
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    this.checkDrained();
    return drained;
  }

  /** Called when any command ends while draining: a queued command that expired may have been the last. */
  checkDrained(): void {
    if (this.#drained !== undefined && this.#inFlight === 0 && this.#pruneQueue() === 0) this.#drained();
  }

  /** Drops commands that already ended (expired while queued); returns how many still wait. */
  #pruneQueue(): number {
    let kept = 0;
    for (const command of this.#queue) if (!command.settled) this.#queue[kept++] = command;
    this.#queue.length = kept;
    return kept;
  }

  /** QUITs every lane (after {@link drain}) or drops them (`force`). */
  async close(force: boolean): Promise<void> {
    this.#closed = true;
    this.#options.breaker.detachProbe();
    if (force) {
      for (const command of this.#queue.splice(0)) command.fail(new ClosedError('the client was destroyed before this command was sent'));
      for (const lane of this.#lanes) lane.engine.destroy();
    } else {
      await Promise.all(this.#lanes.map((lane) => lane.engine.quit()));
    }
    for (const lane of this.#lanes) {
      if (channels.connectionDestroy.hasSubscribers) {
        channels.connectionDestroy.publish({ role: 'lane', id: lane.engine.id, reason: force ? 'destroy' : 'close' });
      }
    }
  }

  #createLane(): Lane {
    const reconnect = new ReconnectStrategy({
      baseMs: this.#options.retryBaseMs,
      capMs: this.#options.retryMaxDelayMs,
      probeIntervalMs: this.#options.probeIntervalMs,
      isClosed: () => this.#closed,
      isBreakerOpen: () => this.#options.breaker.isOpen,
      authRefused: () => engine.authError !== undefined,
      random: this.#options.random,
    });
    const engine = this.#options.factory.createSeam('lane', reconnect.retryStrategy);
    const lane = new Lane(engine, this.#host);
    engine.on('ready', () => {
      reconnect.reset();
      // The breaker closes before anyone hears that Redis is back, so a
      // listener that sends a command right away is not refused.
      this.#reached(true);
      if (channels.connectionCreate.hasSubscribers) channels.connectionCreate.publish({ role: 'lane', id: engine.id });
      this.#flushQueue();
    });
    // Backpressure: commands queued while every lane was backed up go out once one has caught up.
    engine.on('drain', () => this.#flushQueue());
    engine.on('connectFailed', (error) => {
      if (channels.connectionFail.hasSubscribers) channels.connectionFail.publish({ role: 'lane', id: engine.id, error });
      this.#options.breaker.recordFailure(error);
      if (this.#options.breaker.isOpen) this.#failQueue();
    });
    engine.on('lost', (error) => {
      if (this.#closed) return; // close() reports these connections itself.
      if (this.readyCount === 0) this.#options.onAvailabilityChange?.(false);
      if (channels.connectionDestroy.hasSubscribers) {
        channels.connectionDestroy.publish({ role: 'lane', id: engine.id, reason: 'broken', error });
      }
    });
    return lane;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const lane of this.#lanes) {
      // A failure reaches the breaker through 'connectFailed', and the lane
      // keeps retrying by itself: this promise has nothing left to report.
      lane.engine.connect(this.#options.connectTimeoutMs, 'retry').catch(() => undefined);
    }
  }

  #pick(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes) {
      if (!lane.engine.isReady || lane.engine.backedUp === true) continue;
      if (best === undefined || lane.inFlight < best.inFlight) best = lane;
    }
    return best;
  }

  #send(lane: Lane, command: PendingCommand): void {
    command.unsent = false;
    lane.inFlight++;
    this.#inFlight++;
    const send = new CommandSend(lane, command);
    if (command.batch === undefined) {
      lane.engine.dispatch(command.name, command.args, command.buffer, send);
      return;
    }
    lane.engine.batch(command.batch.commands, command.batch.atomic).then(
      (replies) => send.resolve(replies),
      (error: unknown) => send.fail(classifyError(error, command.name)),
    );
  }

  /**
   * A send failed: a read (or anything that never left) goes out again under
   * its original deadline, anything else fails its caller. May run inside the
   * engine's dispatch or while a lost connection fails its commands: the
   * engine reports itself not ready by then, so the resend picks another lane
   * or waits in the queue for a reconnect.
   */
  #failed(lane: Lane, command: PendingCommand, error: RedisKitError): void {
    lane.inFlight--;
    this.#inFlight--;
    if (!command.settled && mayResend(command, error)) {
      command.resends++;
      this.#resend(command);
      return;
    }
    this.#options.deadlines.disarm(command);
    command.fail(error);
    if (this.#drained !== undefined) this.checkDrained();
  }

  /** Sends again on another (or the reconnected) lane, still under the command's original deadline. */
  #resend(command: PendingCommand): void {
    const lane = this.#pick();
    if (lane !== undefined) this.#send(lane, command);
    else this.#queue.push(command);
  }

  #landed(lane: Lane, command: PendingCommand): void {
    lane.inFlight--;
    this.#inFlight--;
    this.#options.deadlines.disarm(command);
    if (this.#drained !== undefined) this.checkDrained();
  }

  #flushQueue(): void {
    while (this.#queue.length > 0) {
      const lane = this.#pick();
      if (lane === undefined) return;
      const command = this.#queue.shift() as PendingCommand;
      if (command.settled) continue;
      this.#send(lane, command);
    }
    this.checkDrained();
  }

  #failQueue(): void {
    const error = this.#options.breaker.rejection(this.#options.factory.target);
    for (const command of this.#queue.splice(0)) {
      this.#options.deadlines.disarm(command);
      command.fail(error);
    }
    this.checkDrained();
  }
}
