import type { RedisClient } from '../client/client.js';
import { classifyError, isReplyError } from '../engine/classify-error.js';
import type { Engine } from '../engine/engine.js';
import { ClosedError, ClusterTopologyError, CommandTimeoutError, type RedisKitError, ReplyError } from '../errors.js';
import { keySlot } from '../topology/cluster-slot.js';
import type { ConnectionFactory } from '../topology/connection-factory.js';

/** What sharded channels tell their hub. */
export interface ShardSink {
  deliver(channel: string, payload: Buffer): void;
  resubscribed(info: { channels: readonly string[]; patterns: readonly string[]; downtimeMs: number }): void;
  disconnected(error: RedisKitError): void;
  failed(error: RedisKitError): void;
}

/** Sharded pub/sub over Redis, or over the in-process bus of memory mode. */
export interface ShardTransport {
  readonly connected: boolean;
  subscribe(channels: readonly string[], timeoutMs: number): Promise<void>;
  unsubscribe(channels: readonly string[]): Promise<void>;
  publish(channel: string, message: string | Buffer): Promise<number>;
  close(): Promise<void>;
  destroy(error: Error): void;
}

/** One connection in subscriber mode on one node, and the sharded channels it holds. */
interface ShardNode {
  readonly address: string | undefined;
  readonly engine: Engine;
  readonly ready: Promise<void>;
  readonly channels: Set<string>;
  stop(): void;
}

const RESTORE_BASE_MS = 50;

/**
 * SSUBSCRIBE over one connection per node that owns subscribed channels (on
 * a cluster: the primary of each channel's slot; elsewhere: the server).
 * Connections do not reconnect to where they were: when one ends, or the
 * server moves its channels away (a failover, a resharding: Redis then
 * unsubscribes them itself), the channels are placed again on the slot
 * map's current owners, with backoff, and `resubscribed` is reported once
 * they are all back.
 *
 * Sharded channels hash to slots like keys, and like keys they carry the
 * client's keyPrefix (ioredis prefixes SSUBSCRIBE and SPUBLISH arguments):
 * what redis-kit publishes, redis-kit hears; another client must use the
 * prefixed name.
 */
