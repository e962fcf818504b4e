/** One entry of a log, as every read returns it. */
export interface LogEntry<T> {
  /**
   * The stream id Redis gave it, `<ms>-<seq>`: unique in its log, increasing
   * in append order. Pass it as `after` to read (or follow) from there.
   */
  readonly id: string;
  /** When it was appended: the milliseconds part of `id` (the Redis server's clock), epoch ms. */
  readonly timestamp: number;
  /** The entry, as the schema returned it. */
  readonly value: T;
}

/** Options of `log.range(logId, options)`. */
export interface LogRangeOptions {
  /** Only entries after this id (exclusive), e.g. the last one a client has. Default: from the oldest. */
  after?: string;
  /** Only entries before this id (exclusive). Default: up to the newest. */
  before?: string;
  /** Most entries returned, oldest first. Integer 1 to 10,000. Required: a log may be long. */
  limit: number;
}

/** Options of `log.follow(logId, options)`. */
export interface LogFollowOptions {
  /**
   * Deliver the entries after this id (exclusive) first, then new ones as
   * they arrive: pass the last id you have to miss nothing in between
   * (`'0-0'` replays the whole log). Default: only entries appended after the
   * follow started; `ready` resolves once that point is fixed.
   */
  after?: string;
  /** Ends the iteration (cleanly, `done`) when it fires; the lease is released. */
  signal?: AbortSignal;
  /**
   * How long one `XREAD BLOCK` waits on the server before it is sent again,
   * in ms. Integer 100 to 60,000. Default 5000. Only bounds how soon a
   * silent server (a paused process, a dead network path) is noticed: the
   * read's deadline is this plus the client's `commandTimeoutMs`. New
   * entries are delivered as they arrive either way.
   */
  blockMs?: number;
  /**
   * Most entries read at once, and most held unconsumed: reading pauses
   * while this many wait for the consumer, so a slow consumer is not
   * flooded. Integer 1 to 10,000. Default 100.
   */
  batchSize?: number;
}

/**
 * `for await (const entry of log.follow('room-1'))`. Holds one leased
 * connection (never a lane) for its whole life and gives it back when it
 * ends: on `break` / `return()`, `close()`, the `signal`, the log's or the
 * client's close. While Redis is unreachable it retries in the background
 * (with the client's reconnect backoff) and resumes after the last entry it
 * read, so an entry is neither missed nor repeated; `lastError` says why it
 * is waiting. An entry the schema refuses ends it: the entries before it are
 * delivered, then `next()` rejects with the `ValidationError`.
 */
export interface LogFollower<T> extends AsyncIterableIterator<LogEntry<T>, undefined>, AsyncDisposable {
  /**
   * Resolves once the starting point is fixed: anything appended from then
   * on is delivered. At once when `after` was given; otherwise after the
   * first round trip to Redis (later, if Redis is down). Rejects only if the
   * follow failed before that; resolves if it was closed first.
   */
  readonly ready: Promise<void>;
  /** The id of the last entry handed out by `next()`, or `after` (or undefined) before the first. */
  readonly lastId: string | undefined;
  /** Entries read and not consumed yet. */
  readonly buffered: number;
  /** Why it is retrying right now (Redis unreachable, no lease to be had), or undefined while it reads. */
  readonly lastError: Error | undefined;
  /** True once it ended, for whatever reason. */
  readonly closed: boolean;
  /** Ends it now; buffered entries are discarded and the lease released before this resolves. */
  return(): Promise<IteratorResult<LogEntry<T>, undefined>>;
  /** Same as {@link LogFollower.return}. Idempotent. */
  close(): Promise<void>;
}
