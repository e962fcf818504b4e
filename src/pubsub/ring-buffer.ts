/** A fixed-capacity FIFO: O(1) push and shift, no array shifting, no growth past `capacity`. */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    // Allocated as it fills, so a large bound costs nothing until it is used.
    this.#items = [];
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length === this.capacity;
  }

  /** Appends `item`; the caller checks {@link full} first. */
  push(item: T): void {
    if (this.full) throw new RangeError('RingBuffer is full');
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
    this.#length = 0;
  }
}