export class RedisShardTransport implements ShardTransport {
  readonly #redis: RedisClient;
  readonly #factory: ConnectionFactory;
  readonly #sink: ShardSink;
  readonly #prefix: string;
  readonly #nodes = new Map<string, ShardNode>();
  /** Every channel subscribed (or being placed again). */
  readonly #wanted = new Set<string>();
  /** Channels whose connection went away, not yet placed again. */
  readonly #orphans = new Set<string>();
  /** Channels placed again since the loss, for the `resubscribed` report. */
  readonly #restored = new Set<string>();
  #lostAt: number | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: RedisClient, factory: ConnectionFactory, sink: ShardSink) {
    this.#redis = redis;
    this.#factory = factory;
    this.#sink = sink;
    this.#prefix = redis.options.keyPrefix;
  }

  get connected(): boolean {
    return this.#orphans.size === 0 && [...this.#nodes.values()].every((node) => node.engine.isReady);
  }

  async subscribe(channels: readonly string[], timeoutMs: number): Promise<void> {
    if (this.#closed) throw new ClosedError('the pub/sub is closed');
    for (const channel of channels) this.#wanted.add(channel);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeoutError('SSUBSCRIBE', timeoutMs)), timeoutMs);
    });
    const placed = this.#place(channels);
    placed.catch(() => undefined); // the race below may have settled first
    try {
      await Promise.race([placed, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) {
      this.#wanted.delete(channel);
      this.#orphans.delete(channel);
    }
    for (const node of [...this.#nodes.values()]) {
      const held = channels.filter((channel) => node.channels.has(channel));
      if (held.length === 0) continue;
      for (const channel of held) node.channels.delete(channel);
      if (node.channels.size === 0) {
        this.#drop(node);
        await node.engine.quit();
        continue;
      }
      try {
        await Promise.all(this.#bySlot(held).map((group) => node.engine.send('sunsubscribe', group)));
      } catch (error) {
        if (error instanceof Error && isReplyError(error)) this.#sink.failed(classifyError(error, 'sunsubscribe'));
      }
    }
  }

  publish(channel: string, message: string | Buffer): Promise<number> {
    return this.#redis.sendCommand('spublish', [channel, message]) as Promise<number>;
  }

  async close(): Promise<void> {
    const nodes = this.#shutdown();
    await Promise.all(nodes.map((node) => node.engine.quit()));
  }

  destroy(_error: Error): void {
    for (const node of this.#shutdown()) node.engine.destroy();
  }

  #shutdown(): ShardNode[] {
    this.#closed = true;
    clearTimeout(this.#timer);
    const nodes = [...this.#nodes.values()];
    for (const node of nodes) node.stop();
    this.#nodes.clear();
    return nodes;
  }

  /** SSUBSCRIBEs `channels` on the nodes that own them now; a MOVED reply reads the slot map again, once. */
  async #place(channels: readonly string[], retried = false): Promise<void> {
    const groups = await this.#owners(channels);
    try {
      await Promise.all(
        [...groups].map(async ([address, list]) => {
          const node = this.#node(address);
          await node.ready;
          // One SSUBSCRIBE per slot: Redis Cluster refuses one spanning slots (CROSSSLOT), even on one node.
          await Promise.all(this.#bySlot(list).map((group) => node.engine.send('ssubscribe', group)));
          for (const channel of list) if (this.#wanted.has(channel)) node.channels.add(channel);
        }),
      );
    } catch (error) {
      if (!retried && error instanceof ReplyError && error.message.startsWith('MOVED')) {
        await this.#factory.cluster?.refresh();
        return this.#place(channels, true);
      }
      throw error;
    }
  }

  /** Channels grouped by the address of the node that owns their slot (one group, '' , outside a cluster). */
  async #owners(channels: readonly string[]): Promise<Map<string, string[]>> {
    const cluster = this.#factory.cluster;
    if (cluster === undefined) return new Map([['', [...channels]]]);
    // The slot map comes from a ready lane: a first command connects one.
    if (cluster.current() === undefined) await this.#redis.sendCommand('ping', []);
    const groups = new Map<string, string[]>();
    for (const channel of channels) {
      const slot = keySlot(this.#prefix + channel);
      const owner = cluster.ownerOf(slot);
      if (owner === undefined) throw new ClusterTopologyError(`no node serves slot ${slot} of sharded channel ${channel}`);
      groups.set(owner, [...(groups.get(owner) ?? []), channel]);
    }
    return groups;
  }

  #node(address: string): ShardNode {
    const existing = this.#nodes.get(address);
    if (existing !== undefined && !existing.engine.isEnded) return existing;
    const engine = this.#factory.createShardSubscriber(address === '' ? undefined : address);
    const channels = new Set<string>();
    const stopMessages = engine.onShardedMessage(
      (channel, payload) => this.#sink.deliver(this.#unprefixed(channel.toString('utf8')), payload),
      () => this.#moved(node),
    );
    let lostError: RedisKitError | undefined;
    const onLost = (error: RedisKitError): void => {
      lostError = error;
    };
    const onEnd = (): void => this.#ended(node, lostError ?? engine.lastError);
    engine.on('lost', onLost);
    engine.on('end', onEnd);
    const node: ShardNode = {
      address: address === '' ? undefined : address,
      engine,
      channels,
      ready: engine.connect(this.#redis.options.connectTimeoutMs, 'destroy'),
      stop: () => {
        stopMessages();
        engine.off('lost', onLost);
        engine.off('end', onEnd);
      },
    };
    node.ready.catch(() => undefined); // whoever places channels on it awaits it
    this.#nodes.set(address, node);
    return node;
  }

  #drop(node: ShardNode): void {
    node.stop();
    if (this.#nodes.get(node.address ?? '') === node) this.#nodes.delete(node.address ?? '');
  }

  /** The connection is gone: its channels are placed again elsewhere. */
  #ended(node: ShardNode, error: RedisKitError | undefined): void {
    this.#drop(node);
    const orphaned = [...node.channels].filter((channel) => this.#wanted.has(channel));
    if (this.#closed || orphaned.length === 0) return;
    this.#orphan(orphaned, error ?? new ClosedError(`the sharded subscriber connection to ${node.address ?? 'Redis'} ended`));
  }

  /** The server unsubscribed channels of this node itself (their slot moved): those are placed again. */
  #moved(node: ShardNode): void {
    void (async () => {
      await this.#factory.cluster?.refresh();
      const cluster = this.#factory.cluster;
      const gone = [...node.channels].filter((channel) => cluster?.ownerOf(keySlot(this.#prefix + channel)) !== node.address);
      if (this.#closed || gone.length === 0) return;
      for (const channel of gone) node.channels.delete(channel);
      this.#orphan(gone, new ClusterTopologyError(`the slots of sharded channels ${gone.join(', ')} moved away from ${node.address}`));
    })();
  }

  #orphan(channels: string[], error: RedisKitError): void {
    this.#lostAt ??= performance.now();
    for (const channel of channels) this.#orphans.add(channel);
    this.#sink.disconnected(error);
    this.#scheduleRestore();
  }

  #scheduleRestore(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const cap = this.#redis.options.retryMaxDelayMs;
    const delay = Math.random() * Math.min(cap, RESTORE_BASE_MS * 2 ** this.#attempt++);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#restore();
    }, delay);
    this.#timer.unref();
  }

  async #restore(): Promise<void> {
    const channels = [...this.#orphans].filter((channel) => this.#wanted.has(channel));
    if (this.#closed || channels.length === 0) return;
    try {
      await this.#factory.cluster?.refresh();
      await this.#place(channels);
    } catch {
      // Not placed yet (the failover is not over, the node is not up): try again after a longer pause.
      this.#scheduleRestore();
      return;
    }
    for (const channel of channels) {
      this.#orphans.delete(channel);
      this.#restored.add(channel);
    }
    if (this.#orphans.size > 0) return;
    const downtimeMs = this.#lostAt === undefined ? 0 : Math.round(performance.now() - this.#lostAt);
    const restored = [...this.#restored].filter((channel) => this.#wanted.has(channel));
    this.#restored.clear();
    this.#lostAt = undefined;
    this.#attempt = 0;
    this.#sink.resubscribed({ channels: restored, patterns: [], downtimeMs });
  }

  /** On a cluster, channels grouped by slot; elsewhere one group. */
  #bySlot(channels: readonly string[]): string[][] {
    if (this.#factory.cluster === undefined) return [[...channels]];
    const groups = new Map<number, string[]>();
    for (const channel of channels) {
      const slot = keySlot(this.#prefix + channel);
      groups.set(slot, [...(groups.get(slot) ?? []), channel]);
    }
    return [...groups.values()];
  }

  #unprefixed(channel: string): string {
    return this.#prefix !== '' && channel.startsWith(this.#prefix) ? channel.slice(this.#prefix.length) : channel;
  }
}
