/**
 * The Node-side ceiling of issue #8: the least a client can do over one socket. Commands issued in
 * one tick go out in one `socket.write`, replies resolve in order from a FIFO. No deadlines, no
 * reconnects, no error typing: what is left is encoding, parsing and promises, so the distance
 * between a client and this loop is that client's own overhead.
 */
import net from 'node:net';
import { encodeCommand } from '../../src/engine/resp/encode-command.js';
import { ReplyParser } from '../../src/engine/resp/reply-parser.js';
import type { RespErrorReply } from '../../src/engine/resp/resp-errors.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One socket, writes batched per tick, replies in order. */
export class BareLoop {
  readonly #socket: net.Socket;
  readonly #waiters: Waiter[] = [];
  #head = 0;
  #out: Buffer[] = [];
  #flushQueued = false;
  readonly #parser = new ReplyParser({
    wantsBuffers: () => false,
    onReply: (value) => this.#next().resolve(value),
    onError: (error: RespErrorReply) => this.#next().reject(error),
    onPush: () => undefined,
  });

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#parser.feed(chunk));
    socket.on('error', (error) => {
      for (let i = this.#head; i < this.#waiters.length; i++) this.#waiters[i]?.reject(error);
    });
  }

  /** Connects to `port` on `host`. */
  static connect(host: string, port: number): Promise<BareLoop> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new BareLoop(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one command; its reply (or error reply) settles the promise. */
  send(name: string, args: readonly (string | Buffer)[]): Promise<unknown> {
    this.#out.push(encodeCommand(name, args));
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      process.nextTick(() => this.#flush());
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    await this.send('QUIT', []).catch(() => undefined);
    this.#socket.destroy();
  }

  #flush(): void {
    this.#flushQueued = false;
    const out = this.#out;
    this.#out = [];
    this.#socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  #next(): Waiter {
    const waiter = this.#waiters[this.#head++] as Waiter;
    // Compact now and then instead of shift() per reply (O(n) on a long queue).
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters.splice(0, this.#head);
      this.#head = 0;
    }
    return waiter;
  }
}
