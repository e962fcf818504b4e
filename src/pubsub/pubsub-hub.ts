import type { RedisClient } from '../client/client.js';
import { kConnectionFactory } from '../client/internal.js';
import type { RedisKitError } from '../errors.js';
import { channels as diagnostics, type PubSubMessageEvent } from '../observability/channels.js';
import { MemoryTransport } from './memory-bus.js';
import { createMessage } from './message.js';
import { RedisTransport } from './redis-transport.js';
import { type Listener, Registry } from './registry.js';
import type { Transport, TransportSink } from './transport.js';
import { MemoryShardTransport } from './memory-shards.js';
import { RedisShardTransport, type ShardSink, type ShardTransport } from './sharded-channels.js';

/** What the hub tells each PubSub handle on it. */
export interface HubMember {
  resubscribed(event: { channels: readonly string[]; patterns: readonly string[]; downtimeMs: number }): void;
  disconnected(error: RedisKitError): void;
  failed(error: RedisKitError): void;
}

/**
 * One subscriber connection (or, with `memory://`, one endpoint of the
 * in-process bus) and the registry of every subscription on it, shared by
 * the PubSub handles that joined it. The connection opens on the first
 * subscribe and closes when the last handle leaves; connection events reach
 * every handle.
 */
export class PubSubHub {
  readonly registry = new Registry();
  readonly transport: Transport;
  readonly mode: 'redis' | 'memory';
  readonly #members = new Set<HubMember>();
  readonly #onEmpty: () => void;
  readonly #redis: RedisClient;
  #shards: { registry: Registry; transport: ShardTransport } | undefined;
  received = 0;
  errors = 0;
  resubscribes = 0;

  constructor(redis: RedisClient, pingIntervalMs: number, onEmpty: () => void = () => undefined) {
    const factory = redis[kConnectionFactory];
    const sink = this.#sink();
    this.mode = factory === undefined ? 'memory' : 'redis';
    this.transport = factory === undefined ? new MemoryTransport(sink) : new RedisTransport({ redis, factory, sink, pingIntervalMs });
    this.#onEmpty = onEmpty;
    this.#redis = redis;
  }

  /** Sharded channels (SSUBSCRIBE): their own registry and connections, made on first use. */
  get shards(): { registry: Registry; transport: ShardTransport } {
    if (this.#shards === undefined) {
      const factory = this.#redis[kConnectionFactory];
      const registry = new Registry();
      const sink = this.#shardSink(registry);
      const transport = factory === undefined ? new MemoryShardTransport(sink) : new RedisShardTransport(this.#redis, factory, sink);
      this.#shards = { registry, transport };
    }
    return this.#shards;
  }

  /** Whether handles still use it (false once the last one left: a new hub must be made). */
  get open(): boolean {
    return this.#members.size > 0;
  }

  join(member: HubMember): void {
    this.#members.add(member);
  }

  /**
   * `member` leaves, with its subscriptions (already removed from the
   * registry). The last one closes the connection, or destroys it with
   * `error`; the others unsubscribe names nobody wants any more.
   */
  async leave(member: HubMember, gone: { channels: string[]; patterns: string[]; sharded?: string[] }, error?: Error): Promise<void> {
    if (!this.#members.delete(member)) return;
    if (this.#members.size > 0) {
      await Promise.all([
        this.transport.unsubscribe(gone.channels, gone.patterns),
        gone.sharded !== undefined && gone.sharded.length > 0 ? this.#shards?.transport.unsubscribe(gone.sharded) : undefined,
      ]);
      return;
    }
    this.#onEmpty();
    if (error === undefined) await Promise.all([this.transport.close(), this.#shards?.transport.close()]);
    else {
      this.transport.destroy(error);
      this.#shards?.transport.destroy(error);
    }
  }

  /** Removes listeners from the registry, returning the names no other listener wants. */
  remove(listeners: Iterable<Listener>): { channels: string[]; patterns: string[] } {
    const gone = { channels: [] as string[], patterns: [] as string[] };
    for (const listener of listeners) {
      const change = this.registry.remove(listener);
      gone.channels.push(...change.channels);
      gone.patterns.push(...change.patterns);
    }
    return gone;
  }

  #shardSink(registry: Registry): ShardSink {
    const sink = this.#sink();
    return {
      deliver: (channel, payload) => {
        this.received++;
        if (diagnostics.pubsubMessage.hasSubscribers) diagnostics.pubsubMessage.publish(messageEvent(channel, undefined, payload));
        registry.dispatch(createMessage(channel, undefined, payload));
      },
      resubscribed: sink.resubscribed,
      disconnected: sink.disconnected,
      failed: sink.failed,
    };
  }

  #sink(): TransportSink {
    return {
      deliver: (channel, payload, pattern) => {
        this.received++;
        if (diagnostics.pubsubMessage.hasSubscribers) diagnostics.pubsubMessage.publish(messageEvent(channel, pattern, payload));
        this.registry.dispatch(createMessage(channel, pattern, payload));
      },
      wanted: () => ({ channels: this.registry.channelNames(), patterns: this.registry.patternNames() }),
      resubscribed: (event) => {
        this.resubscribes++;
        if (diagnostics.pubsubResubscribed.hasSubscribers) diagnostics.pubsubResubscribed.publish(event);
        for (const member of [...this.#members]) member.resubscribed(event);
      },
      disconnected: (error) => {
        for (const member of [...this.#members]) member.disconnected(error);
      },
      failed: (error) => {
        this.errors++;
        for (const member of [...this.#members]) member.failed(error);
      },
    };
  }
}

/** What `redis-kit:pubsub:message` carries: names and size, not the payload. */
function messageEvent(channel: string, pattern: string | undefined, payload: Buffer): PubSubMessageEvent {
  return pattern === undefined ? { channel, bytes: payload.length } : { channel, pattern, bytes: payload.length };
}

const shared = new WeakMap<RedisClient, PubSubHub>();

/** The client's shared hub, made when the first handle needs it (and again after the last one left). */
export function sharedHub(redis: RedisClient, pingIntervalMs: number): PubSubHub {
  let hub = shared.get(redis);
  if (hub === undefined || !hub.open) {
    const made: PubSubHub = new PubSubHub(redis, pingIntervalMs, () => {
      if (shared.get(redis) === made) shared.delete(redis);
    });
    hub = made;
    shared.set(redis, hub);
  }
  return hub;
}
