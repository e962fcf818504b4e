/**
 * One benchmark cell in a child process of its own: a client's JIT state, garbage and open
 * handles cannot leak into the next client's cell, and every cell starts from the same heap.
 * The parent (bench/lanes.ts) spawns bench/lanes-cell.ts with the cell in `BENCH_CELL` and reads
 * one result line back.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MeasuredCell } from './cell-result.js';
import type { PeerId } from './peers.js';
import type { WorkloadId } from './workloads.js';

/** What the child runs. */
export interface CellSpec {
  peer: PeerId;
  workload: WorkloadId;
  callers: number;
  port: number;
  /** redis-server's pid, for its CPU time (undefined: not measured). */
  serverPid: number | undefined;
  seconds: number;
  warmupMs: number;
}

/** What the child measured. */
export interface CellOutcome extends MeasuredCell {
  /** The memory cell only: heap + Buffer bytes held per command issued, bytes. */
  heldBytesPerCommand?: number;
}

export const RESULT_PREFIX = '@@cell ';
const CHILD = fileURLToPath(new URL('../lanes-cell.js', import.meta.url));

/**
 * Runs `spec` in a fresh `node --expose-gc` process and resolves with its result. With
 * `BENCH_CPU_PROF=<dir>` each child also writes a V8 CPU profile (`--cpu-prof`) into `<dir>`.
 */
export function runCellInChild(spec: CellSpec): Promise<CellOutcome> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile =
    profileDir === undefined || profileDir === ''
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          `--cpu-prof-name=${spec.workload}-${spec.peer}-${spec.callers}-${Date.now()}.cpuprofile`,
        ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', ...profile, CHILD],
      {
        env: { ...process.env, BENCH_CELL: JSON.stringify(spec) },
        maxBuffer: 16 * 1024 * 1024,
        timeout: (spec.seconds * 1000 + spec.warmupMs) * 10 + 60_000,
      },
      (error, stdout, stderr) => {
        if (stderr.trim() !== '') process.stderr.write(stderr);
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
        if (error !== null || line === undefined) {
          reject(new Error(`cell ${spec.peer} ${spec.workload}@${spec.callers} failed: ${error?.message ?? 'no result line'}`));
          return;
        }
        // JSON has no NaN: the child writes null for it.
        const parsed = JSON.parse(line.slice(RESULT_PREFIX.length), (_key, value: unknown) => (value === null ? Number.NaN : value));
        resolve(parsed as CellOutcome);
      },
    );
  });
}
