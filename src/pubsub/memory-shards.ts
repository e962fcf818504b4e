import type { ShardSink, ShardTransport } from './sharded-channels.js';

/** Every sharded endpoint of this process (memory mode): the stand-in for a cluster's shard channels. */
const endpoints = new Set<MemoryShardTransport>();

/**
 * Sharded pub/sub in memory mode (`memory://`): SPUBLISH reaches the
 * endpoints of this process subscribed to the channel, delivered on a
 * microtask like the classic bus; sharded and classic channels of one name
 * are separate, as in Redis.
 */
export class MemoryShardTransport implements ShardTransport {
  readonly #sink: ShardSink;
  readonly #channels = new Set<string>();
  #closed = false;

  constructor(sink: ShardSink) {
    this.#sink = sink;
    endpoints.add(this);
  }

  get connected(): boolean {
    return !this.#closed;
  }

  subscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.#channels.add(channel);
    return Promise.resolve();
  }

  unsubscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.#channels.delete(channel);
    return Promise.resolve();
  }

  publish(channel: string, message: string | Buffer): Promise<number> {
    const payload = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message);
    let receivers = 0;
    for (const endpoint of endpoints) receivers += endpoint.#receive(channel, payload);
    return Promise.resolve(receivers);
  }

  #receive(channel: string, payload: Buffer): number {
    if (!this.#channels.has(channel)) return 0;
    queueMicrotask(() => {
      if (!this.#closed && this.#channels.has(channel)) this.#sink.deliver(channel, payload);
    });
    return 1;
  }

  close(): Promise<void> {
    this.destroy();
    return Promise.resolve();
  }

  destroy(): void {
    this.#closed = true;
    endpoints.delete(this);
    this.#channels.clear();
  }
}
