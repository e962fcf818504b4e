import { globMatch } from './glob.js';
import type { Transport, TransportSink } from './transport.js';

/**
 * The in-process stand-in for a Redis server's pub/sub in memory mode
 * (`REDIS_URL=memory://`). One bus per process: like clients of one server,
 * every PubSub in memory mode in this process hears what any of them
 * publishes. Each PubSub is one "connection" with its own channels and
 * patterns, so PUBLISH counts receivers exactly as Redis does (a connection
 * subscribed to the channel and to two matching patterns counts three).
 */
class MemoryBus {
  readonly #endpoints = new Set<MemoryTransport>();

  join(endpoint: MemoryTransport): void {
    this.#endpoints.add(endpoint);
  }

  leave(endpoint: MemoryTransport): void {
    this.#endpoints.delete(endpoint);
  }

  publish(channel: string, payload: Buffer): number {
    let receivers = 0;
    for (const endpoint of this.#endpoints) receivers += endpoint.receive(channel, payload);
    return receivers;
  }
}

const bus = new MemoryBus();

/**
 * PUBLISH in memory mode: what `redis.publish()` does with `memory://`. A
 * copy of the payload goes out, so the publisher may reuse its buffer.
 */
export function publishInProcess(channel: string, message: string | Buffer): number {
  return bus.publish(channel, typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message));
}

/**
 * Memory mode's transport. Subscribing takes effect at once. Delivery is
 * asynchronous, as with a server: a publish is delivered on a microtask, so a
 * handler never runs inside `publish()` (a handler that publishes cannot
 * recurse), yet every in-process subscriber has had the message by the time
 * `await publish()` returns.
 */
export class MemoryTransport implements Transport {
  readonly #sink: TransportSink;
  readonly #channels = new Set<string>();
  readonly #patterns = new Set<string>();
  #closed = false;

  constructor(sink: TransportSink) {
    this.#sink = sink;
    bus.join(this);
  }

  get connected(): boolean {
    return !this.#closed;
  }

  subscribe(channels: readonly string[], patterns: readonly string[]): Promise<void> {
    for (const channel of channels) this.#channels.add(channel);
    for (const pattern of patterns) this.#patterns.add(pattern);
    return Promise.resolve();
  }

  unsubscribe(channels: readonly string[], patterns: readonly string[]): Promise<void> {
    for (const channel of channels) this.#channels.delete(channel);
    for (const pattern of patterns) this.#patterns.delete(pattern);
    return Promise.resolve();
  }

  publish(channel: string, message: string | Buffer): Promise<number> {
    return Promise.resolve(publishInProcess(channel, message));
  }

  /** Called by the bus: schedules delivery and returns how many subscriptions will receive it. */
  receive(channel: string, payload: Buffer): number {
    const direct = this.#channels.has(channel);
    const patterns: string[] = [];
    for (const pattern of this.#patterns) if (globMatch(pattern, channel)) patterns.push(pattern);
    const receivers = (direct ? 1 : 0) + patterns.length;
    if (receivers === 0) return 0;
    queueMicrotask(() => {
      if (this.#closed) return;
      // Redis's order: the channel's subscribers first, then the patterns.
      if (direct && this.#channels.has(channel)) this.#sink.deliver(channel, payload, undefined);
      for (const pattern of patterns) if (this.#patterns.has(pattern)) this.#sink.deliver(channel, payload, pattern);
    });
    return receivers;
  }

  close(): Promise<void> {
    this.destroy();
    return Promise.resolve();
  }

  destroy(): void {
    this.#closed = true;
    bus.leave(this);
    this.#channels.clear();
    this.#patterns.clear();
  }
}
