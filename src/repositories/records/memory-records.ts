import type { RecordBackend, ScanPage, StoredData, Txn, TxnWrite } from './record-backend.js';

interface Entry {
  data: StoredData;
  /** Epoch ms on the backend's clock; undefined: no expiry. */
  expiresAt: number | undefined;
  /** Changes with every write, so an optimistic attempt sees any write since it read. */
  version: number;
}

/** Writes between sweeps of expired entries nobody reads again. */
const SWEEP_EVERY = 1000;

/**
 * The keys of every repository of one `memory://` client. Shared by
 * repositories on the same client (as they would share Redis), not across
 * clients or processes.
 */
export class MemoryKeyspace {
  readonly entries = new Map<string, Entry>();
  #version = 0;
  #writes = 0;

  nextVersion(): number {
    return ++this.#version;
  }

  /** The live entry under `key`; an expired one is removed, as Redis does on access. */
  live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  write(key: string, data: StoredData, expiresAt: number | undefined, now: number): void {
    this.entries.set(key, { data, expiresAt, version: this.nextVersion() });
    if (++this.#writes % SWEEP_EVERY === 0) this.sweep(now);
  }

  sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
  }
}

const keyspaces = new WeakMap<object, MemoryKeyspace>();

/** The keyspace of `client` (made on first use; it goes with the client). */
export function memoryKeyspaceOf(client: object): MemoryKeyspace {
  let keyspace = keyspaces.get(client);
  if (keyspace === undefined) {
    keyspace = new MemoryKeyspace();
    keyspaces.set(client, keyspace);
  }
  return keyspace;
}

/**
 * Records in this process, for `REDIS_URL=memory://`, with Redis's
 * semantics: TTLs in ms, an expired key gone for every operation, and
 * transactions that commit only if nothing they read was written since
 * (what WATCH gives on Redis), so concurrent `update`s behave the same.
 */
export class MemoryRecordBackend implements RecordBackend {
  readonly #keyspace: MemoryKeyspace;
  readonly #now: () => number;

  constructor(keyspace: MemoryKeyspace, now: () => number) {
    this.#keyspace = keyspace;
    this.#now = now;
  }

  async get(key: string): Promise<StoredData | undefined> {
    return this.#keyspace.live(key, this.#now())?.data;
  }

  async exists(key: string): Promise<boolean> {
    return this.#keyspace.live(key, this.#now()) !== undefined;
  }

  async set(key: string, data: StoredData, ttlMs: number | undefined): Promise<void> {
    const now = this.#now();
    this.#keyspace.write(key, data, ttlMs === undefined ? undefined : now + ttlMs, now);
  }

  async setIfAbsent(key: string, data: StoredData, ttlMs: number | undefined): Promise<boolean> {
    if (this.#keyspace.live(key, this.#now()) !== undefined) return false;
    await this.set(key, data, ttlMs);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#keyspace.live(key, this.#now()) !== undefined;
    this.#keyspace.entries.delete(key);
    return existed;
  }

  async scan(prefix: string): Promise<ScanPage> {
    // One step holds everything: there is no server to keep responsive.
    const now = this.#now();
    this.#keyspace.sweep(now);
    const keys = [...this.#keyspace.entries.keys()].filter((key) => key.startsWith(prefix));
    return { cursor: '0', keys };
  }

  transaction<T>(_key: string, fn: (begin: () => Txn) => Promise<T>): Promise<T> {
    return fn(() => new MemoryTxn(this.#keyspace, this.#now));
  }
}

class MemoryTxn implements Txn {
  readonly #keyspace: MemoryKeyspace;
  readonly #now: () => number;
  /** Version of each key when read; 0: it did not exist. */
  readonly #seen = new Map<string, number>();

  constructor(keyspace: MemoryKeyspace, now: () => number) {
    this.#keyspace = keyspace;
    this.#now = now;
  }

  async read(key: string): Promise<StoredData | undefined> {
    const entry = this.#keyspace.live(key, this.#now());
    if (!this.#seen.has(key)) this.#seen.set(key, entry?.version ?? 0);
    return entry?.data;
  }

  async ttlMs(key: string): Promise<number | undefined> {
    const now = this.#now();
    const expiresAt = this.#keyspace.live(key, now)?.expiresAt;
    return expiresAt === undefined ? undefined : expiresAt - now;
  }

  async commit(writes: readonly TxnWrite[]): Promise<boolean> {
    // Synchronous from the check to the last write: nothing else runs in between, as inside MULTI/EXEC.
    const now = this.#now();
    for (const [key, version] of this.#seen) if ((this.#keyspace.live(key, now)?.version ?? 0) !== version) return false;
    for (const write of writes) {
      if (write.kind === 'delete') {
        this.#keyspace.entries.delete(write.key);
        continue;
      }
      const current = this.#keyspace.live(write.key, now);
      const expiresAt = write.ttl === 'keep' ? current?.expiresAt : write.ttl === undefined ? undefined : now + write.ttl;
      this.#keyspace.write(write.key, write.data, expiresAt, now);
    }
    return true;
  }
}
