import { EventEmitter } from 'node:events';
import { AuthError, ClosedError, ConnectError, ConnectionLostError, type RedisKitError } from '../errors.js';
import { awaitReady } from './await-ready.js';
import { classifyError, unsentLoss } from './classify-error.js';
import {
  type BatchCommand,
  type BatchReplies,
  type EngineEvents,
  type EngineSeam,
  nextEngineId,
  type ReplyReceiver,
  type RetryStrategy,
} from './engine-seam.js';
import { runBatch } from './resp-batch.js';
import { type PreparedCommand, prepareCommand } from './resp-command-prep.js';
import { PromiseReceiver, RespEngineCommand } from './resp-engine-command.js';
import { RespConnection, type RespConnectionOptions } from './resp/index.js';

export interface RespEngineOptions {
  /** Where and how to connect; the password is kept here (reconnects need it) and never logged. */
  connection: RespConnectionOptions;
  /** `host:port` for messages; never credentials. */
  target: string;
  /** Prefix of every key (`''`: none). */
  keyPrefix: string;
  /** Lanes reconnect with it; leases have none (null) and end instead. */
  retryStrategy: RetryStrategy | null;
  /** Silence (ms) with replies owed after which the socket is dropped and reconnected; undefined: never (leases). */
  socketTimeoutMs: number | undefined;
}

/** Sees each connection a {@link RespEngine} opens, before it connects. */
export type ConnectionHook = (connection: RespConnection) => void;

const IDLE = 0;
const CONNECTING = 1;
const READY = 2;
/** Between attempts: the retry strategy's delay runs. */
const WAITING = 3;
const ENDED = 4;

/**
 * The engine seam on redis-kit's own RESP connection (issue #8): what
 * {@link Engine} does over ioredis, with the same events, errors and
 * reconnect behaviour, for lanes and leases in standalone mode. One
 * {@link RespConnection} at a time; when it is lost, the next one is opened
 * after the retry strategy's delay, or the engine ends (no strategy, null,
 * or quit/destroy asked for).
 */
export class RespEngine extends EventEmitter<EngineEvents> implements EngineSeam {
  readonly id = nextEngineId();
  readonly #options: RespEngineOptions;
  #state = IDLE;
  #connection: RespConnection | undefined;
  /** quit() or destroy() was called: no more attempts. */
  #closing = false;
  #attempts = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #connecting: Promise<void> | undefined;
  #lastError: RedisKitError | undefined;
  #authError: AuthError | undefined;
  #connectionHook: ConnectionHook | undefined;

  constructor(options: RespEngineOptions) {
    super();
    this.#options = options;
  }

  /**
   * False as soon as the connection closes, also while it is still failing
   * what was in flight (before its 'close' event reaches this engine): a
   * lane that sends a failed read again from there must not pick this one.
   */
  get isReady(): boolean {
    return this.#state === READY && this.#connection?.isReady === true;
  }

  get isEnded(): boolean {
    return this.#state === ENDED || (this.#closing && this.#state !== READY);
  }

  get authError(): AuthError | undefined {
    return this.#authError;
  }

  get lastError(): RedisKitError | undefined {
    return this.#lastError;
  }

  /**
   * Backpressure: what this connection's socket has not yet sent (plus what is
   * encoded for this tick) passed `maxBufferedBytes` (default 4 MiB), so lanes
   * send nothing more on it until `'drain'`.
   */
  get backedUp(): boolean {
    return this.#connection?.saturated === true;
  }

  send(name: string, args: unknown[], buffer = false): Promise<unknown> {
    const receiver = new PromiseReceiver();
    this.dispatch(name, args, buffer, receiver);
    return receiver.promise;
  }

  dispatch(name: string, args: unknown[], buffer: boolean, receiver: ReplyReceiver): void {
    let prepared: PreparedCommand;
    try {
      prepared = prepareCommand(name, args, buffer, this.#options.keyPrefix);
    } catch (error) {
      receiver.fail(classifyError(error, name));
      return;
    }
    this.#sendPrepared(prepared, this.#connection?.protocol ?? 2, receiver);
  }

  batch(commands: BatchCommand[], atomic: boolean): Promise<BatchReplies | null> {
    if (!this.isReady) return Promise.reject(this.#notReady(atomic ? 'multi' : 'pipeline'));
    try {
      return runBatch(commands, atomic, this.#options.keyPrefix, this.#connection?.protocol ?? 2, (command) => {
        const receiver = new PromiseReceiver();
        this.#sendPrepared(command, undefined, receiver);
        return receiver.promise;
      });
    } catch (error) {
      return Promise.reject(classifyError(error, atomic ? 'multi' : 'pipeline'));
    }
  }

  /** With a `protocol`, the reply is mapped for it (`transformReply`); batches map their replies themselves. */
  #sendPrepared(prepared: PreparedCommand, protocol: 2 | 3 | undefined, receiver: ReplyReceiver): void {
    const connection = this.#connection;
    if (connection === undefined || !this.isReady) {
      receiver.fail(this.#notReady(prepared.name));
      return;
    }
    connection.send(new RespEngineCommand(prepared, protocol, receiver));
    this.#armWatchdog(connection);
  }

  #notReady(name: string): ConnectionLostError {
    return unsentLoss(`${name} was not sent: the connection to ${this.#options.target} is not ready`);
  }

