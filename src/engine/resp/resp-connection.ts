import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { ClosedError, ConnectError, ConnectionLostError, type RedisKitError } from '../../errors.js';
import { classifyError } from '../classify-error.js';
import { CommandQueue, type RespCommand } from './command-queue.js';
import { failPending } from './fail-pending.js';
import { type CommandArg, CommandWriter } from './encode-command.js';
import { handshake } from './handshake.js';
import { PromiseCommand } from './promise-command.js';
import { ReplyParser, type ReplySink } from './reply-parser.js';
import type { PushListener, RespConnectionEvents, RespConnectionOptions, SetupStep } from './resp-connection-options.js';
import { RespProtocolError, type RespErrorReply } from './resp-errors.js';
import { CONSUMED, MESSAGE, SETTLES_HEAD, SubscribeReplies } from './subscribe-replies.js';

export type { PushListener, RespConnectionEvents, RespConnectionOptions, SetupStep } from './resp-connection-options.js';

const CONNECTING = 0;
const READY = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * One socket to one Redis server, speaking RESP2 or RESP3: commands go out in
 * order, one socket write per tick, and replies are matched to them in order.
 * No reconnects and no timers per command: whoever owns the connection (a
 * lane, a lease) decides what a loss means and owns deadlines.
 *
 * Every command must get exactly one reply, except the SUBSCRIBE family
 * (one confirmation per channel, recognised in subscribe-replies.ts, so a
 * lease that subscribes stays in step until it is replaced). MONITOR and
 * CLIENT REPLY OFF|SKIP would put the queue out of step; they are not checked
 * here (it would cost every command a name comparison): the lanes refuse them
 * before they get here, and the subscriber connection stays on ioredis for now.
 */
export class RespConnection extends EventEmitter<RespConnectionEvents> {
  /** `host:port`, for messages; never credentials. */
  readonly target: string;
  readonly #options: RespConnectionOptions;
  readonly #maxBuffered: number;
  readonly #writer = new CommandWriter();
  readonly #queue = new CommandQueue();
  readonly #parser: ReplyParser;
  readonly #flush = (): void => this.#write();
  readonly #schedule: (callback: () => void) => void;
  #socket: net.Socket | undefined;
  #state = CONNECTING;
  #protocol: 2 | 3 = 2;
  /** Commands sent before the handshake finished, written once it has. */
  #held: RespCommand[] = [];
  /** The last commands of the queue that are still in the writer (never reached the socket). */
  #unwritten = 0;
  #flushScheduled = false;
  #socketWrites = 0;
  /** The socket is over the bound: hold writes until it drains. */
  #blocked = false;
  #owesDrain = false;
  #connecting: Promise<void> | undefined;
  #socketError: Error | undefined;
  /** Why the connection closed (set once). */
  #closeReason: RedisKitError | undefined;
  #pushListener: PushListener | undefined;
  readonly #subscribeReplies = new SubscribeReplies();
  /** Run last in the handshake, before `ready` (see {@link beforeReady}). */
  readonly #setupSteps: SetupStep[] = [];

