import net from 'node:net';
import { OrderedDelayQueue } from './delay-queue.js';

/** Marks the end of one direction of the stream (a FIN to pass on). */
const END = Symbol('end');
type Segment = Buffer | typeof END;

/** The proxy-wide fault settings a connection consults for every chunk. */
export interface ForwardingPolicy {
  readonly latencyMs: number;
  readonly blackholed: boolean;
  /** Keeps socket errors reachable for debugging instead of dropping them. */
  recordError(err: Error): void;
}

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/**
 * One client socket paired with its upstream socket. Data is forwarded chunk by chunk through an
 * ordered delay queue per direction; FINs travel through the same queues so they never overtake
 * data. There is no backpressure: test traffic is small and a stalled peer must not stall the
 * proxy's fault switches.
 */
export class ProxyConnection {
  readonly #client: net.Socket;
  readonly #upstream: net.Socket;
  readonly #policy: ForwardingPolicy;
  readonly #toUpstream: OrderedDelayQueue<Segment>;
  readonly #toClient: OrderedDelayQueue<Segment>;

  constructor(client: net.Socket, target: ProxyTarget, policy: ForwardingPolicy, onClose: () => void) {
    this.#client = client;
    this.#policy = policy;
    // Half-open so a FIN from either side is forwarded as a FIN, not turned into a full close.
    this.#upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const upstream = this.#upstream;
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.#toUpstream = new OrderedDelayQueue((segment) => this.#deliver(upstream, segment));
    this.#toClient = new OrderedDelayQueue((segment) => this.#deliver(client, segment));

    client.on('data', (chunk: Buffer) => this.#forward(this.#toUpstream, chunk));
    upstream.on('data', (chunk: Buffer) => this.#forward(this.#toClient, chunk));
    client.on('end', () => this.#toUpstream.push(END, policy.latencyMs));
    upstream.on('end', () => this.#toClient.push(END, policy.latencyMs));
    // Errors are acted upon in the 'close' handlers, which follow every error.
    client.on('error', (err) => policy.recordError(err));
    upstream.on('error', (err) => policy.recordError(err));
    upstream.on('close', (hadError) => {
      // Upstream refused or reset the connection: abort the client the same way, as a crashed
      // server would. A clean upstream close already reached the client as a queued FIN.
      if (hadError) this.reset();
    });
    client.on('close', () => {
      this.#toUpstream.clear();
      this.#toClient.clear();
      upstream.destroy();
      onClose();
    });
  }

  /** Aborts the client side with a TCP RST (the client reads ECONNRESET) and drops upstream. */
  reset(): void {
    this.#toUpstream.clear();
    this.#toClient.clear();
    if (!this.#client.destroyed) this.#client.resetAndDestroy();
    this.#upstream.destroy();
  }

  /**
   * Sends a FIN to the client as a half-closing server would. The client can keep writing (its
   * data is still forwarded); anything the server sends from now on is dropped.
   */
  halfClose(): void {
    this.#toClient.clear();
    if (!this.#client.destroyed) this.#client.end();
  }

  /** Closes both sockets without ceremony. */
  destroy(): void {
    this.#toUpstream.clear();
    this.#toClient.clear();
    this.#client.destroy();
    this.#upstream.destroy();
  }

  #forward(queue: OrderedDelayQueue<Segment>, chunk: Buffer): void {
    if (this.#policy.blackholed) return;
    queue.push(chunk, this.#policy.latencyMs);
  }

  #deliver(socket: net.Socket, segment: Segment): void {
    // A blackhole also swallows what was already in flight when it was switched on.
    if (segment !== END && this.#policy.blackholed) return;
    // After halfClose() (or once the peer is gone) nothing can be written any more.
    if (socket.destroyed || socket.writableEnded) return;
    if (segment === END) socket.end();
    else socket.write(segment);
  }
}
