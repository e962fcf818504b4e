import { PoolExhaustedError, PoolTimeoutError } from '../../errors.js';
import { isRedisDown } from '../../fallback/availability.js';
import { Lifecycle } from '../../lifecycle/lifecycle.js';
import type { BlockingReader, LogBackend, RawEntry } from './log-backend.js';
import type { LogEntry, LogFollower } from './types.js';

/** The delays between attempts while Redis cannot be reached: the client's reconnect policy. */
export interface RetryPolicy {
  /** The next delay in ms, or null when there must be no more attempts (the client is closed). */
  next(): number | null;
  reset(): void;
}

export interface FollowSource<T> {
  backend: LogBackend;
  key: string;
  decode(raw: RawEntry): Promise<LogEntry<T>>;
  retry: RetryPolicy;
  /** The follow ended; its log forgets it. */
  ended(follower: FollowIterator<T>): void;
}

export interface FollowSettings {
  after: string | undefined;
  signal: AbortSignal | undefined;
  blockMs: number;
  batchSize: number;
}

interface PendingRead<T> {
  resolve(result: IteratorResult<LogEntry<T>, undefined>): void;
  reject(error: Error): void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A follow: one background loop holds a reader (a lease) and reads with
 * XREAD BLOCK after the last id it read, into a buffer the consumer drains.
 * It reads only while the buffer has room, so a slow consumer holds entries
 * in Redis, not in this process. A failure that means "Redis cannot be
 * reached" lets go of the lease, waits by the client's reconnect backoff and
 * starts again from the same id; anything else ends the follow with that
 * error, after the entries read before it.
 */
export class FollowIterator<T> extends Lifecycle implements LogFollower<T> {
  readonly #source: FollowSource<T>;
  readonly #settings: FollowSettings;
  readonly #buffer: LogEntry<T>[] = [];
  readonly #reads: PendingRead<T>[] = [];
  /** Aborts the lease (and a backoff wait) when the follow ends. */
  readonly #controller = new AbortController();
  readonly #onAbort = (): void => void this.close();
  readonly #started: Promise<Error | undefined>;
  #resolveStarted!: (error: Error | undefined) => void;
  readonly #loop: Promise<void>;
  /** The id reads continue after: the last one read (buffered or handed out). */
  #readId: string | undefined;
  #deliveredId: string | undefined;
  #stopped = false;
  /** Handed to the next read once the buffer is empty; then iteration is done. */
  #failure: Error | undefined;
  #lastError: Error | undefined;
  /** The loop waiting for room in the buffer. */
  #wakeLoop: (() => void) | undefined;
  /** The reader while one of its reads is waiting on the server, to be interrupted on stop. */
  #reading: BlockingReader | undefined;
  /** Aborts the lease if an interrupted read has not come back in time. */
  #interruptTimer: NodeJS.Timeout | undefined;

  constructor(source: FollowSource<T>, settings: FollowSettings) {
    super();
    this.#source = source;
    this.#settings = settings;
    this.#readId = settings.after;
    this.#deliveredId = settings.after;
    this.#started = new Promise((resolve) => {
      this.#resolveStarted = resolve;
    });
    if (settings.after !== undefined) this.#resolveStarted(undefined);
    const signal = settings.signal;
    if (signal?.aborted) {
      this.#stop(undefined);
      void this.close();
    } else {
      signal?.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#loop = this.#run();
  }

  /** True once it ended: closed, returned, aborted, failed, or ended by its log. */
  override get closed(): boolean {
    return super.closed || this.#stopped;
  }

