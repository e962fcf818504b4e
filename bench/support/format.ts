/**
 * Number formatting shared by the benchmark tables and logs.
 */

/** Operations per second: a whole number with thousands separators, e.g. `176,510`. */
export function formatOps(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** CPU µs per operation, one decimal; `—` for NaN (not measured). */
export function formatUs(n: number): string {
  return Number.isNaN(n) ? '—' : n.toFixed(1);
}

/** Every round's ops/s, in the order run, e.g. `176,510 / 171,002`. */
export function formatRounds(all: readonly { opsPerSec: number }[]): string {
  return all.map((r) => formatOps(r.opsPerSec)).join(' / ');
}

/** `1 round`, `2 rounds`: `count` and `noun`, plural but for 1. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
