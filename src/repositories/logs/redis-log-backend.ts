import type { RedisClient } from '../../client/client.js';
import type { Lease } from '../../lease/leased-connection.js';
import type { BlockingReader, EntryBounds, LogBackend, RawEntry } from './log-backend.js';
import { VALUE_FIELD } from './log-backend.js';

/**
 * Message logs on Redis Streams. Reads and appends go over the lanes; only a
 * follow's `XREAD BLOCK` takes a lease, so it never stalls a lane.
 */
export class RedisLogBackend implements LogBackend {
  readonly #redis: RedisClient;
  /** Binary codecs are read back as Buffers; text ones as strings (cheaper). */
  readonly #buffer: boolean;

  constructor(redis: RedisClient, binary: boolean) {
    this.#redis = redis;
    this.#buffer = binary;
  }

  async append(key: string, data: string | Buffer, maxLen: number | undefined, ttlMs: number | undefined): Promise<string> {
    if (ttlMs === undefined) {
      const cap = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
      return String(await this.#redis.sendCommand('xadd', [key, ...cap, '*', VALUE_FIELD, data]));
    }
    // One MULTI: an entry is never written without its log's expiry being refreshed.
    const multi = this.#redis.multi();
    if (maxLen === undefined) multi.xadd(key, '*', VALUE_FIELD, data);
    else multi.xadd(key, 'MAXLEN', '~', maxLen, '*', VALUE_FIELD, data);
    const replies = await multi.pexpire(key, ttlMs).exec();
    const [added, expired] = replies ?? [];
    if (added?.[0]) throw added[0];
    if (expired?.[0]) throw expired[0];
    return String(added?.[1]);
  }

  async range(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]> {
    const start = bounds.after === undefined ? '-' : `(${bounds.after}`;
    const end = bounds.before === undefined ? '+' : `(${bounds.before}`;
    return parseEntries(await this.#redis.sendCommand('xrange', [key, start, end, 'COUNT', count], { buffer: this.#buffer }));
  }

  async reverseRange(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]> {
    const start = bounds.after === undefined ? '-' : `(${bounds.after}`;
    const end = bounds.before === undefined ? '+' : `(${bounds.before}`;
    return parseEntries(await this.#redis.sendCommand('xrevrange', [key, end, start, 'COUNT', count], { buffer: this.#buffer }));
  }

  withReader<T>(key: string, fn: (reader: BlockingReader) => Promise<T>, signal: AbortSignal): Promise<T> {
    // CLIENT UNBLOCK over a lane reaches the leased connection's server only when there is one server: client ids
    // are per node, so on a Cluster (or across a Sentinel failover) it could wake someone else's command.
    const wake = this.#redis.options.mode === 'standalone' ? this.#redis : undefined;
    // Keyed: on a Cluster the lease is on the stream's node before the first XREAD, not connected by it.
    return this.#redis.lease(key, (connection) => fn(new LeaseReader(wake, connection, this.#buffer)), { signal });
  }
}

class LeaseReader implements BlockingReader {
  /** Where CLIENT UNBLOCK is sent (the lanes), or undefined where it must not be. */
  readonly #wake: RedisClient | undefined;
  readonly #connection: Lease;
  readonly #buffer: boolean;
  /** The leased connection's CLIENT ID, for CLIENT UNBLOCK; undefined when the server would not say (ACL). */
  readonly #clientId: Promise<string | undefined>;

  constructor(wake: RedisClient | undefined, connection: Lease, buffer: boolean) {
    this.#wake = wake;
    this.#connection = connection;
    this.#buffer = buffer;
    // Not awaited: it is written ahead of the first XREAD on the same connection, so it costs no round trip of its own.
    this.#clientId =
      wake === undefined
        ? Promise.resolve(undefined)
        : connection.sendCommand('client', ['id']).then(
            (id) => String(id),
            () => undefined,
          );
  }

  async interrupt(): Promise<boolean> {
    const id = await this.#clientId;
    if (this.#wake === undefined || id === undefined) return false;
    // Over a lane, since the leased connection is busy blocking: the XREAD then answers nil and the lease is given
    // back clean. 0 (not blocked yet, or any more) or a refusal: the read is aborted instead.
    const unblocked = await this.#wake.sendCommand('client', ['unblock', id]).catch(() => 0);
    return unblocked === 1;
  }

  async lastId(key: string): Promise<string | undefined> {
    const [newest] = parseEntries(await this.#connection.sendCommand('xrevrange', [key, '+', '-', 'COUNT', 1]));
    return newest?.id;
  }

  async read(key: string, afterId: string, count: number, blockMs: number): Promise<RawEntry[]> {
    const reply = await this.#connection.sendCommand('xread', ['COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, afterId], {
      buffer: this.#buffer,
    });
    // null when BLOCK timed out; else one [key, entries] pair for the one stream asked for.
    if (!Array.isArray(reply)) return [];
    const stream: unknown = reply[0];
    return Array.isArray(stream) ? parseEntries(stream[1]) : [];
  }
}

/** XRANGE/XREAD entries, `[[id, [field, value, …]], …]`, into raw entries; anything malformed is skipped field by field. */
function parseEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: RawEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item)) continue;
    const [id, fields] = item as [unknown, unknown];
    entries.push({ id: String(id), data: valueField(fields) });
  }
  return entries;
}

function valueField(fields: unknown): string | Buffer | undefined {
  if (!Array.isArray(fields)) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (String(fields[i]) === VALUE_FIELD) {
      const value: unknown = fields[i + 1];
      if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
    }
  }
  return undefined;
}