  get ready(): Promise<void> {
    return this.#started.then((error) => {
      if (error !== undefined) throw error;
    });
  }

  get lastId(): string | undefined {
    return this.#deliveredId;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<LogEntry<T>, undefined>> {
    const entry = this.#buffer.shift();
    if (entry !== undefined) {
      this.#deliveredId = entry.id;
      this.#wake();
      return Promise.resolve({ done: false, value: entry });
    }
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      return Promise.reject(failure);
    }
    if (this.#stopped) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#reads.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<LogEntry<T>, undefined>> {
    await this.close();
    return DONE;
  }

  /**
   * The log (or the client) is closing: stop reading and let go of the
   * lease now; entries already buffered are still handed out, then done.
   * Resolves once the lease is back.
   */
  end(): Promise<void> {
    this.#stop(undefined);
    return this.#loop;
  }

  protected async onClose(): Promise<void> {
    this.#buffer.length = 0;
    this.#failure = undefined;
    this.#stop(undefined);
    await this.#loop;
  }

  protected onDestroy(error: Error): void {
    this.#buffer.length = 0;
    this.#stop(error);
  }

  async #run(): Promise<void> {
    const { backend, key, retry } = this.#source;
    while (!this.#stopped) {
      try {
        await backend.withReader(key, (reader) => this.#readWith(reader), this.#controller.signal);
      } catch (error) {
        if (this.#stopped) break;
        const failure = error instanceof Error ? error : new Error(String(error));
        const delay = isTransient(failure) ? retry.next() : null;
        if (delay === null) {
          this.#stop(failure);
          break;
        }
        this.#lastError = failure;
        await this.#sleep(delay);
      }
    }
    clearTimeout(this.#interruptTimer);
    this.#source.ended(this);
  }

  /** Reads on one reader until the follow stops or the reader fails. */
  async #readWith(reader: BlockingReader): Promise<void> {
    const { key, decode, retry } = this.#source;
    const { blockMs, batchSize } = this.#settings;
    if (this.#readId === undefined) {
      // "From now" is fixed on the server, once: a retry later resumes from it, not from a new "now".
      this.#readId = (await reader.lastId(key)) ?? '0-0';
      this.#resolveStarted(undefined);
    }
    while (!this.#stopped) {
      await this.#room(batchSize);
      if (this.#stopped) return;
      let raws: RawEntry[];
      this.#reading = reader;
      try {
        raws = await reader.read(key, this.#readId, batchSize - this.#buffer.length, blockMs);
      } finally {
        this.#reading = undefined;
      }
      retry.reset();
      this.#lastError = undefined;
      for (const raw of raws) {
        if (this.#stopped) return;
        // A ValidationError here ends the follow; the entries before it stay buffered.
        const entry = await decode(raw);
        this.#readId = raw.id;
        this.#push(entry);
      }
    }
  }

  #push(entry: LogEntry<T>): void {
    const read = this.#reads.shift();
    if (read !== undefined) {
      this.#deliveredId = entry.id;
      read.resolve({ done: false, value: entry });
    } else {
      this.#buffer.push(entry);
    }
  }

  /** Resolves when the buffer has room for more (at once, usually). */
  #room(limit: number): Promise<void> {
    if (this.#buffer.length < limit) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wakeLoop = resolve;
    });
  }

  #wake(): void {
    const wake = this.#wakeLoop;
    this.#wakeLoop = undefined;
    wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#controller.signal;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #interrupt(reader: BlockingReader): void {
    const abort = (): void => this.#controller.abort();
    this.#interruptTimer = setTimeout(abort, INTERRUPT_GRACE_MS);
    reader.interrupt().then((woken) => {
      if (!woken) abort();
    }, abort);
  }

  /** No more reading: the lease is let go; pending reads get `error`, or done. */
  #stop(error: Error | undefined): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#settings.signal?.removeEventListener('abort', this.#onAbort);
    const reader = this.#reading;
    // A read waiting on the server is woken, so the lease comes back clean and its connection is reused;
    // destroy() is "at once", and anything else (no read out, the wake failed or is slow) aborts the lease.
    if (reader === undefined || error !== undefined) this.#controller.abort();
    else this.#interrupt(reader);
    this.#wake();
    this.#resolveStarted(error);
    const reads = this.#reads.splice(0);
    if (error !== undefined && reads.length === 0) this.#failure = error;
    for (const read of reads) {
      if (error === undefined) read.resolve(DONE);
      else read.reject(error);
    }
  }
}

/** How long an interrupted read may take to come back before its lease is aborted. */
const INTERRUPT_GRACE_MS = 1000;

/** Failures a follow waits out: Redis unreachable, or no lease to be had for now. */
function isTransient(error: Error): boolean {
  return isRedisDown(error) || error instanceof PoolTimeoutError || error instanceof PoolExhaustedError;
}
