import type { MeasuredCell } from './cell-result.js';
import { formatRounds, formatUs } from './format.js';
import type { Column } from './markdown.js';
import { totalErrors } from './rounds.js';

/**
 * The columns that close a results table: p50 ms, p99 ms, Node CPU µs/op, Redis CPU µs/op,
 * `every round, <unit>/s` and errors. Fill them with {@link measuredCells}.
 *
 * @param unit - what the rounds column counts per second, e.g. `ops`
 */
export function measuredColumns(unit: string): Column[] {
  return [
    { title: 'p50 ms', align: 'right' },
    { title: 'p99 ms', align: 'right' },
    { title: 'Node CPU µs/op', align: 'right' },
    { title: 'Redis CPU µs/op', align: 'right' },
    { title: `every round, ${unit}/s`, align: 'left' },
    { title: 'errors', align: 'right' },
  ];
}

/**
 * The cells of {@link measuredColumns} for one table row: latencies and CPU of the best round,
 * every round's ops/s, and the errors of all rounds.
 *
 * @param formatMs - how this table writes milliseconds
 */
export function measuredCells(best: MeasuredCell, all: readonly MeasuredCell[], formatMs: (ms: number) => string): string[] {
  return [
    formatMs(best.p50Ms),
    formatMs(best.p99Ms),
    formatUs(best.clientCpuUs),
    formatUs(best.serverCpuUs),
    formatRounds(all),
    String(totalErrors(all)),
  ];
}