  constructor(options: RespConnectionOptions) {
    super();
    this.#options = { ...options };
    this.target = `${options.host}:${options.port}`;
    this.#maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#schedule = options.flushWith === 'microtask' ? queueMicrotask : process.nextTick;
    const sink: ReplySink = {
      wantsBuffers: () => this.#queue.peek()?.buffers ?? false,
      onReply: (value) => {
        // RESP2 answers the SUBSCRIBE family with arrays; only arrays need the check.
        if (this.#protocol === 2 && Array.isArray(value) && this.#subscriptionFrame(value)) return;
        this.#settle(value, undefined);
      },
      onError: (error) => this.#settle(undefined, error),
      onPush: (frame) => {
        if (!this.#subscriptionFrame(frame)) this.#deliverPush(frame);
      },
    };
    this.#parser = new ReplyParser(sink);
  }

  /** 3 after a successful `HELLO 3`, else 2. */
  get protocol(): 2 | 3 {
    return this.#protocol;
  }

  get isReady(): boolean {
    return this.#state === READY;
  }

  /** Bytes received from the server so far (diagnostics; tests use it to catch a reply in the middle). */
  get bytesReceived(): number {
    return this.#socket?.bytesRead ?? 0;
  }

  /** Socket writes made so far (commands ÷ writes is how well a tick's commands were coalesced). */
  get socketWrites(): number {
    return this.#socketWrites;
  }

  /** True while writes are held back because the socket is over `maxBufferedBytes` (until it drains). */
  get backedUp(): boolean {
    return this.#blocked;
  }

  /**
   * True from a {@link send} that returned false until the `'drain'` that
   * follows it: whoever feeds the connection (a lane) sends nothing more
   * meanwhile, so what waits stays in its own bounded queue, not in the socket.
   */
  get saturated(): boolean {
    return this.#owesDrain || this.#blocked;
  }

  /** Commands written (or held) and not yet answered. */
  get pending(): number {
    return this.#queue.length + this.#held.length;
  }

  /** Opens the socket and runs the handshake; concurrent calls share one attempt. Rejects with a typed error. */
  connect(): Promise<void> {
    if (this.#state === CLOSED && this.#connecting === undefined) {
      return Promise.reject(new ClosedError(`the connection to ${this.target} is closed`));
    }
    this.#connecting ??= this.#open();
    return this.#connecting;
  }

  /**
   * Queues `command`; it is written with the rest of this tick's commands.
   * Before `ready` it is held and written after the handshake; on a closing or
   * closed connection it is rejected at once (ClosedError). Returns false when
   * the socket is over `maxBufferedBytes`: send no more until `'drain'`.
   */
  send(command: RespCommand): boolean {
    if (this.#state === READY) {
      this.#enqueue(command);
      if (this.#blocked || this.#writer.pendingBytes + (this.#socket?.writableLength ?? 0) >= this.#maxBuffered) {
        this.#owesDrain = true;
        return false;
      }
      return true;
    }
    if (this.#state === CONNECTING) {
      this.#held.push(command);
      return true;
    }
    command.reject(new ClosedError(`the connection to ${this.target} is closed; ${command.name} was not sent`));
    return false;
  }

  /** Sends one command and resolves with its reply (a convenience over {@link send}). */
  call(name: string, args: readonly CommandArg[] = [], buffers = false): Promise<unknown> {
    const command = new PromiseCommand(name, args, buffers);
    this.send(command);
    return command.promise;
  }

  /** Routes RESP3 push frames to `listener` (one at a time); returns a function that stops it. */
  onPush(listener: PushListener): () => void {
    this.#pushListener = listener;
    return () => {
      if (this.#pushListener === listener) this.#pushListener = undefined;
    };
  }

  /**
   * Adds `step` to the end of this connection's handshake: it runs after
   * HELLO/AUTH/SELECT and the loading wait, before anything held is written
   * and before `ready`, with the protocol agreed. What a connection's owner
   * needs on every connection before it carries commands goes here (the
   * near-cache's `CLIENT TRACKING ON OPTIN`). A rejection fails the connect,
   * so a step that may be refused without making the connection unusable
   * catches its own refusal. Only before {@link connect}; ignored after.
   */
  beforeReady(step: SetupStep): void {
    if (this.#state === CONNECTING && this.#connecting === undefined) this.#setupSteps.push(step);
  }

  /**
   * Graceful close: QUIT goes out after what was already sent, whose replies
   * still arrive; resolves when the socket has closed. New commands are refused.
   */
  async quit(): Promise<void> {
    if (this.#state === CLOSED) return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    if (this.#state === CLOSING) return closed;
    if (this.#state === CONNECTING) {
      this.destroy(new ClosedError(`the connection to ${this.target} was closed before it was ready`));
      return closed;
    }
    const quit = new PromiseCommand('QUIT', []);
    this.#enqueue(quit);
    this.#state = CLOSING;
    quit.promise.then(
      () => this.#socket?.end(),
      (error: RedisKitError) => this.destroy(error),
    );
    await closed;
  }

  /**
   * Drops the socket now. Every pending command fails at once: those written
   * with ConnectionLostError (they may have run), those never written with
   * ClosedError (they did not). `reason` becomes their `cause`.
   */
  destroy(reason?: RedisKitError): void {
    if (this.#state === CLOSED) return;
    this.#close(reason ?? new ClosedError(`the connection to ${this.target} was destroyed`));
    this.#socket?.destroy();
  }

  async #open(): Promise<void> {
    const options = this.#options;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const socket = options.tls
      ? tls.connect({ ...options.tls, host: options.host, port: options.port })
      : net.connect({ host: options.host, port: options.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', (error) => {
      this.#socketError = error;
    });
    // The peer closed its side: nothing written from now on can reach it, so
    // the connection ends here, not at 'close', and later commands fail as not sent.
    socket.on('end', () => this.#close(this.#lossError()));
    socket.on('close', () => this.#close(this.#lossError()));
    socket.on('drain', () => this.#drained());
    const timer = setTimeout(
      () => this.destroy(new ConnectError(this.target, `connecting to ${this.target} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const onClose = (error: RedisKitError | undefined): void => reject(error);
        this.once('close', onClose);
        socket.once(options.tls ? 'secureConnect' : 'connect', () => {
          this.off('close', onClose);
          resolve();
        });
      });
      const handshakeOptions = {
        protocol: options.protocol ?? 3,
        username: options.username,
        password: options.password,
        name: options.name,
        db: options.db ?? 0,
      };
      // Credentials are used once: the connection keeps no copy.
      options.password = undefined;
      const sendNow = (name: string, args: readonly CommandArg[]): Promise<unknown> => this.#sendNow(name, args);
      this.#protocol = await handshake(sendNow, handshakeOptions);
      for (const step of this.#setupSteps) await step(sendNow, this.#protocol);
    } catch (error) {
      // A timeout or a lost socket is the reason; the handshake command it failed is a consequence.
      const typed = this.#closeReason ?? classifyError(error, 'connect');
      this.destroy(typed);
      throw typed;
    } finally {
      clearTimeout(timer);
    }
    if (this.#state !== CONNECTING) throw new ClosedError(`the connection to ${this.target} was closed while connecting`);
    this.#state = READY;
    const held = this.#held;
    this.#held = [];
    for (const command of held) this.#enqueue(command);
    this.emit('ready');
  }

  /** Handshake commands: written at once, ahead of anything held. */
  #sendNow(name: string, args: readonly CommandArg[]): Promise<unknown> {
    const command = new PromiseCommand(name, args);
    if (this.#state !== CONNECTING) return Promise.reject(new ClosedError(`the connection to ${this.target} closed during the handshake`));
    this.#enqueue(command);
    return command.promise;
  }

  #enqueue(command: RespCommand): void {
    try {
      this.#writer.write(command.name, command.args);
    } catch (error) {
      command.reject(classifyError(error, command.name));
      return;
    }
    this.#queue.push(command);
    this.#unwritten++;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#schedule(this.#flush);
    }
  }

  /** Writes everything encoded this tick in one socket write (one corked writev when a Buffer went by reference). */
  #write(): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    if (this.#blocked || socket === undefined || this.#state === CLOSED) return;
    if (this.#owesDrain && this.#writer.pendingBytes + socket.writableLength < this.#maxBuffered) {
      // Caught up: say so before writing, so what the listeners send now
      // joins this write (one socket write per tick) instead of the next one.
      this.#owesDrain = false;
      this.#flushScheduled = true;
      try {
        this.emit('drain');
      } finally {
        // A throwing listener must not leave the flag set: no flush would ever be scheduled again.
        this.#flushScheduled = false;
      }
    }
    const chunks = this.#writer.take();
    this.#unwritten = 0;
    if (chunks.length > 0) this.#socketWrites++;
    if (chunks.length === 1) socket.write(chunks[0] as Buffer);
    else if (chunks.length > 1) {
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
    }
    // Hold further writes only while the socket has promised a 'drain' (so one comes to end the hold).
    if (socket.writableNeedDrain && socket.writableLength >= this.#maxBuffered) this.#blocked = true;
    else if (this.#owesDrain && !this.#flushScheduled) {
      // Over the bound only while this tick's bytes were encoded: the next tick's flush reports the drain.
      this.#flushScheduled = true;
      this.#schedule(this.#flush);
    }
  }

  #drained(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    this.#write();
  }

  #read(chunk: Buffer): void {
    try {
      this.#parser.feed(chunk);
    } catch (error) {
      if (!(error instanceof RespProtocolError)) throw error;
      const message = `${this.target} sent bytes that are not RESP (is it a Redis server?); the connection was dropped`;
      this.destroy(
        this.#state === CONNECTING
          ? new ConnectError(this.target, message, { cause: error })
          : new ConnectionLostError(message, { cause: error }),
      );
    }
  }

  #settle(value: unknown, error: RespErrorReply | undefined): void {
    const command = this.#queue.shift();
    if (command === undefined) {
      this.destroy(new ConnectionLostError(`${this.target} sent a reply no command was waiting for; the connection was dropped`));
      return;
    }
    if (error === undefined) command.resolve(value);
    else command.reject(classifyError(error, command.name));
  }

  /** A SUBSCRIBE-family confirmation or a RESP2 subscriber message: handled here, true; anything else false. */
  #subscriptionFrame(frame: unknown[]): boolean {
    const outcome = this.#subscribeReplies.consume(frame, this.#queue.peek(), this.#protocol);
    if (outcome === SETTLES_HEAD) this.#settle(this.#subscribeReplies.count, undefined);
    else if (outcome === MESSAGE) this.#deliverPush(frame);
    return outcome === SETTLES_HEAD || outcome === MESSAGE || outcome === CONSUMED;
  }

  #deliverPush(frame: unknown[]): void {
    const listener = this.#pushListener;
    if (listener === undefined) return;
    try {
      listener(frame);
    } catch (error) {
      // A listener's bug must not unwind the parser mid-chunk (that would
      // desynchronise every later reply): surface it as ioredis does.
      process.nextTick(() => {
        throw error;
      });
    }
  }

  #lossError(): RedisKitError {
    const cause = this.#socketError;
    if (this.#state === CONNECTING) {
      return new ConnectError(this.target, `cannot connect to Redis at ${this.target}: ${cause?.message ?? 'the connection closed'}`, {
        cause,
      });
    }
    return new ConnectionLostError(`the connection to ${this.target} was lost${cause ? `: ${cause.message}` : ''}`, { cause });
  }

  /** Fails everything pending at once, with one error per kind, and emits 'close' once. */
  #close(reason: RedisKitError): void {
    if (this.#state === CLOSED) return;
    const clean = this.#state === CLOSING && this.#queue.length === 0 && reason instanceof ConnectionLostError;
    this.#state = CLOSED;
    this.#closeReason = reason;
    this.#parser.reset();
    const queued = this.#queue.drain();
    const held = this.#held;
    const unwritten = this.#unwritten;
    this.#held = [];
    this.#unwritten = 0;
    this.#writer.take();
    failPending(this.target, queued, unwritten, held, reason);
    this.emit('close', clean ? undefined : reason);
  }
}
