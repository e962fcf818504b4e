/**
 * The tables bench/lanes.ts prints and writes into docs/benchmarks.md: GET/SET by callers, the
 * ratios issue #8 sets targets for, the cells of growing work, and the memory cell.
 */
import type { CellOutcome } from './cell-process.js';
import { measuredCells, measuredColumns } from './cell-columns.js';
import { formatOps, plural } from './format.js';
import { markdownTable } from './markdown.js';
import type { Peer, PeerId } from './peers.js';
import type { Rounds } from './rounds.js';
import type { Workload, WorkloadId } from './workloads.js';

export type Results = Rounds<CellOutcome>;

export const cellKey = (workload: WorkloadId, peer: PeerId, callers: number): string => `${workload}:${peer}@${callers}`;

export const fmtMs = (n: number): string => (Number.isNaN(n) ? '—' : n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

/** The peers of `workload` that the run includes. */
export function peersOf(workload: Workload, peers: readonly Peer[]): Peer[] {
  return peers.filter((peer) => workload.peers.includes(peer.id));
}

/** GET/SET: one row per callers × client. */
export function getSetTable(results: Results, workload: Workload, peers: readonly Peer[], callers: readonly number[]): string {
  const rows: string[][] = [];
  for (const c of callers) {
    for (const peer of peersOf(workload, peers)) {
      const { best, all } = results.best(cellKey(workload.id, peer.id, c));
      rows.push([String(c), peer.name, formatOps(best.opsPerSec), ...measuredCells(best, all, fmtMs)]);
    }
  }
  return markdownTable(
    [
      { title: 'Callers', align: 'right' },
      { title: 'Client', align: 'left' },
      { title: 'ops/s', align: 'right' },
      ...measuredColumns('ops'),
    ],
    rows,
  );
}

/** The cells of growing work: ops/s, commands/s, MB/s of replies, latency and CPU. */
export function workTable(results: Results, workloads: readonly Workload[], peers: readonly Peer[]): string {
  const rows: string[][] = [];
  for (const workload of workloads) {
    for (const c of workload.callers) {
      for (const peer of peersOf(workload, peers)) {
        const { best, all } = results.best(cellKey(workload.id, peer.id, c));
        const mb = workload.bytesPerOp === 0 ? '—' : ((best.opsPerSec * workload.bytesPerOp) / 1e6).toFixed(1);
        rows.push([
          `${workload.label}, ${plural(c, 'caller')}`,
          peer.name,
          formatOps(best.opsPerSec),
          formatOps(best.opsPerSec * workload.commandsPerOp),
          mb,
          ...measuredCells(best, all, fmtMs),
        ]);
      }
    }
  }
  return markdownTable(
    [
      { title: 'Work', align: 'left' },
      { title: 'Client', align: 'left' },
      { title: 'ops/s', align: 'right' },
      { title: 'commands/s', align: 'right' },
      { title: 'reply MB/s', align: 'right' },
      ...measuredColumns('ops'),
    ],
    rows,
  );
}

/** Memory held per command with 10,000 in flight: the best (lowest) round, and every round. */
export function memoryTable(results: Results, workload: Workload, peers: readonly Peer[]): string {
  const rows = peersOf(workload, peers).map((peer) => {
    const { all } = results.best(cellKey(workload.id, peer.id, 1));
    const held = all.map((r) => r.heldBytesPerCommand ?? Number.NaN);
    const best = Math.min(...held);
    return [peer.name, formatOps(best), `${formatOps((best * 10_000) / 1024)} KB`, held.map(formatOps).join(' / ')];
  });
  return markdownTable(
    [
      { title: 'Client', align: 'left' },
      { title: 'bytes per command', align: 'right' },
      { title: 'for 10,000', align: 'right' },
      { title: 'every round, bytes per command', align: 'left' },
    ],
    rows,
  );
}

type Metric = 'ops' | 'p99' | 'cpu';

/** A ratio of two clients' cells, and issue #8's bar for it where it sets one. */
export interface Ratio {
  label: string;
  workload: WorkloadId;
  metric: Metric;
  of: PeerId;
  to: PeerId;
  /** Bars by callers: at least (`>=`) or at most (`<=`) `value`. */
  targets?: Readonly<Record<number, { cmp: '>=' | '<='; value: number }>>;
}

export const RATIOS: readonly Ratio[] = [
  {
    label: "lanes (2, 'resp') / raw ioredis, ops/s",
    workload: 'getset',
    metric: 'ops',
    of: 'lanes2-resp',
    to: 'raw',
    targets: { 1: { cmp: '>=', value: 1 }, 50: { cmp: '>=', value: 2 }, 500: { cmp: '>=', value: 2.5 } },
  },
  {
    label: "lanes (2, 'resp') / ioredis + autopipelining, ops/s",
    workload: 'getset',
    metric: 'ops',
    of: 'lanes2-resp',
    to: 'raw-ap',
    targets: { 500: { cmp: '>=', value: 1.5 } },
  },
  {
    label: "lanes (2, 'resp') / raw ioredis, p99",
    workload: 'getset',
    metric: 'p99',
    of: 'lanes2-resp',
    to: 'raw',
    targets: { 50: { cmp: '<=', value: 1 } },
  },
  {
    label: "lanes (2, 'resp') / raw ioredis, Node CPU per op",
    workload: 'getset',
    metric: 'cpu',
    of: 'lanes2-resp',
    to: 'raw',
    targets: { 50: { cmp: '<=', value: 0.6 } },
  },
  {
    label: "lease per command ('resp') / generic-pool + ioredis, ops/s",
    workload: 'getset',
    metric: 'ops',
    of: 'lease-resp',
    to: 'gpool',
    targets: { 50: { cmp: '>=', value: 1.2 } },
  },
  { label: "lanes (2, 'resp') / bare loop (the ceiling), ops/s", workload: 'getset', metric: 'ops', of: 'lanes2-resp', to: 'bare' },
  { label: "lanes (2, 'ioredis') / raw ioredis, ops/s", workload: 'getset', metric: 'ops', of: 'lanes2', to: 'raw' },
  { label: "lease per command ('ioredis') / generic-pool + ioredis, ops/s", workload: 'getset', metric: 'ops', of: 'lease', to: 'gpool' },
];

function metricOf(cell: CellOutcome, metric: Metric): number {
  return metric === 'ops' ? cell.opsPerSec : metric === 'p99' ? cell.p99Ms : cell.clientCpuUs;
}

function ratioAt(results: Results, ratio: Ratio, callers: number): number | undefined {
  const of = results.find(cellKey(ratio.workload, ratio.of, callers));
  const to = results.find(cellKey(ratio.workload, ratio.to, callers));
  if (of === undefined || to === undefined) return undefined;
  return metricOf(of.best, ratio.metric) / metricOf(to.best, ratio.metric);
}

/** The ratios by callers, each with its target and whether this run met it. */
export function ratioTable(results: Results, callers: readonly number[]): string {
  const rows = RATIOS.map((ratio) => {
    const verdicts: string[] = [];
    const cells = callers.map((c) => {
      const value = ratioAt(results, ratio, c);
      const target = ratio.targets?.[c];
      if (value === undefined) return '—';
      if (target === undefined) return value.toFixed(2);
      const met = target.cmp === '>=' ? value >= target.value : value <= target.value;
      verdicts.push(`${c}: ${target.cmp === '>=' ? '≥' : '≤'} ${target.value.toFixed(2)} ${met ? 'met' : '**missed**'}`);
      return `**${value.toFixed(2)}**`;
    });
    return [ratio.label, ...cells, verdicts.length === 0 ? '—' : verdicts.join('; ')];
  });
  return markdownTable(
    [
      { title: 'Ratio', align: 'left' },
      ...callers.map((c) => ({ title: plural(c, 'caller'), align: 'right' as const })),
      { title: 'Target (issue #8)', align: 'left' },
    ],
    rows,
  );
}

/** lanes (2, 'resp') against raw ioredis in each cell of growing work (target: ≥ 1.00, memory ≤ 1.00). */
export function workRatioTable(results: Results, workloads: readonly Workload[]): string {
  const rows: string[][] = [];
  for (const workload of workloads) {
    for (const c of workload.callers) {
      const of = results.find(cellKey(workload.id, 'lanes2-resp', c));
      const to = results.find(cellKey(workload.id, 'raw', c));
      if (of === undefined || to === undefined) continue;
      const memory = workload.id === 'queued-10k';
      const pick = (all: CellOutcome[]) => Math.min(...all.map((r) => r.heldBytesPerCommand ?? Number.NaN));
      const value = memory ? pick(of.all) / pick(to.all) : of.best.opsPerSec / to.best.opsPerSec;
      const met = memory ? value <= 1 : value >= 1;
      rows.push([
        `${workload.label}, ${plural(c, 'caller')}`,
        memory ? 'bytes held' : 'ops/s',
        value.toFixed(2),
        `${memory ? '≤' : '≥'} 1.00 ${met ? 'met' : '**missed**'}`,
      ]);
    }
  }
  return markdownTable(
    [
      { title: "lanes (2, 'resp') / raw ioredis", align: 'left' },
      { title: 'of', align: 'left' },
      { title: 'ratio', align: 'right' },
      { title: 'Target', align: 'left' },
    ],
    rows,
  );
}
