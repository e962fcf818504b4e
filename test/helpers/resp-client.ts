import net from 'node:net';
import { encodeCommand, RespError, RespParser, type RespValue } from './resp-protocol.js';
import { TimeoutError } from './wait-for.js';

/** Credentials sent with `AUTH` right after connecting. */
export interface RespAuth {
  /** ACL user; omit for the `default` user / `requirepass`. */
  username?: string;
  password: string;
}

/** Options of {@link RespClient.connect}. */
export interface RespConnectOptions {
  port: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Default reply timeout of {@link RespClient.send}; 0 disables it. Default 5000. */
  commandTimeoutMs?: number;
  /** Authenticate before the client is handed out. */
  auth?: RespAuth;
}

/** Per-call options of {@link RespClient.send}. */
export interface RespSendOptions {
  /** Overrides the client's `commandTimeoutMs`; 0 waits forever. */
  timeoutMs?: number;
}

interface PendingReply {
  resolve(value: RespValue): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A minimal pipelining RESP2 client for test code: talking to a server (or a fault proxy)
 * without going through the library under test.
 *
 * Replies are matched to commands by order. Once a reply is overdue or the connection fails,
 * later replies could be matched to the wrong command, so the client destroys itself and
 * rejects everything still pending.
 */
export class RespClient implements AsyncDisposable {
  readonly #socket: net.Socket;
  readonly #parser = new RespParser();
  readonly #pending: PendingReply[] = [];
  readonly #commandTimeoutMs: number;
  /** Why the client stopped working; set once, never cleared. */
  #failure: Error | undefined;

  private constructor(socket: net.Socket, commandTimeoutMs: number) {
    this.#socket = socket;
    this.#commandTimeoutMs = commandTimeoutMs;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  /** Connects (and authenticates if `auth` is given). */
  static async connect(opts: RespConnectOptions): Promise<RespClient> {
    const { port, host = '127.0.0.1', connectTimeoutMs = 5000, commandTimeoutMs = 5000 } = opts;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const pending = net.connect({ port, host });
      const timer = setTimeout(() => {
        pending.destroy();
        reject(new TimeoutError(`connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      pending.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      pending.once('connect', () => {
        clearTimeout(timer);
        pending.removeAllListeners('error');
        resolve(pending);
      });
    });
    socket.setNoDelay(true);
    const client = new RespClient(socket, commandTimeoutMs);
    if (opts.auth) {
      const { username, password } = opts.auth;
      try {
        await client.send(username === undefined ? ['AUTH', password] : ['AUTH', username, password]);
      } catch (err) {
        client.destroy();
        throw err;
      }
    }
    return client;
  }

  /**
   * Sends one command and resolves with its reply. An error reply rejects with a
   * {@link RespError} carrying the server's text; an overdue reply rejects with a
   * {@link TimeoutError} and destroys the connection.
   */
  send(args: readonly (string | Buffer)[], opts: RespSendOptions = {}): Promise<RespValue> {
    if (this.#failure) return Promise.reject(this.#failure);
    const timeoutMs = opts.timeoutMs ?? this.#commandTimeoutMs;
    return new Promise<RespValue>((resolve, reject) => {
      const entry: PendingReply = { resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        const name = String(args[0] ?? '');
        entry.timer = setTimeout(() => this.#fail(new TimeoutError(`no reply to ${name} within ${timeoutMs} ms`)), timeoutMs);
      }
      this.#pending.push(entry);
      this.#socket.write(encodeCommand(args));
    });
  }

  /** Shorthand for `send(args)`. */
  command(...args: string[]): Promise<RespValue> {
    return this.send(args);
  }

  /** Replies still outstanding. */
  get pending(): number {
    return this.#pending.length;
  }

  /** False once the connection failed, timed out or was closed. */
  get isOpen(): boolean {
    return this.#failure === undefined;
  }

  /**
   * Ends the connection gracefully (FIN) and waits until the peer closes its side too, but at
   * most `timeoutMs`: a paused or blackholed server never answers the FIN, so the socket is
   * destroyed then instead of hanging the test.
   */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.#socket.destroyed) return;
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.end();
    const timer = setTimeout(() => this.destroy(), timeoutMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection at once; pending commands reject. */
  destroy(): void {
    this.#socket.destroy();
    this.#fail(new Error('client destroyed'));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.destroy();
  }

  #onData(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.#parser.push(chunk);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    for (const reply of replies) {
      const entry = this.#pending.shift();
      if (entry === undefined) {
        this.#fail(new Error(`unsolicited reply: ${JSON.stringify(reply)}`));
        return;
      }
      clearTimeout(entry.timer);
      if (reply instanceof RespError) entry.reject(reply);
      else entry.resolve(reply);
    }
  }

  #fail(err: Error): void {
    // The first failure is the interesting one (e.g. ECONNRESET); the 'close' that follows it
    // would otherwise overwrite it with a generic message.
    this.#failure ??= err;
    if (!this.#socket.destroyed) this.#socket.destroy();
    for (const entry of this.#pending.splice(0)) {
      clearTimeout(entry.timer);
      entry.reject(this.#failure);
    }
  }
}
