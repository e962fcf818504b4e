/**
 * Results over several rounds, the best of which is reported: on a shared machine, noise only
 * ever slows a run down.
 */

/** One cell's result in one round. */
export interface RoundResult {
  opsPerSec: number;
  errors: number;
}

/** A cell's best round, and every round in the order run. */
export interface BestOf<R> {
  best: R;
  all: R[];
}

/** Every round's result per cell, by a key naming the cell. */
export class Rounds<R extends RoundResult> {
  readonly #results = new Map<string, R[]>();

  /** Adds one round's result for cell `key`. */
  add(key: string, result: R): void {
    this.#results.set(key, [...(this.#results.get(key) ?? []), result]);
  }

  /** Cell `key`'s round with the most ops/s (the first of equals), or undefined when it has none. */
  find(key: string): BestOf<R> | undefined {
    const all = this.#results.get(key) ?? [];
    const top = all.reduce<R | undefined>((a, b) => (a === undefined || b.opsPerSec > a.opsPerSec ? b : a), undefined);
    return top === undefined ? undefined : { best: top, all };
  }

  /** Like {@link find}, but throws when cell `key` has no result. */
  best(key: string): BestOf<R> {
    const found = this.find(key);
    if (found === undefined) throw new Error(`no result for ${key}`);
    return found;
  }
}

/** The order to run `items` in, round `round` (from 0): reversed on every other round, so neighbours run seconds apart. */
export function roundOrder<T>(items: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? items : [...items].reverse();
}

/** Errors summed over rounds. */
export function totalErrors(all: readonly RoundResult[]): number {
  return all.reduce((sum, r) => sum + r.errors, 0);
}
