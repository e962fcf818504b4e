import type { RedisClient } from '../../client/client.js';
import { AbortedError } from '../../errors.js';
import { compareEntryIds } from './entry-ids.js';
import type { BlockingReader, EntryBounds, LogBackend, RawEntry } from './log-backend.js';

/** One log in memory: its entries in id order and the last id it gave out (kept when trimmed, as Redis does). */
interface MemoryStream {
  entries: RawEntry[];
  lastMs: number;
  lastSeq: number;
  expiry: NodeJS.Timeout | undefined;
}

/** The logs of one `memory://` client, shared by every MessageLog made on it, as keys in Redis would be. */
const stores = new WeakMap<RedisClient, MemoryLogBackend>();

/**
 * Message logs in process memory, for `REDIS_URL=memory://`: the same API
 * and the same semantics as on Redis — increasing `<ms>-<seq>` ids, `maxLen`
 * trimming (exact here), a TTL refreshed on append, and follows woken by
 * appends in this process. Nothing is shared with other processes, and
 * everything is lost when the process ends.
 */
export class MemoryLogBackend implements LogBackend {
  readonly #streams = new Map<string, MemoryStream>();
  /** Follows waiting for a key's next append. */
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #now: () => number;

  /** The store of `redis`, created on first use. */
  static of(redis: RedisClient): MemoryLogBackend {
    let store = stores.get(redis);
    if (store === undefined) {
      store = new MemoryLogBackend();
      stores.set(redis, store);
    }
    return store;
  }

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async append(key: string, data: string | Buffer, maxLen: number | undefined, ttlMs: number | undefined): Promise<string> {
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = { entries: [], lastMs: 0, lastSeq: -1, expiry: undefined };
      this.#streams.set(key, stream);
    }
    const now = this.#now();
    // As Redis: the clock's ms, or the last id's ms with the next sequence number when the clock has not moved on.
    if (now > stream.lastMs) {
      stream.lastMs = now;
      stream.lastSeq = 0;
    } else {
      stream.lastSeq++;
    }
    const id = `${stream.lastMs}-${stream.lastSeq}`;
    // A copy: the caller's Buffer must not change what was stored.
    stream.entries.push({ id, data: typeof data === 'string' ? data : Buffer.from(data) });
    if (maxLen !== undefined && stream.entries.length > maxLen) stream.entries.splice(0, stream.entries.length - maxLen);
    if (ttlMs !== undefined) {
      clearTimeout(stream.expiry);
      stream.expiry = setTimeout(() => this.#streams.delete(key), ttlMs);
      stream.expiry.unref();
    }
    this.#wake(key);
    return id;
  }

  async range(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]> {
    return this.#within(key, bounds).slice(0, count);
  }

  async reverseRange(key: string, bounds: EntryBounds, count: number): Promise<RawEntry[]> {
    return this.#within(key, bounds).slice(-count).reverse();
  }

  withReader<T>(_key: string, fn: (reader: BlockingReader) => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(new AbortedError('the follow was aborted', { cause: signal.reason }));
    const reader: BlockingReader = {
      lastId: async (key) => this.#streams.get(key)?.entries.at(-1)?.id,
      read: (key, afterId, count, blockMs) => this.#read(key, afterId, count, blockMs, signal),
      // Nothing to give back clean in memory: the abort that follows ends the wait.
      interrupt: async () => false,
    };
    return fn(reader);
  }

  async #read(key: string, afterId: string, count: number, blockMs: number, signal: AbortSignal): Promise<RawEntry[]> {
    const ready = this.#within(key, { after: afterId }).slice(0, count);
    if (ready.length > 0) return ready;
    await this.#waitForAppend(key, blockMs, signal);
    return this.#within(key, { after: afterId }).slice(0, count);
  }

  #waitForAppend(key: string, blockMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const settle = (error?: AbortedError): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wake = (): void => settle();
      const onAbort = (): void => settle(new AbortedError('the follow was aborted', { cause: signal.reason }));
      // Like XREAD BLOCK's timeout: the caller reads again, so a wait is never unbounded.
      const timer = setTimeout(wake, blockMs);
      set.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(key: string): void {
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    for (const wake of [...waiters]) wake();
  }

  #within(key: string, bounds: EntryBounds): RawEntry[] {
    const entries = this.#streams.get(key)?.entries ?? [];
    const { after, before } = bounds;
    return entries.filter(
      (entry) =>
        (after === undefined || compareEntryIds(entry.id, after) > 0) && (before === undefined || compareEntryIds(entry.id, before) < 0),
    );
  }
}
