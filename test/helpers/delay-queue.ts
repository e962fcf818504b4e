interface Scheduled<T> {
  item: T;
  dueAt: number;
}

/**
 * Delivers items in FIFO order, each no earlier than its delay after it was pushed.
 *
 * One timer per queue (not one per item) keeps the order strict: a later item never overtakes
 * an earlier one, even when the delay shrinks mid-stream — it then simply waits for its
 * predecessor, as bytes in a TCP stream would.
 */
export class OrderedDelayQueue<T> {
  readonly #deliver: (item: T) => void;
  readonly #items: Scheduled<T>[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(deliver: (item: T) => void) {
    this.#deliver = deliver;
  }

  /** Queues `item` for delivery after `delayMs` (at once, synchronously, if 0 and idle). */
  push(item: T, delayMs: number): void {
    if (delayMs <= 0 && this.#items.length === 0) {
      this.#deliver(item);
      return;
    }
    this.#items.push({ item, dueAt: performance.now() + delayMs });
    this.#schedule();
  }

  /** Drops everything not delivered yet. */
  clear(): void {
    this.#items.length = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Items waiting for delivery. */
  get size(): number {
    return this.#items.length;
  }

  #schedule(): void {
    const head = this.#items[0];
    if (this.#timer !== undefined || head === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flush();
      },
      Math.max(0, head.dueAt - performance.now()),
    );
  }

  #flush(): void {
    const now = performance.now();
    // Timers may fire a fraction of a millisecond early; such items wait for the next round so
    // the configured delay is a guaranteed minimum.
    for (let head = this.#items[0]; head !== undefined && head.dueAt <= now; head = this.#items[0]) {
      this.#items.shift();
      this.#deliver(head.item);
    }
    this.#schedule();
  }
}
