import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { guardAuth } from './auth-guard.js';
import { awaitReady } from './await-ready.js';
import { classifyError, isReplyError, neverSent, sanitizedCause } from './classify-error.js';
import { AuthError, ConnectError, ConnectionLostError, type RedisKitError } from '../errors.js';
import {
  type BatchCommand,
  type BatchReplies,
  type EngineEvents,
  type EngineSeam,
  nextEngineId,
  type ReplyReceiver,
} from './engine-seam.js';
import { ioredisQueuedErrors, isExecAbort, transactionDiscarded } from './exec-abort.js';
import type { IoredisClient } from './ioredis-client.js';

export type { BatchCommand, BatchReplies, EngineEvents } from './engine-seam.js';

/**
 * Receives one pub/sub delivery: the channel it was published to, its payload
 * (raw bytes), and the pattern that matched when it came from a PSUBSCRIBE.
 */
export type EngineMessageListener = (channel: Buffer, payload: Buffer, pattern: Buffer | undefined) => void;

const EMPTY = Buffer.alloc(0);

/** QUIT's bound when the client has no connect timeout of its own (ioredis's default connectTimeout). */
const DEFAULT_QUIT_TIMEOUT_MS = 10_000;

/** Where Redis publishes client-side-caching invalidations for RESP2 connections. */
export const INVALIDATION_CHANNEL = '__redis__:invalidate';

/** ioredis methods of these names do not just send the command (multi() builds a pipeline …). */
const viaCall = new Set(['multi', 'exec', 'pipeline', 'monitor', 'quit', 'disconnect', 'connect', 'duplicate']);

/**
 * The narrow seam between redis-kit and its protocol engine: send a command
 * and get its reply, connect, close, and a few events. Nothing above this file
 * knows it is ioredis, so the engine under the lanes can be replaced.
 */
export class Engine extends EventEmitter<EngineEvents> implements EngineSeam {
  readonly id = nextEngineId();
  readonly #client: IoredisClient;
  readonly #target: string;
  #wasReady = false;
  #lastError: RedisKitError | undefined;
  #authError: AuthError | undefined;
  #ended = false;
  #connecting: Promise<void> | undefined;

  constructor(client: IoredisClient, target: string) {
    super();
    this.#client = client;
    this.#target = target;
    guardAuth(client, target, (refusal) => {
      this.#authError = refusal;
    });
    client.on('ready', () => {
      this.#wasReady = true;
      this.#lastError = undefined;
      this.emit('ready');
    });
    client.on('error', (error: Error) => {
      this.#lastError = this.#authError ?? this.#connectionError(error);
    });
    client.on('close', () => {
      const error = this.#authError ?? this.#lastError ?? new ConnectError(this.#target, `connection to ${this.#target} closed`);
      if (this.#wasReady) {
        this.#wasReady = false;
        this.emit('lost', error);
      } else if (!this.#ended) {
        this.emit('connectFailed', error);
      }
    });
    client.on('end', () => {
      this.#ended = true;
      this.emit('end');
    });
  }

  get isReady(): boolean {
    return this.#client.status === 'ready';
  }

  get isEnded(): boolean {
    return this.#ended || this.#client.status === 'end';
  }

  /** The credentials were refused; set until a later attempt succeeds. */
  get authError(): AuthError | undefined {
    return this.#authError ?? (this.#lastError instanceof AuthError ? this.#lastError : undefined);
  }

  get lastError(): RedisKitError | undefined {
    return this.#lastError;
  }

  /**
   * Sends one command; the reply is a string/number/array, or Buffers when
   * `buffer`. Rejects only with typed redis-kit errors, whose causes hold no
   * command arguments.
   */
  send(name: string, args: unknown[], buffer = false): Promise<unknown> {
    let reply: Promise<unknown>;
    try {
      reply = this.#dispatch(name, args, buffer);
    } catch (error) {
      return Promise.reject(classifyError(error, name));
    }
    return reply.catch((error: unknown) => {
      throw classifyError(error, name);
    });
  }

