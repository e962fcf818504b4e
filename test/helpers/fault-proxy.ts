import net from 'node:net';
import { type ForwardingPolicy, ProxyConnection, type ProxyTarget } from './proxy-connection.js';

export type { ProxyTarget } from './proxy-connection.js';

/**
 * A TCP proxy between a client and a server that injects network faults in-process (the test
 * kernel has no netem). Switches affect existing and new connections alike.
 */
export interface FaultProxy extends AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Client connections currently open. */
  readonly connections: number;
  readonly latencyMs: number;
  readonly blackholed: boolean;
  readonly refusing: boolean;
  /** Socket errors seen by the proxy (most recent last, capped), for diagnosing a test. */
  readonly errors: readonly Error[];
  /** Delays every chunk, in both directions, by `ms` (order is preserved per direction). */
  setLatency(ms: number): void;
  /**
   * While on, connections are still accepted but nothing is forwarded either way: data is
   * dropped, including data already delayed by latency. Off restores forwarding of new data.
   */
  blackhole(on?: boolean): void;
  /** Aborts every client connection with a TCP RST (clients see ECONNRESET) and its upstream. */
  resetAll(): void;
  /** Sends FIN to every client while still forwarding what they write, like a half-closed server. */
  halfCloseAll(): void;
  /** While on, new connections are reset right after being accepted. */
  refuse(on?: boolean): void;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_RECORDED_ERRORS = 100;

/** Starts a {@link FaultProxy} on a free port of 127.0.0.1 forwarding to `target`. */
export async function startFaultProxy(target: ProxyTarget): Promise<FaultProxy> {
  const proxy = new TcpFaultProxy({ host: target.host, port: target.port });
  await proxy.listen();
  return proxy;
}

class TcpFaultProxy implements FaultProxy, ForwardingPolicy {
  readonly host = HOST;
  readonly #target: ProxyTarget;
  readonly #server: net.Server;
  readonly #connections = new Set<ProxyConnection>();
  readonly #errors: Error[] = [];
  #port = 0;
  #latencyMs = 0;
  #blackholed = false;
  #refusing = false;
  #closed: Promise<void> | undefined;

  constructor(target: ProxyTarget) {
    this.#target = target;
    this.#server = net.createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    this.#server.on('error', (err) => this.recordError(err));
  }

  /** Binds the listener; only called by startFaultProxy. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      // Listening on port 0 directly is race-free, unlike freePort() + listen.
      this.#server.listen({ port: 0, host: HOST }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error(`unexpected proxy address ${String(address)}`);
    this.#port = address.port;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://${HOST}:${this.#port}`;
  }

  get connections(): number {
    return this.#connections.size;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  get blackholed(): boolean {
    return this.#blackholed;
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  get errors(): readonly Error[] {
    return this.#errors;
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a finite number >= 0, got ${ms}`);
    this.#latencyMs = ms;
  }

  blackhole(on = true): void {
    this.#blackholed = on;
  }

  resetAll(): void {
    for (const connection of this.#connections) connection.reset();
  }

  halfCloseAll(): void {
    for (const connection of this.#connections) connection.halfClose();
  }

  refuse(on = true): void {
    this.#refusing = on;
  }

  recordError(err: Error): void {
    this.#errors.push(err);
    if (this.#errors.length > MAX_RECORDED_ERRORS) this.#errors.shift();
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve, reject) => {
      // server.close() waits for open connections, so destroy them right after.
      this.#server.close((err) => (err ? reject(err) : resolve()));
      for (const connection of this.#connections) connection.destroy();
    });
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #accept(socket: net.Socket): void {
    if (this.#refusing || this.#closed) {
      // Listening sockets cannot refuse a handshake from user space; an immediate RST after
      // accept is the closest a client can observe.
      socket.on('error', (err) => this.recordError(err));
      socket.resetAndDestroy();
      return;
    }
    const connection = new ProxyConnection(socket, this.#target, this, () => this.#connections.delete(connection));
    this.#connections.add(connection);
  }
}
