import type { Cluster, Redis } from 'ioredis';
import { classifyError } from '../engine/classify-error.js';
import { CommandTimeoutError, ConnectError } from '../errors.js';
import type { ConnectionRole } from '../observability/channels.js';
import { SLOT_COUNT } from './cluster-slot.js';

/** One primary of the slot map and the slots it serves. */
export interface ClusterPrimary {
  /** `host:port`, as the cluster announces it. */
  readonly address: string;
  /** Slots served, ascending. */
  readonly slots: readonly number[];
}

/** Open connections on one node, by what they are for. */
export type NodeConnections = Record<ConnectionRole, number> & { total: number };

/** `host:port` of an ioredis node connection (ioredis's own node key). */
export function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/**
 * The ioredis Cluster clients a connection factory made (lanes, leases), by
 * role, so cluster-aware parts (SCAN of every primary, per-node stats, the
 * node a lease's key lives on) can read the slot map ioredis keeps without
 * opening connections of their own. A client leaves the set when it ends.
 */
export class ClusterClients {
  readonly #clients = new Map<Cluster, ConnectionRole>();
  /** Plain connections to one node (the subscriber, the invalidation connections), by role. */
  readonly #nodeConnections = new Map<Redis, ConnectionRole>();
  /** The Cluster under each engine made here (a lease's, to reach its key's node). */
  readonly #byEngine = new WeakMap<object, Cluster>();
  readonly #refreshIntervalMs: number;
  #refreshTimer: NodeJS.Timeout | undefined;

  /**
   * `refreshIntervalMs`: how often every ready client reads the slot map
   * again on its own (0: only on MOVED and reconnects). Done here rather than
   * by ioredis's slotsRefreshInterval, whose timer keeps running (and the
   * process alive) after a cluster client ended by itself.
   */
  constructor(refreshIntervalMs = 0) {
    this.#refreshIntervalMs = refreshIntervalMs;
  }

  track(client: Cluster, role: ConnectionRole, engine: object): void {
    this.#clients.set(client, role);
    this.#byEngine.set(engine, client);
    client.once('end', () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) {
        clearInterval(this.#refreshTimer);
        this.#refreshTimer = undefined;
      }
    });
    if (this.#refreshIntervalMs > 0 && this.#refreshTimer === undefined) {
      this.#refreshTimer = setInterval(() => {
        for (const tracked of this.#clients.keys()) if (tracked.status === 'ready') tracked.refreshSlotsCache();
      }, this.#refreshIntervalMs);
      this.#refreshTimer.unref();
    }
  }

  trackNode(node: Redis, role: ConnectionRole): void {
    this.#nodeConnections.set(node, role);
    node.once('end', () => this.#nodeConnections.delete(node));
  }

  /** A client whose slot map is usable: a ready lane first (lanes stay up), else any ready one. */
  current(): Cluster | undefined {
    let fallback: Cluster | undefined;
    for (const [client, role] of this.#clients) {
      if (client.status !== 'ready') continue;
      if (role === 'lane') return client;
      fallback ??= client;
    }
    return fallback;
  }

  /** The primaries of the current slot map, each with its slots; empty before any client is ready. */
  primaries(): ClusterPrimary[] {
    const client = this.current();
    if (client === undefined) return [];
    const bySlot = new Map<string, number[]>();
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const owner = client.slots[slot]?.[0];
      if (owner === undefined) continue;
      const slots = bySlot.get(owner);
      if (slots === undefined) bySlot.set(owner, [slot]);
      else slots.push(slot);
    }
    return [...bySlot].map(([address, slots]) => ({ address, slots })).sort((a, b) => a.address.localeCompare(b.address));
  }

  /** The address of the primary serving `slot` now, per the slot map. */
  ownerOf(slot: number): string | undefined {
    return this.current()?.slots[slot]?.[0];
  }

  /** Every node address the slot map names (primaries and replicas). */
  addresses(): string[] {
    const client = this.current();
    if (client === undefined) return [];
    return client.nodes('all').map(nodeAddress);
  }

  /** Asks ioredis to read the slot map again (CLUSTER SLOTS); resolves when done or failed. */
  refresh(): Promise<void> {
    const client = this.current() ?? this.#clients.keys().next().value;
    if (client === undefined) return Promise.resolve();
    return new Promise((resolve) => client.refreshSlotsCache(() => resolve()));
  }

  /**
   * Sends one command to the node at `address` over the current client's
   * connection to it, connecting it first when it is not yet (ioredis opens
   * node connections lazily). Bounded by `timeoutMs`; rejects with typed
   * errors only.
   */
  async sendTo(address: string, name: string, args: (string | number)[], timeoutMs: number): Promise<unknown> {
    const node = this.current()
      ?.nodes('all')
      .find((candidate) => nodeAddress(candidate) === address);
    if (node === undefined) throw new ConnectError(address, `${address} is not in the cluster's slot map`);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeoutError(name.toUpperCase(), timeoutMs)), timeoutMs);
    });
    try {
      const reply = (async () => {
        if (node.status === 'wait') await node.connect();
        return node.call(name, ...args);
      })();
      reply.catch(() => undefined); // the race below may have moved on
      return await Promise.race([reply, expired]);
    } catch (error) {
      throw classifyError(error, name);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Makes sure the Cluster under `engine` has a ready connection to the
   * primary of `slot` (ioredis opens node connections lazily), waiting at
   * most `timeoutMs`: a lease for a key then holds a connection on the node
   * that owns it, and a paused node fails only the leases for its slots.
   * Resolves with that node's address.
   */
  async connectSlotNode(engine: object, slot: number, timeoutMs: number): Promise<string | undefined> {
    const client = this.#byEngine.get(engine);
    const address = client?.slots[slot]?.[0];
    const node = address === undefined ? undefined : client?.nodes('all').find((candidate) => nodeAddress(candidate) === address);
    if (node === undefined || node.status === 'ready') return address;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new CommandTimeoutError(`connecting to ${address}, the node of slot ${slot},`, timeoutMs)),
          timeoutMs,
        );
        onReady = resolve;
        node.once('ready', onReady);
        if (node.status === 'wait') node.connect().catch((error: unknown) => reject(classifyError(error, 'connect')));
      });
      return address;
    } finally {
      clearTimeout(timer);
      if (onReady !== undefined) node.off('ready', onReady);
    }
  }

  /** Open connections per node address, by role (every tracked client's ready node connections). */
  perNode(): Record<string, NodeConnections> {
    const result: Record<string, NodeConnections> = {};
    const count = (address: string, role: ConnectionRole): void => {
      const entry = result[address] ?? { lane: 0, lease: 0, subscriber: 0, invalidation: 0, total: 0 };
      result[address] = entry;
      entry[role]++;
      entry.total++;
    };
    for (const [client, role] of this.#clients) {
      for (const node of client.nodes('all')) if (node.status === 'ready') count(nodeAddress(node), role);
    }
    for (const [node, role] of this.#nodeConnections) if (node.status === 'ready') count(nodeAddress(node), role);
    return result;
  }
}
