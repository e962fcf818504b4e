import type { RedisClient } from '../../client/client.js';
import { kConnectionFactory } from '../../client/internal.js';
import { scanClusterPage, scanPage } from '../../client/scan-keys.js';
import type { ChainablePipeline } from '../../commands/pipeline.js';
import { escapeGlob } from '../../keys/key-encoding.js';
import type { Lease } from '../../lease/leased-connection.js';
import type { RecordBackend, ScanPage, StoredData, Txn, TxnWrite } from './record-backend.js';

/**
 * Records in Redis. Single-key work goes over the lanes; transactions take
 * one lease for all their attempts, since WATCH belongs to a connection.
 * Errors are the client's; the repository turns "Redis cannot be reached"
 * into `RedisUnavailableError` (see `unavailableError`): records never fork
 * into process memory.
 */
export class RedisRecordBackend implements RecordBackend {
  readonly #redis: RedisClient;

  constructor(redis: RedisClient) {
    this.#redis = redis;
  }

  async get(key: string, binary: boolean): Promise<StoredData | undefined> {
    return (binary ? await this.#redis.getBuffer(key) : await this.#redis.get(key)) ?? undefined;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#redis.exists(key)) === 1;
  }

  async set(key: string, data: StoredData, ttlMs: number | undefined): Promise<void> {
    if (ttlMs === undefined) await this.#redis.set(key, data);
    else await this.#redis.set(key, data, 'PX', ttlMs);
  }

  async setIfAbsent(key: string, data: StoredData, ttlMs: number | undefined): Promise<boolean> {
    const reply = ttlMs === undefined ? await this.#redis.set(key, data, 'NX') : await this.#redis.set(key, data, 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#redis.unlink(key)) === 1;
  }

  async scan(prefix: string, cursor: string, count: number): Promise<ScanPage> {
    // The prefix is built from encoded parts, but escaping keeps that from mattering.
    const match = `${escapeGlob(prefix)}*`;
    const cluster = this.#redis[kConnectionFactory]?.cluster;
    if (cluster !== undefined) return scanClusterPage(this.#redis, cluster, this.#redis.options, match, cursor, count);
    return scanPage(this.#redis, this.#redis.options.keyPrefix, match, cursor, count);
  }

  transaction<T>(key: string, fn: (begin: () => Txn) => Promise<T>): Promise<T> {
    // Keyed: on a Cluster the lease holds a connection on the record's node, and a WATCH or MULTI outside its slot is refused before sending.
    return this.#redis.lease(key, (conn) => fn(() => new RedisTxn(conn)));
  }
}

/** WATCH each key before reading it; MULTI/EXEC the writes. An aborted EXEC (null) is a conflict. */
class RedisTxn implements Txn {
  readonly #conn: Lease;

  constructor(conn: Lease) {
    this.#conn = conn;
  }

  async read(key: string, binary: boolean): Promise<StoredData | undefined> {
    // One round trip: WATCH and GET written together, WATCH first, on this connection alone.
    const batch = this.#conn.pipeline().watch(key);
    const replies = await (binary ? batch.getBuffer(key) : batch.get(key)).exec();
    const [watchReply, getReply] = replies ?? [];
    for (const reply of [watchReply, getReply]) if (reply?.[0]) throw reply[0];
    const value = getReply?.[1];
    return typeof value === 'string' || Buffer.isBuffer(value) ? value : undefined;
  }

  async ttlMs(key: string): Promise<number | undefined> {
    const pttl = await this.#conn.pttl(key);
    return pttl > 0 ? pttl : undefined;
  }

  async commit(writes: readonly TxnWrite[]): Promise<boolean> {
    const multi = this.#conn.multi();
    for (const write of writes) record(multi, write);
    const replies = await multi.exec();
    if (replies === null) return false;
    // MULTI applies what it can; an error reply (OOM …) inside it is still the caller's failure.
    for (const [error] of replies) if (error !== null) throw error;
    return true;
  }
}

function record(multi: ChainablePipeline, write: TxnWrite): void {
  if (write.kind === 'delete') {
    multi.del(write.key);
    return;
  }
  const { key, data, ttl } = write;
  if (ttl === undefined) multi.set(key, data);
  else if (ttl === 'keep') multi.set(key, data, 'KEEPTTL');
  else multi.set(key, data, 'PX', ttl);
}
