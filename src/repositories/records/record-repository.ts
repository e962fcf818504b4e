import type { RedisClient } from '../../client/client.js';
import { kOwnResource } from '../../client/internal.js';
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import { type Attempt, runAttempts } from './attempts.js';
import { Lifecycle } from '../../lifecycle/lifecycle.js';
import type { InferInput, InferOutput, StandardSchemaV1 } from '../standard-schema.js';
import { RecordNotFoundError } from './errors.js';
import { assertUsableId, canonicalUnique, isUsableId, KeyLayout } from './key-layout.js';
import { keysPage, parseCursor } from './list-pages.js';
import { MemoryRecordBackend, memoryKeyspaceOf } from './memory-records.js';
import type { RecordBackend, Txn, TxnWrite } from './record-backend.js';
import { INVALID, RecordCodec } from './record-codec.js';
import { type FieldOf, type RepositoryOptions, type ResolvedRepositoryOptions, resolveRepositoryOptions } from './record-options.js';
import { RedisRecordBackend } from './redis-records.js';
import type { ListOptions, PutOptions, RecordPage, StoredRecord } from './record-types.js';
import { SortableIdGenerator } from './sortable-id.js';
import { type RepositoryStats, RepositoryCounters } from './repository-stats.js';
import { type RepositoryEffect, unavailableError } from '../unavailable.js';
import { uniqueWrites } from './unique-keys.js';

const MAX_TTL_MS = 315_360_000_000;
const MAX_LIST_LIMIT = 1000;

/**
 * Typed records in Redis, one key per record, validated by a Standard
 * Schema on every write and every read, with optimistic `update`s and
 * optional unique fields. See {@link RepositoryOptions} and
 * docs/repositories.md.
 *
 * While Redis cannot be reached every operation rejects with
 * `RedisUnavailableError`, from the first failure on (breaker open or not;
 * its `cause` is the client's error, and a `ConnectionLostError` cause on a
 * write means it may have been applied): records never fork into process
 * memory. With `REDIS_URL=memory://` they live in this process instead,
 * with the same semantics.
 *
 * Lifecycle as every service: `close()` waits for operations in flight,
 * `destroy()` does not; after either, every method rejects with `ClosedError`.
 */
export class Repository<S extends StandardSchemaV1, U extends FieldOf<S> = never> extends Lifecycle {
  readonly namespace: string;
  readonly #options: ResolvedRepositoryOptions;
  readonly #backend: RecordBackend;
  readonly #layout: KeyLayout;
  readonly #codec: RecordCodec<InferOutput<S>>;
  readonly #ids: SortableIdGenerator;
  readonly #counters = new RepositoryCounters();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #unregister: () => void;

  constructor(redis: RedisClient, options: RepositoryOptions<S, U>) {
    super();
    this.#options = resolveRepositoryOptions(options);
    const { namespace, schema, codec, onInvalid, now } = this.#options;
    this.namespace = namespace;
    // On a Cluster a record and its unique keys are written in one transaction, so they need one slot: a hash tag.
    // Without unique fields every key stands alone, and records spread over the cluster.
    const hashTag = redis.options.mode === 'cluster' && this.#options.unique.length > 0;
    this.#layout = new KeyLayout(namespace, hashTag);
    if (hashTag) this.#layout.assertOneSlot(redis.options.keyPrefix);
    this.#codec = new RecordCodec(namespace, schema, codec, onInvalid, () => this.#counters.invalid++);
    this.#ids = new SortableIdGenerator(now);
    this.#backend = redis.options.mode === 'memory' ? new MemoryRecordBackend(memoryKeyspaceOf(redis), now) : new RedisRecordBackend(redis);
    this.#unregister = redis[kOwnResource](this);
  }

  /** The record under `id`, or undefined (also for an id no record can have: empty, or over 512 characters). */
  get(id: string): Promise<InferOutput<S> | undefined> {
    return this.#track('read', () => this.#get(id));
  }

  /** The records under `ids`, in their order, undefined where there is none. */
  getMany(ids: readonly string[]): Promise<(InferOutput<S> | undefined)[]> {
    return this.#track('read', () => Promise.all(ids.map((id) => this.#get(id))));
  }

  /** Whether a record exists under `id` (without reading or validating it). */
  exists(id: string): Promise<boolean> {
    return this.#track('read', async () => isUsableId(id) && (await this.#backend.exists(this.#layout.record(id))));
  }