  /** {@link send} with its outcome adapted to `receiver` (this engine's commands are promises anyway). */
  dispatch(name: string, args: unknown[], buffer: boolean, receiver: ReplyReceiver): void {
    this.send(name, args, buffer).then(
      (reply) => receiver.resolve(reply),
      (error: unknown) => receiver.fail(classifyError(error, name)),
    );
  }

  #dispatch(name: string, args: unknown[], buffer: boolean): Promise<unknown> {
    // The named methods, not call()/callBuffer(): ioredis's auto-pipelining
    // drops the command name of callBuffer(), and the named methods carry each
    // command's argument transformers (HSET with an object, MSET with a Map).
    const method: unknown = viaCall.has(name) ? undefined : Reflect.get(this.#client, buffer ? `${name}Buffer` : name);
    if (typeof method === 'function') return Reflect.apply(method, this.#client, args);
    return buffer
      ? this.#client.callBuffer(name, ...(args as (string | Buffer | number)[]))
      : this.#client.call(name, ...(args as (string | Buffer | number)[]));
  }

  /**
   * Sends commands back to back; `atomic` wraps them in MULTI/EXEC. Resolves
   * null when EXEC aborted (WATCH). Per-command errors and the rejection are
   * typed redis-kit errors.
   */
  async batch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null> {
    let replies: [Error | null, unknown][] | null;
    try {
      const builder = atomic ? this.#client.multi(commands) : this.#client.pipeline(commands);
      replies = await builder.exec();
    } catch (error) {
      if (atomic && error instanceof Error && isExecAbort(error)) throw transactionDiscarded(error, ioredisQueuedErrors(error));
      throw classifyError(error, atomic ? 'multi' : 'pipeline');
    }
    if (replies === null) return null;
    const typed: BatchReplies = replies.map(([error, reply], i) => [error === null ? null : classifyError(error, commands[i]?.[0]), reply]);
    // ioredis resolves a pipeline whose socket was unwritable or lost with a
    // connection error per command: that is the batch failing, not the
    // server answering, so it rejects (typed, and marked unsent when no
    // command left, so a lane may send it again).
    const lost = typed.flatMap(([error]) => (error instanceof ConnectionLostError || error instanceof ConnectError ? [error] : []));
    if (lost.length > 0) throw lost.find((error) => !neverSent(error)) ?? lost[0];
    return typed;
  }

  /**
   * Forwards this connection's pub/sub deliveries (SUBSCRIBE and PSUBSCRIBE
   * messages, as raw bytes) to `listener`; returns a function that stops it.
   *
   * Whoever listens owns the subscriptions from then on: the engine's own
   * resubscription after a reconnect is switched off, and the owner sends
   * SUBSCRIBE / PSUBSCRIBE again on `'ready'`. It knows the complete set
   * (including a SUBSCRIBE whose reply was lost with the old socket), awaits
   * the replies, and so knows when messages flow again. ioredis's own
   * resubscription sends its commands without a rejection handler: a
   * connection lost again during it would surface as an unhandled rejection.
   */
  onMessage(listener: EngineMessageListener): () => void {
    if (this.#client instanceof Redis) this.#client.options.autoResubscribe = false;
    const onMessage = (channel: Buffer, payload: Buffer | undefined): void => listener(channel, payload ?? EMPTY, undefined);
    const onPatternMessage = (pattern: Buffer, channel: Buffer, payload: Buffer | undefined): void =>
      listener(channel, payload ?? EMPTY, pattern);
    this.#client.on('messageBuffer', onMessage);
    this.#client.on('pmessageBuffer', onPatternMessage);
    return () => {
      this.#client.off('messageBuffer', onMessage);
      this.#client.off('pmessageBuffer', onPatternMessage);
    };
  }

  /**
   * Forwards this connection's sharded pub/sub deliveries (SSUBSCRIBE
   * messages, raw bytes) to `listener`, and calls `onMoved` when the server
   * unsubscribed it from sharded channels on its own (their slot moved to
   * another node) or refused an SSUBSCRIBE with MOVED. Returns a function
   * that stops both.
   */
  onShardedMessage(listener: (channel: Buffer, payload: Buffer) => void, onMoved: () => void): () => void {
    const onMessage = (channel: Buffer, payload: Buffer | undefined): void => listener(channel, payload ?? EMPTY);
    this.#client.on('smessageBuffer', onMessage);
    this.#client.on('moved', onMoved);
    return () => {
      this.#client.off('smessageBuffer', onMessage);
      this.#client.off('moved', onMoved);
    };
  }

  /**
   * Forwards the server's client-side-caching invalidations delivered to this
   * connection (RESP2, subscribed to `__redis__:invalidate`): the full key
   * names that changed or expired, or `null` when the server was flushed.
   * Returns a function that stops it.
   */
  onInvalidation(listener: (keys: string[] | null) => void): () => void {
    const onMessage = (channel: Buffer, message: unknown): void => {
      if (channel.toString() !== INVALIDATION_CHANNEL) return;
      if (message === null) listener(null);
      else if (Array.isArray(message)) listener(message.map((key: Buffer | string) => key.toString()));
      else listener([String(message)]);
    };
    this.#client.on('messageBuffer', onMessage);
    return () => {
      this.#client.off('messageBuffer', onMessage);
    };
  }

  /**
   * Connects and waits for the handshake; rejects with a typed error if that
   * fails. Concurrent calls share one attempt. When the handshake does not
   * finish within `timeoutMs` (a server that accepts but never answers), the
   * socket is dropped: `'destroy'` ends the engine for good (a lease is
   * replaced instead), `'retry'` lets it reconnect with its retry strategy (a
   * lane must not die because the server was paused when it started).
   */
  connect(timeoutMs: number, onTimeout: 'destroy' | 'retry' = 'destroy'): Promise<void> {
    if (this.isReady) return Promise.resolve();
    this.#connecting ??= this.#attempt(timeoutMs, onTimeout).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #attempt(timeoutMs: number, onTimeout: 'destroy' | 'retry'): Promise<void> {
    // The engine's own connectTimeout covers TCP only; a server that accepts
    // but never finishes the handshake is caught by this wait.
    return awaitReady(this, {
      target: this.#target,
      timeoutMs,
      endError: () => this.#authError ?? this.#lastError ?? new ConnectError(this.#target, `connection to ${this.#target} ended`),
      onTimeout: (error) => {
        this.#lastError = error;
        if (onTimeout === 'destroy') this.destroy();
        else this.#client.disconnect(true);
      },
      start: () => {
        const status = this.#client.status;
        if (status !== 'wait' && status !== 'end' && status !== 'close') return;
        this.#client.connect().catch((error: unknown) => {
          // The 'close'/'end' listeners report the classified error; this
          // only records an error the engine raised without closing.
          this.#lastError ??= this.#connectionError(error);
        });
      },
    });
  }

