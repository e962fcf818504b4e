import type { Cluster, Redis } from 'ioredis';
import { classifyError } from '../engine/classify-error.js';
import { CommandTimeoutError, ConnectError } from '../errors.js';
import type { ConnectionRole } from '../observability/channels.js';
import { SLOT_COUNT } from './cluster-slot.js';
import type { NodeBreakerSnapshot, NodeBreakers } from './node-breakers.js';

/** One primary of the slot map and the slots it serves. */
export interface ClusterPrimary {
  /** `host:port`, as the cluster announces it. */
  readonly address: string;
  /** Slots served, ascending. */
  readonly slots: readonly number[];
}

/** Open connections on one node, by what they are for. */
export type NodeConnections = Record<ConnectionRole, number> & { total: number };

/** What `stats().connections.nodes` reports per node: its open connections and its breaker. */
export type NodeFigures = NodeConnections & { breaker: NodeBreakerSnapshot };

const CLOSED_BREAKER: NodeBreakerSnapshot = { state: 'closed', consecutiveFailures: 0, timesOpened: 0, failures: 0 };

/** `host:port` (or `[v6]:port`) as a host and a port. */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

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
  readonly #breakers: NodeBreakers | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;

  /**
   * `refreshIntervalMs`: how often every ready client reads the slot map
   * again on its own (0: only on MOVED and reconnects). Done here rather than
   * by ioredis's slotsRefreshInterval, whose timer keeps running (and the
   * process alive) after a cluster client ended by itself.
   */
  constructor(refreshIntervalMs = 0, breakers?: NodeBreakers, probeTimeoutMs = 1000) {
    this.#refreshIntervalMs = refreshIntervalMs;
    this.#breakers = breakers;
    breakers?.attachProbe((address) => this.#probe(address, probeTimeoutMs));
  }

  /** The per-node breakers (see {@link NodeBreakers}), when the factory made them. */
  get breakers(): NodeBreakers | undefined {
    return this.#breakers;
  }

  track(client: Cluster, role: ConnectionRole, engine: object): void {
    this.#clients.set(client, role);
    this.#byEngine.set(engine, client);
    this.#feedBreakers(client);
    client.once('end', () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) {
        clearInterval(this.#refreshTimer);
        this.#refreshTimer = undefined;
        this.#breakers?.close();
      }
    });
    if (this.#refreshIntervalMs > 0 && this.#refreshTimer === undefined) {
      this.#refreshTimer = setInterval(() => {
        for (const tracked of this.#clients.keys()) if (tracked.status === 'ready') tracked.refreshSlotsCache();
      }, this.#refreshIntervalMs);
      this.#refreshTimer.unref();
    }
  }

  /**
   * Every node connection of `client` reports to its node's breaker: an
   * error event (refused, reset, socket timeout, a slot-map read that failed
   * on it) is a failure, a connection becoming ready a success.
   */
  #feedBreakers(client: Cluster): void {
    const breakers = this.#breakers;
    if (breakers === undefined) return;
    client.on('node error', (error: unknown, address: unknown) => {
      if (typeof address !== 'string') return;
      // ioredis's own words (ECONNREFUSED, "Socket timeout …"): they name no command and hold no secret.
      const reason = error instanceof Error ? error.message : String(error);
      breakers.recordFailure(address, new ConnectError(address, `connection to cluster node ${address} failed: ${reason}`));
    });
    client.on('+node', (node: Redis) => {
      node.on('ready', () => breakers.recordSuccess(nodeAddress(node)));
    });
  }

  /**
   * An open node's probe: PING over the current client's connection to it.
   * Without an answer, the slot map is read again and breakers of nodes that
   * no longer serve slots are dropped (a failover moved them elsewhere).
   */
  async #probe(address: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.sendTo(address, 'ping', [], timeoutMs);
      return true;
    } catch {
      await this.refresh();
      if (this.current() !== undefined) this.#breakers?.retain(new Set(this.primaries().map((primary) => primary.address)));
      return false;
    }
  }

  trackNode(node: Redis, role: ConnectionRole): void {
    this.#nodeConnections.set(node, role);
    node.once('end', () => this.#nodeConnections.delete(node));
  }

  /** The Cluster under an engine made by the factory, if it is one. */
  clientOf(engine: object): Cluster | undefined {
    return this.#byEngine.get(engine);
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

  /**
   * Where a new cluster client (a lease) should read the slot map from: the
   * nodes of the current map whose breaker is closed, else the configured
   * seeds whose breaker is closed, else the seeds. A seed that hangs would
   * cost it ioredis's slotsRefreshTimeout before the next one is asked.
   */
  answeringSeeds(seeds: readonly { host: string; port: number }[]): { host: string; port: number }[] {
    const open = new Set(this.#breakers?.openNodes() ?? []);
    if (open.size === 0) return [...seeds];
    const known = this.addresses().filter((address) => !open.has(address));
    if (known.length > 0) return known.map(parseAddress);
    const closed = seeds.filter(({ host, port }) => !open.has(`${host}:${port}`));
    return closed.length > 0 ? closed : [...seeds];
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
    if (address !== undefined && this.#breakers?.isOpen(address)) throw this.#breakers.rejection(address);
    if (node === undefined || node.status === 'ready') return address;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new CommandTimeoutError(`connecting to ${address}, the node of slot ${slot},`, Math.round(timeoutMs))),
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

  /**
   * Open connections per node address, by role (every tracked client's ready
   * node connections), and each node's breaker. A node with a breaker but no
   * connection (one that stopped answering) is listed too.
   */
  perNode(): Record<string, NodeFigures> {
    const result: Record<string, NodeFigures> = {};
    const entry = (address: string): NodeFigures => {
      const found = result[address] ?? {
        lane: 0,
        lease: 0,
        subscriber: 0,
        invalidation: 0,
        total: 0,
        breaker: this.#breakers?.snapshot(address) ?? { ...CLOSED_BREAKER },
      };
      result[address] = found;
      return found;
    };
    const count = (address: string, role: ConnectionRole): void => {
      const found = entry(address);
      found[role]++;
      found.total++;
    };
    for (const [client, role] of this.#clients) {
      for (const node of client.nodes('all')) if (node.status === 'ready') count(nodeAddress(node), role);
    }
    for (const [node, role] of this.#nodeConnections) if (node.status === 'ready') count(nodeAddress(node), role);
    for (const address of this.#breakers?.addresses() ?? []) entry(address);
    return result;
  }
}