  /**
   * Validates `value` and writes it under `id`, replacing any record there;
   * resolves with what was stored (the schema's output). Lives
   * `options.ttlMs`, else the repository's `ttlMs`, else for ever.
   */
  put(id: string, value: InferInput<S>, options: PutOptions = {}): Promise<InferOutput<S>> {
    return this.#track('write', async () => {
      assertUsableId(id);
      const ttl = this.#ttl(options);
      const encoded = await this.#codec.encode(value);
      const key = this.#layout.record(id);
      if (this.#options.unique.length === 0) {
        await this.#backend.set(key, encoded.data, ttl);
        this.#counters.writes++;
        return encoded.value;
      }
      return this.#transact(key, async (txn) => {
        const stored = await txn.read(key, this.#codec.binary);
        const before = stored === undefined ? undefined : this.#codec.peek(stored);
        const unique = await this.#uniqueWrites(txn, { id, before, after: encoded.value, ttl });
        return { result: encoded.value, writes: [{ kind: 'set', key, data: encoded.data, ttl }, ...unique] };
      });
    });
  }

  /** Validates `value` and stores it under a new time-ordered id (ULID-shaped, 26 characters). */
  create(value: InferInput<S>, options: PutOptions = {}): Promise<StoredRecord<InferOutput<S>>> {
    return this.#track('write', async () => {
      const ttl = this.#ttl(options);
      const encoded = await this.#codec.encode(value);
      const id = this.#ids.next();
      const key = this.#layout.record(id);
      const record = { id, value: encoded.value };
      if (this.#options.unique.length === 0) {
        // A fresh id is new unless another process drew the same 80 random bits in the same ms.
        if (!(await this.#backend.setIfAbsent(key, encoded.data, ttl))) throw new ConflictError(`${this.namespace}: generated id taken`, 1);
        this.#counters.writes++;
        return record;
      }
      return this.#transact(key, async (txn) => {
        if ((await txn.read(key, this.#codec.binary)) !== undefined) throw new ConflictError(`${this.namespace}: generated id taken`, 1);
        const unique = await this.#uniqueWrites(txn, { id, before: undefined, after: encoded.value, ttl });
        return { result: record, writes: [{ kind: 'set', key, data: encoded.data, ttl }, ...unique] };
      });
    });
  }

  /**
   * Read, apply `fn`, write — atomic against every other writer: the record
   * is WATCHed on a leased connection and written with MULTI/EXEC; when
   * another write got in between, it is read again and `fn` called again,
   * up to `maxUpdateRetries` times, then `ConflictError`. Resolves with the
   * stored result. The record keeps its remaining lifetime.
   *
   * - A missing record (or, with `onInvalid: 'miss'`, an invalid one)
   *   rejects with `RecordNotFoundError`; `fn` is not called.
   * - `fn` may run more than once: keep it free of side effects. It holds a
   *   pooled connection while it runs: keep it short.
   * - `fn` throwing (or its result failing the schema) rejects with that
   *   error and leaves the record as it was.
   */
  update(id: string, fn: (current: InferOutput<S>) => InferInput<S> | Promise<InferInput<S>>): Promise<InferOutput<S>> {
    return this.#track('write', async () => {
      assertUsableId(id);
      if (typeof fn !== 'function') throw new InvalidArgumentError('update(id, fn): fn must be a function');
      const key = this.#layout.record(id);
      return this.#transact(key, async (txn) => {
        const stored = await txn.read(key, this.#codec.binary);
        const current = stored === undefined ? INVALID : await this.#codec.decode(stored);
        if (current === INVALID) throw new RecordNotFoundError(this.namespace);
        const encoded = await this.#codec.encode(await fn(current));
        const writes: TxnWrite[] = [{ kind: 'set', key, data: encoded.data, ttl: 'keep' }];
        if (this.#options.unique.length > 0 && stored !== undefined) {
          const before = this.#codec.peek(stored);
          writes.push(...(await this.#uniqueWrites(txn, { id, before, after: encoded.value, ttl: await txn.ttlMs(key) })));
        }
        return { result: encoded.value, writes };
      });
    });
  }

  /** Deletes the record (and its unique keys, in the same transaction). Resolves whether it existed. */
  delete(id: string): Promise<boolean> {
    return this.#track('write', async () => {
      if (!isUsableId(id)) return false;
      const key = this.#layout.record(id);
      if (this.#options.unique.length === 0) {
        const existed = await this.#backend.delete(key);
        if (existed) this.#counters.writes++;
        return existed;
      }
      return this.#transact(key, async (txn): Promise<Attempt<boolean>> => {
        const stored = await txn.read(key, this.#codec.binary);
        if (stored === undefined) return { result: false };
        const before = this.#codec.peek(stored);
        const unique = await this.#uniqueWrites(txn, { id, before, after: undefined, ttl: undefined });
        return { result: true, writes: [{ kind: 'delete', key }, ...unique] };
      });
    });
  }

  /** The record whose unique `field` holds `value`, with its id; undefined when none does. */
  findBy<F extends U>(field: F, value: InferOutput<S>[F]): Promise<StoredRecord<InferOutput<S>> | undefined> {
    return this.#track('read', async () => {
      if (!this.#options.unique.includes(field))
        throw new InvalidArgumentError(`findBy(): '${field}' is not one of this repository's unique fields`);
      const canonical = canonicalUnique(field, value);
      if (canonical === undefined) return undefined;
      const owner = await this.#backend.get(this.#layout.unique(field, canonical), false);
      if (owner === undefined) return undefined;
      const id = owner.toString();
      const record = await this.#get(id);
      // A key left behind by a record changed or deleted outside the repository names no one.
      if (record === undefined || canonicalUnique(field, (record as Record<string, unknown>)[field]) !== canonical) return undefined;
      return { id, value: record };
    });
  }

  /**
   * One page of the namespace's records, by SCAN (never KEYS). Pass the
   * returned `cursor` to get the next page; it is undefined after the last.
   * Every record that exists for the whole walk is listed, once while the
   * keyspace is not rehashed meanwhile (SCAN may repeat a key then); records
   * written or deleted during the walk may or may not be. On a Cluster the
   * walk visits every primary in turn (the cursor names the node); when the
   * node being walked fails over, its new owner is walked from its start, so
   * records may repeat but none is missed, and until the slot map names the
   * new owner the page rejects (`ClusterTopologyError`, `RedisUnavailableError` …):
   * call again with the same cursor. Order: by id
   * within each SCAN step, not overall. Records that vanish between SCAN and
   * read, and invalid ones with `onInvalid: 'miss'`, are left out, so a page
   * may hold fewer than `limit` and still not be the last.
   */
  list(options: ListOptions = {}): Promise<RecordPage<InferOutput<S>>> {
    return this.#track('read', async () => {
      const limit = options.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new InvalidArgumentError(`list(): limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
      }
      const page = await keysPage(
        this.#backend,
        this.#layout.records,
        parseCursor(options.cursor),
        limit,
        (key) => this.#layout.idOf(key) !== undefined,
      );
      const records: StoredRecord<InferOutput<S>>[] = [];
      const ids = page.keys.map((key) => this.#layout.idOf(key));
      const values = await Promise.all(ids.map((id) => (id === undefined ? undefined : this.#get(id))));
      ids.forEach((id, i) => {
        const value = values[i];
        if (id !== undefined && value !== undefined) records.push({ id, value });
      });
      return { records, cursor: page.next };
    });
  }

  /** Counters since the repository was made; see {@link RepositoryStats}. */
  stats(): RepositoryStats {
    return this.#counters.snapshot();
  }

  protected async onClose(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    this.#unregister();
  }

  protected onDestroy(): void {
    this.#unregister();
  }

  async #get(id: string): Promise<InferOutput<S> | undefined> {
    this.#counters.reads++;
    const stored = isUsableId(id) ? await this.#backend.get(this.#layout.record(id), this.#codec.binary) : undefined;
    const value = stored === undefined ? INVALID : await this.#codec.decode(stored);
    if (value === INVALID) {
      this.#counters.misses++;
      return undefined;
    }
    return value;
  }

  #uniqueWrites(txn: Txn, change: Parameters<typeof uniqueWrites>[5]): Promise<TxnWrite[]> {
    return uniqueWrites(txn, this.#layout, this.namespace, this.#options.unique, this.#codec, change);
  }

  #transact<R>(key: string, attempt: (txn: Txn) => Promise<Attempt<R>>): Promise<R> {
    return runAttempts(
      this.#backend,
      { namespace: this.namespace, retries: this.#options.maxUpdateRetries, counters: this.#counters },
      key,
      attempt,
    );
  }

  #ttl(options: PutOptions): number | undefined {
    const ttlMs = options.ttlMs;
    if (ttlMs === undefined) return this.#options.ttlMs;
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
      throw new InvalidArgumentError(`ttlMs must be an integer from 1 to ${MAX_TTL_MS.toLocaleString('en-US')}`);
    }
    return ttlMs;
  }

  /**
   * Refuses work once closing; tracks the rest for `close()`. Redis
   * unreachable is a RedisUnavailableError (see {@link unavailableError}
   * for what a write keeps as its own error).
   */
  #track<R>(effect: RepositoryEffect, operation: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(this.closedError());
    const running = operation().catch((error: unknown) => {
      throw unavailableError(error, `repository ${JSON.stringify(this.namespace)}`, effect);
    });
    this.#pending.add(running);
    void running.then(
      () => this.#pending.delete(running),
      () => this.#pending.delete(running),
    );
    return running;
  }
}

/** A repository on `redis`; see {@link Repository} and {@link RepositoryOptions}. */
export function createRepository<S extends StandardSchemaV1, const U extends FieldOf<S> = never>(
  redis: RedisClient,
  options: RepositoryOptions<S, U>,
): Repository<S, U> {
  return new Repository<S, U>(redis, options);
}
