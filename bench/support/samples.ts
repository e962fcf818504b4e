/**
 * How a percentile picks its sample from `n` sorted ones:
 * `'nearest-rank'` takes index ⌈q·n⌉ − 1; `'floor'` takes index ⌊q·n⌋ (one higher where q·n is whole).
 */
export type PercentileRank = 'nearest-rank' | 'floor';

/** Latencies in ms, appended without allocation per sample; grows by doubling. */
export class Samples {
  #values = new Float64Array(1 << 18);
  #count = 0;

  push(ms: number): void {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * The samples at quantiles `qs` (0 to 1), in ms; NaN when there are none.
   *
   * @param rank - how a quantile maps to a sample, see {@link PercentileRank}
   */
  percentiles(qs: readonly number[], rank: PercentileRank = 'nearest-rank'): number[] {
    const sorted = this.#values.slice(0, this.#count).sort();
    return qs.map((q) => {
      const index = rank === 'floor' ? Math.floor(q * sorted.length) : Math.ceil(q * sorted.length) - 1;
      return sorted[Math.min(sorted.length - 1, Math.max(0, index))] ?? Number.NaN;
    });
  }
}
