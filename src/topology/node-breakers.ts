import { CommandTimeoutError, NodeUnavailableError, type RedisKitError } from '../errors.js';

export type NodeBreakerState = 'closed' | 'open';

/** One node's breaker, as `stats().connections.nodes[address]` reports it. */
export interface NodeBreakerSnapshot {
  state: NodeBreakerState;
  /** Failures in a row (connection errors, commands without a reply by their deadline). */
  consecutiveFailures: number;
  /** How many times it opened since the client was created. */
  timesOpened: number;
  /** Failures attributed to this node since the client was created. */
  failures: number;
}

export interface NodeBreakersOptions {
  /** Failures in a row that open a node's breaker (the client's `breakerFailureThreshold`). */
  failureThreshold: number;
  /** How often an open node is probed (the client's `breakerProbeIntervalMs`). */
  probeIntervalMs: number;
}

interface NodeBreaker {
  state: NodeBreakerState;
  consecutive: number;
  failures: number;
  timesOpened: number;
  lastError: RedisKitError | undefined;
  probing: boolean;
}

/** A command on its way to one node: it counts as that node's failure if no reply comes by `expiresAt`. */
export interface NodeWatch {
  readonly address: string;
  readonly expiresAt: number;
  settled: boolean;
}

/** How often outstanding commands are checked for a missing reply (and the worst-case lateness). */
const WATCH_RESOLUTION_MS = 25;

/**
 * One breaker per Cluster node (`host:port`), so one node that stops
 * answering fails only the commands for its own slots, and at once once it
 * has failed `failureThreshold` times in a row, instead of each of them
 * waiting out its deadline; the client-wide breaker stays for "no node
 * answers".
 *
 * Unlike the client-wide breaker, a command without a reply by its deadline
 * counts as a failure here: a paused or partitioned node keeps its TCP
 * connections, so a missing reply is the only sign of it. A node that is
 * merely slow closes again at its next probe.
 *
 * An open breaker closes when a connection to the node becomes ready or a
 * probe gets an answer, and it is forgotten when the node no longer serves
 * any slot (a failover moved its slots: the commands go to the new owner,
 * whose breaker is its own).
 */
export class NodeBreakers {
  readonly #options: NodeBreakersOptions;
  readonly #breakers = new Map<string, NodeBreaker>();
  /** Outstanding commands by timeout length: each set is in expiry order (insertion order, same length). */
  readonly #watches = new Map<number, Set<NodeWatch>>();
  #watchTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #probe: ((address: string) => Promise<boolean>) | undefined;
  #closed = false;

  constructor(options: NodeBreakersOptions) {
    this.#options = options;
  }

  /** Sets what probes an open node: resolves true when it answered. */
  attachProbe(probe: (address: string) => Promise<boolean>): void {
    this.#probe = probe;
  }

  isOpen(address: string): boolean {
    return this.#breakers.get(address)?.state === 'open';
  }

