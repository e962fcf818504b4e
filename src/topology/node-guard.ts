import { EventEmitter } from 'node:events';
import { isReadOnly } from '../commands/command-table.js';
import { classifyError } from '../engine/classify-error.js';
import type { BatchCommand, BatchReplies, EngineEvents, EngineSeam, ReplyReceiver } from '../engine/engine-seam.js';
import { ConnectError, ConnectionLostError, type AuthError, type RedisKitError, ReplyError } from '../errors.js';
import { keySlot } from './cluster-slot.js';
import { commandKeys, firstKey } from './command-keys.js';
import type { NodeBreakers } from './node-breakers.js';

export interface NodeGuardOptions {
  breakers: NodeBreakers;
  /** The primary serving `slot` per this engine's own slot map. */
  ownerOf: (slot: number) => string | undefined;
  /** Added to every key by the engine (ioredis's keyPrefix): the slot is the prefixed key's. */
  keyPrefix: string;
  /** How long a command may go without a reply before it counts as its node's failure. */
  commandTimeoutMs: number;
  /** The same for a batch (a write with its WAIT takes the write concern's timeout on top). */
  batchTimeoutMs: number;
  /** Asks this engine's cluster client to read the slot map again. */
  refreshSlotMap: () => void;
  /**
   * `readFrom: 'replica-preferred'`: read-only commands go to a replica the
   * cluster client picks, not to the primary whose breaker this guard keeps,
   * so they are sent unguarded (a primary that is down must not refuse reads
   * a replica can serve).
   */
  replicaReads?: boolean;
}

/** Least time between two slot-map reads asked for by refused commands. */
const REFRESH_SPACING_MS = 100;

/**
 * A cluster lane (an ioredis Cluster behind the engine seam) with a breaker
 * per node in front: before a command is sent, the primary of its first key's
 * slot is looked up in the slot map, and when that node's breaker is open
 * the command fails at once with NodeUnavailableError instead of waiting out
 * its deadline on a node that does not answer. Each command sent counts as
 * an answer from that node or, without a reply by the deadline or with its
 * connection gone, as one of its failures. Commands without keys go through
 * unguarded (any node may serve them), and so do reads sent to replicas.
 */
export class NodeGuardedEngine extends EventEmitter<EngineEvents> implements EngineSeam {
  readonly #inner: EngineSeam;
  readonly #options: NodeGuardOptions;
  #lastRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(inner: EngineSeam, options: NodeGuardOptions) {
    super();
    this.#inner = inner;
    this.#options = options;
    inner.on('ready', () => this.emit('ready'));
    inner.on('connectFailed', (error) => this.emit('connectFailed', error));
    inner.on('lost', (error) => this.emit('lost', error));
    inner.on('end', () => this.emit('end'));
    inner.on('drain', () => this.emit('drain'));
  }

  get id(): number {
    return this.#inner.id;
  }

  get isReady(): boolean {
    return this.#inner.isReady;
  }

  get isEnded(): boolean {
    return this.#inner.isEnded;
  }

  get authError(): AuthError | undefined {
    return this.#inner.authError;
  }

  get lastError(): RedisKitError | undefined {
    return this.#inner.lastError;
  }

  get backedUp(): boolean | undefined {
    return this.#inner.backedUp;
  }

  /** The guarded engine underneath (the cluster client ClusterClients tracks). */
  get inner(): EngineSeam {
    return this.#inner;
  }

  send(name: string, args: unknown[], buffer?: boolean): Promise<unknown> {
    if (this.#options.replicaReads === true && isReadOnly(name.toLowerCase())) return this.#inner.send(name, args, buffer);
    const key = firstKey(name, args);
    const address = key === undefined ? undefined : this.#ownerOfKey(key);
    if (address === undefined) return this.#inner.send(name, args, buffer);
    return this.#guarded(address, this.#options.commandTimeoutMs, () => this.#inner.send(name, args, buffer));
  }

  /** {@link send} adapted to `receiver`: cluster lanes are ioredis, whose commands are promises anyway. */
  dispatch(name: string, args: unknown[], buffer: boolean, receiver: ReplyReceiver): void {
    this.send(name, args, buffer).then(
      (reply) => receiver.resolve(reply),
      (error: unknown) => receiver.fail(classifyError(error, name)),
    );
  }

  batch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null> {
    let first: string | undefined;
    const { breakers } = this.#options;
    for (const [name, ...args] of commands) {
      for (const key of commandKeys(name, args)) {
        const address = this.#ownerOfKey(key);
        if (address === undefined) continue;
        // Nothing of the batch is sent when any of its nodes is known down: no half-applied pipeline.
        if (breakers.isOpen(address)) return Promise.reject(this.#refused(address));
        first ??= address;
      }
    }
    if (first === undefined) return this.#inner.batch(commands, atomic);
    return this.#guarded(first, this.#options.batchTimeoutMs, () => this.#inner.batch(commands, atomic));
  }

  connect(timeoutMs: number, onTimeout?: 'destroy' | 'retry'): Promise<void> {
    return this.#inner.connect(timeoutMs, onTimeout);
  }

  quit(timeoutMs?: number): Promise<void> {
    return this.#inner.quit(timeoutMs);
  }

  destroy(): void {
    this.#inner.destroy();
  }

  #ownerOfKey(key: string): string | undefined {
    return this.#options.ownerOf(keySlot(this.#options.keyPrefix + key));
  }

  /**
   * The error for a command refused because its node is open. Commands that
   * are not sent get no MOVED either, so this client's slot map would learn
   * a failover only on its timer: it is read again now (spaced out), and once
   * another node owns the slot, commands go there.
   */
  #refused(address: string): RedisKitError {
    const now = performance.now();
    if (now - this.#lastRefreshAt >= REFRESH_SPACING_MS) {
      this.#lastRefreshAt = now;
      this.#options.refreshSlotMap();
    }
    return this.#options.breakers.rejection(address);
  }

  #guarded<T>(address: string, timeoutMs: number, send: () => Promise<T>): Promise<T> {
    const { breakers } = this.#options;
    if (breakers.isOpen(address)) return Promise.reject(this.#refused(address));
    const watch = breakers.watch(address, timeoutMs);
    return send().then(
      (reply) => {
        breakers.replied(watch, timeoutMs);
        return reply;
      },
      (error: unknown) => {
        // A reply error is an answer; a lost or refused connection is the node's failure; anything
        // else (refused before sending, the client closing) says nothing about the node.
        if (error instanceof ConnectionLostError || error instanceof ConnectError) breakers.failed(watch, timeoutMs, error);
        else if (error instanceof ReplyError) breakers.replied(watch, timeoutMs);
        else breakers.forget(watch, timeoutMs);
        throw error;
      },
    );
  }
}