  /**
   * Near-cache tracking (src/engine/resp/lane-tracking.ts), apart from the
   * send path: `hook` is shown every connection this engine opens from now
   * on, before it connects (so it can add a handshake step with
   * `beforeReady` and take its push frames with `onPush`); the current
   * connection, if any, is returned for the hook's owner to bring up to date.
   */
  hookConnections(hook: ConnectionHook | undefined): RespConnection | undefined {
    this.#connectionHook = hook;
    return this.#connection;
  }

  connect(timeoutMs: number, onTimeout: 'destroy' | 'retry' = 'destroy'): Promise<void> {
    if (this.#state === READY) return Promise.resolve();
    if (this.#state === ENDED || this.#closing) {
      return Promise.reject(this.#lastError ?? new ClosedError(`the connection to ${this.#options.target} is closed`));
    }
    this.#connecting ??= this.#attempt(timeoutMs, onTimeout).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #attempt(timeoutMs: number, onTimeout: 'destroy' | 'retry'): Promise<void> {
    const target = this.#options.target;
    // The connection's own timeout covers one attempt; this one covers the caller's wait (backoff included).
    return awaitReady(this, {
      target,
      timeoutMs,
      endError: () => this.#authError ?? this.#lastError ?? new ConnectError(target, `connection to ${target} ended`),
      onTimeout: (error) => {
        this.#lastError = error;
        if (onTimeout === 'destroy') this.destroy();
        else this.#connection?.destroy(error);
      },
      start: () => {
        if (this.#state === IDLE) this.#open();
      },
    });
  }

  #open(): void {
    this.#state = CONNECTING;
    const connection = new RespConnection(this.#options.connection);
    this.#connection = connection;
    this.#connectionHook?.(connection);
    connection.on('close', (error) => this.#onClose(connection, error));
    connection.on('drain', () => {
      if (connection === this.#connection && this.#state === READY) this.emit('drain');
    });
    connection.connect().then(
      () => this.#onReady(connection),
      (error: unknown) => this.#onConnectFailed(connection, error),
    );
  }

  #onReady(connection: RespConnection): void {
    if (connection !== this.#connection) return;
    if (this.#closing) {
      connection.destroy();
      return;
    }
    this.#state = READY;
    this.#attempts = 0;
    this.#lastError = undefined;
    this.#authError = undefined;
    this.emit('ready');
  }

  #onConnectFailed(connection: RespConnection, raw: unknown): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    let error = classifyError(raw, 'connect');
    if (error instanceof AuthError) {
      // The connection closed on the refusal: it is never used.
      error = new AuthError(`Redis at ${this.#options.target} refused the credentials: ${error.message}`, { cause: error });
      this.#authError = error;
    }
    this.#lastError = error;
    this.emit('connectFailed', error);
    this.#afterLoss();
  }

  #onClose(connection: RespConnection, error: RedisKitError | undefined): void {
    // Before ready, the failed connect() reports it.
    if (connection !== this.#connection || this.#state !== READY) return;
    this.#connection = undefined;
    this.#disarmWatchdog();
    this.#state = IDLE;
    const lost = error ?? new ConnectionLostError(`the connection to ${this.#options.target} was closed`);
    if (error !== undefined) this.#lastError = error;
    this.emit('lost', lost);
    this.#afterLoss();
  }

  #afterLoss(): void {
    this.#state = IDLE;
    const delay = this.#closing ? null : (this.#options.retryStrategy?.(++this.#attempts) ?? null);
    if (delay === null) {
      this.#end();
      return;
    }
    this.#state = WAITING;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closing) this.#open();
    }, delay);
  }

  #end(): void {
    if (this.#state === ENDED) return;
    this.#state = ENDED;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#disarmWatchdog();
    this.emit('end');
  }

  /**
   * ioredis's socketTimeout: a lane whose server stops answering (paused,
   * blackholed) is dropped and reconnects instead of staying wedged. Checked
   * coarsely (one timer per connection, not per command): silence with
   * replies owed for between one and two periods trips it.
   */
  #armWatchdog(connection: RespConnection): void {
    const ms = this.#options.socketTimeoutMs;
    if (ms === undefined || this.#watchdog !== undefined) return;
    const seen = connection.bytesReceived;
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      if (connection !== this.#connection || !connection.isReady || connection.pending === 0) return;
      if (connection.bytesReceived !== seen) {
        this.#armWatchdog(connection);
        return;
      }
      const error = new ConnectionLostError(
        `${this.#options.target} sent nothing for ${ms} ms with replies owed (socket timeout); the connection was dropped`,
      );
      this.#lastError = error;
      connection.destroy(error);
    }, ms);
    this.#watchdog.unref();
  }

  #disarmWatchdog(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  async quit(timeoutMs = this.#options.connection.connectTimeoutMs ?? 10_000): Promise<void> {
    if (this.#state === ENDED) return;
    this.#closing = true;
    const connection = this.#connection;
    if (connection === undefined || this.#state !== READY) {
      this.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([connection.quit(), expired]);
      if (outcome === 'expired') {
        this.#lastError = new ConnectionLostError(`QUIT was not answered within ${timeoutMs} ms; the connection was dropped`);
        this.destroy();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const connection = this.#connection;
    if (connection !== undefined) connection.destroy();
    else if (this.#state !== CONNECTING) this.#end();
  }
}