  /**
   * Graceful close: QUIT after what was written has been answered, waiting at
   * most `timeoutMs` (default: the connection's connect timeout,
   * `connectTimeoutMs`) for the reply. A paused or blackholed server never
   * answers: then, as when QUIT fails, the socket is dropped, so this always
   * settles, and never rejects.
   */
  async quit(timeoutMs = this.#quitTimeoutMs()): Promise<void> {
    if (this.isEnded) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.#client.quit(), expired]);
      if (outcome === 'expired') {
        this.#lastError = new ConnectionLostError(`QUIT was not answered within ${timeoutMs} ms; the connection was dropped`);
        this.destroy();
      }
    } catch (error) {
      // QUIT on a dead socket fails; the goal (no connection) is met either way.
      this.#lastError = classifyError(error, 'quit');
      this.destroy();
    } finally {
      clearTimeout(timer);
    }
  }

  #quitTimeoutMs(): number {
    const client = this.#client;
    const configured = client instanceof Redis ? client.options.connectTimeout : client.options.redisOptions?.connectTimeout;
    return configured !== undefined && Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_QUIT_TIMEOUT_MS;
  }

  /** Drops the socket at once; whatever is in flight fails. */
  destroy(): void {
    this.#client.disconnect(false);
  }

  #connectionError(error: unknown): RedisKitError {
    if (error instanceof Error && isReplyError(error)) return classifyError(error);
    const message = error instanceof Error ? error.message : String(error);
    return new ConnectError(this.#target, `cannot reach Redis at ${this.#target}: ${message}`, { cause: sanitizedCause(error) });
  }
}