  /** Addresses with an open breaker. */
  openNodes(): string[] {
    return [...this.#breakers].filter(([, breaker]) => breaker.state === 'open').map(([address]) => address);
  }

  recordFailure(address: string, error: RedisKitError): void {
    if (this.#closed) return;
    const breaker = this.#breaker(address);
    breaker.consecutive++;
    breaker.failures++;
    breaker.lastError = error;
    if (breaker.state === 'closed' && breaker.consecutive >= this.#options.failureThreshold) {
      breaker.state = 'open';
      breaker.timesOpened++;
      this.#scheduleProbe();
    }
  }

  recordSuccess(address: string): void {
    const breaker = this.#breakers.get(address);
    if (breaker === undefined) return;
    breaker.consecutive = 0;
    breaker.state = 'closed';
    breaker.lastError = undefined;
  }

  /** The error a command for `address`'s slots gets while its breaker is open. */
  rejection(address: string): NodeUnavailableError {
    const breaker = this.#breakers.get(address);
    const cause = breaker?.lastError;
    return new NodeUnavailableError(
      address,
      `cluster node ${address} is unavailable (circuit open after ${breaker?.consecutive ?? 0} failures in a row` +
        `${cause ? `; last: ${cause.message}` : ''}); the command was not sent`,
      { cause },
    );
  }

  /**
   * Keeps only the breakers of `addresses` (the nodes of the current slot
   * map): a node that lost its slots to a failover no longer routes anything.
   */
  retain(addresses: ReadonlySet<string>): void {
    for (const address of this.#breakers.keys()) if (!addresses.has(address)) this.#breakers.delete(address);
  }

  snapshot(address: string): NodeBreakerSnapshot | undefined {
    const breaker = this.#breakers.get(address);
    if (breaker === undefined) return undefined;
    return { state: breaker.state, consecutiveFailures: breaker.consecutive, timesOpened: breaker.timesOpened, failures: breaker.failures };
  }

  /** Every node that has a breaker (it failed at least once, or answered after that). */
  addresses(): string[] {
    return [...this.#breakers.keys()];
  }

  /** Starts waiting for a reply from `address`; settle it with {@link replied} or {@link failed}. */
  watch(address: string, timeoutMs: number): NodeWatch {
    const watch: NodeWatch = { address, expiresAt: performance.now() + timeoutMs, settled: false };
    let set = this.#watches.get(timeoutMs);
    if (set === undefined) {
      set = new Set();
      this.#watches.set(timeoutMs, set);
    }
    set.add(watch);
    if (this.#watchTimer === undefined && !this.#closed) {
      this.#watchTimer = setInterval(() => this.#expireWatches(), WATCH_RESOLUTION_MS);
      this.#watchTimer.unref();
    }
    return watch;
  }

  /** The node answered (a reply, or an error reply: it is up). */
  replied(watch: NodeWatch, timeoutMs: number): void {
    if (!this.#unwatch(watch, timeoutMs)) return;
    this.recordSuccess(watch.address);
  }

  /** The command failed without an answer from the node (its connection failed or closed). */
  failed(watch: NodeWatch, timeoutMs: number, error: RedisKitError): void {
    if (!this.#unwatch(watch, timeoutMs)) return;
    this.recordFailure(watch.address, error);
  }

  /** The command ended in a way that says nothing about the node. */
  forget(watch: NodeWatch, timeoutMs: number): void {
    this.#unwatch(watch, timeoutMs);
  }

  /** Stops the timers (the client is closing). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#watchTimer);
    this.#watchTimer = undefined;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#watches.clear();
  }

  #unwatch(watch: NodeWatch, timeoutMs: number): boolean {
    if (watch.settled) return false;
    watch.settled = true;
    this.#watches.get(timeoutMs)?.delete(watch);
    return true;
  }

  #expireWatches(): void {
    const now = performance.now();
    let left = 0;
    for (const [timeoutMs, set] of this.#watches) {
      for (const watch of set) {
        if (watch.expiresAt > now) break;
        set.delete(watch);
        watch.settled = true;
        this.recordFailure(watch.address, new CommandTimeoutError(`a command to ${watch.address}`, timeoutMs));
      }
      left += set.size;
    }
    if (left === 0) {
      clearInterval(this.#watchTimer);
      this.#watchTimer = undefined;
    }
  }

  #breaker(address: string): NodeBreaker {
    let breaker = this.#breakers.get(address);
    if (breaker === undefined) {
      breaker = { state: 'closed', consecutive: 0, failures: 0, timesOpened: 0, lastError: undefined, probing: false };
      this.#breakers.set(address, breaker);
    }
    return breaker;
  }

  #scheduleProbe(): void {
    if (this.#probeTimer !== undefined || this.#closed || this.#probe === undefined) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      this.#runProbes();
    }, this.#options.probeIntervalMs);
    this.#probeTimer.unref();
  }

  #runProbes(): void {
    const probe = this.#probe;
    if (probe === undefined || this.#closed) return;
    for (const [address, breaker] of this.#breakers) {
      if (breaker.state !== 'open' || breaker.probing) continue;
      breaker.probing = true;
      probe(address)
        .catch(() => false)
        .then((answered) => {
          breaker.probing = false;
          if (answered) this.recordSuccess(address);
        });
    }
    if (this.openNodes().length > 0) this.#scheduleProbe();
  }
}
