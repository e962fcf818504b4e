/**
 * Deadlines on a coarse shared clock. At 100k+ commands a second, one
 * setTimeout per command costs more than the command; instead every pending
 * deadline sits in a FIFO list per timeout length (so each list is already in
 * deadline order) and one unref'd interval expires the heads of the lists.
 * Settling an entry unlinks it in O(1), so nothing finished is kept around.
 */

/** An entry the caller extends; `expire` runs at most once, on the timer. */
export abstract class Deadline {
  /** @internal */ deadlineAt = 0;
  /** @internal */ prev: Deadline | undefined = undefined;
  /** @internal */ next: Deadline | undefined = undefined;
  /** @internal */ list: DeadlineList | undefined = undefined;

  /** Called once when the deadline passes while the entry is still armed. */
  abstract expire(): void;

  /** Called instead of {@link expire} when everything is torn down early; defaults to expiring. */
  cancel(_reason: Error): void {
    this.expire();
  }
}

class DeadlineList {
  head: Deadline | undefined = undefined;
  tail: Deadline | undefined = undefined;
  size = 0;
}

export interface DeadlinesOptions {
  /** How often the timer looks at the lists; also the worst-case lateness. */
  resolutionMs?: number;
  now?: () => number;
}

export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>();
  readonly #resolutionMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #armed = 0;

  constructor(options: DeadlinesOptions = {}) {
    this.#resolutionMs = options.resolutionMs ?? 10;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Number of entries currently armed. */
  get size(): number {
    return this.#armed;
  }

  /**
   * Arms `entry` to expire `timeoutMs` after `startedAt` (default: now). A
   * non-finite timeout never expires. Passing `startedAt` saves a clock read
   * on the hot path and makes the deadline count time spent before arming.
   */
  arm(entry: Deadline, timeoutMs: number, startedAt?: number): void {
    if (!Number.isFinite(timeoutMs)) return;
    let list = this.#lists.get(timeoutMs);
    if (list === undefined) {
      list = new DeadlineList();
      this.#lists.set(timeoutMs, list);
    }
    entry.deadlineAt = (startedAt ?? this.#now()) + timeoutMs;
    entry.list = list;
    entry.prev = list.tail;
    entry.next = undefined;
    if (list.tail === undefined) list.head = entry;
    else list.tail.next = entry;
    list.tail = entry;
    list.size++;
    this.#armed++;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#resolutionMs);
      this.#timer.unref();
    }
  }

  /** Disarms `entry`; safe to call on an entry that is not armed. */
  disarm(entry: Deadline): void {
    const list = entry.list;
    if (list === undefined) return;
    if (entry.prev === undefined) list.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) list.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = entry.next = entry.list = undefined;
    list.size--;
    this.#armed--;
  }

  /** Cancels every armed entry now with `reason` (used by destroy) and stops the timer. */
  cancelAll(reason: Error): void {
    for (const list of this.#lists.values()) {
      while (list.head !== undefined) {
        const entry = list.head;
        this.disarm(entry);
        entry.cancel(reason);
      }
    }
    this.#lists.clear();
    this.#stopIfIdle();
  }

  #tick(): void {
    const now = this.#now();
    for (const [timeoutMs, list] of this.#lists) {
      while (list.head !== undefined && list.head.deadlineAt <= now) {
        const entry = list.head;
        this.disarm(entry);
        entry.expire();
      }
      if (list.size === 0) this.#lists.delete(timeoutMs);
    }
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#armed === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
