/**
 * The measured part of a cell: concurrent caller loops over one operation, with a warm-up and a
 * measured window.
 */
import { type CpuMark, cpuMark, cpuPerOp } from './cpu.js';
import { Samples } from './samples.js';

/** Options of {@link runCallers}. */
export interface RunCallersOptions<T> {
  /** How many loops run at once. */
  callers: number;
  /** Un-measured time before the window, ms. */
  warmupMs: number;
  /** Length of the measured window, s. */
  seconds: number;
  /** One operation; each loop awaits it and goes again. */
  op: () => Promise<T>;
  /** Called for each operation that completes inside the window, with its value (undefined when it failed). */
  onMeasured?: (value: T | undefined) => void;
  /** redis-server's pid, for its CPU time; without it `serverCpuUs` is NaN. */
  serverPid?: number | undefined;
  /** Keep the latency of every n-th operation of a loop only (a power of two). Default 1: all of them. */
  sampleEvery?: number;
  /** Yield to timers and I/O after every n-th operation of a loop (a power of two), for operations that never wait. Default: never. */
  yieldEvery?: number;
}

/** What {@link runCallers} measured. */
export interface CallersResult {
  /** Operations completed inside the window. */
  ops: number;
  /** Latencies (ms) of the operations kept, see {@link RunCallersOptions.sampleEvery}. */
  samples: Samples;
  /** Failed operations, warm-up included. */
  errors: number;
  /** The first failure, if any. */
  firstError: unknown;
  /** CPU time of this process per operation in the window, µs. */
  clientCpuUs: number;
  /** CPU time of the redis-server per operation in the window, µs (NaN where /proc is missing). */
  serverCpuUs: number;
}

/**
 * Runs `callers` loops of `op` for `warmupMs` + `seconds`. An operation counts when it completes
 * inside the window (whenever it started): completions per second is then unbiased by the ops
 * straddling either edge. The CPU marks are taken at the first completion inside the window and
 * the first after it.
 */
export async function runCallers<T>(options: RunCallersOptions<T>): Promise<CallersResult> {
  const { op, onMeasured, serverPid } = options;
  const sampleMask = (options.sampleEvery ?? 1) - 1;
  const yieldMask = options.yieldEvery === undefined ? -1 : options.yieldEvery - 1;
  const samples = new Samples();
  const measureFrom = performance.now() + options.warmupMs;
  const measureUntil = measureFrom + options.seconds * 1000;
  let ops = 0;
  let errors = 0;
  let firstError: unknown;
  let cpuFrom: CpuMark | undefined;
  let cpuUntil: CpuMark | undefined;

  const caller = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      const started = performance.now();
      let value: T | undefined;
      try {
        value = await op();
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      const ended = performance.now();
      if (ended >= measureUntil) {
        cpuUntil ??= cpuMark(serverPid);
        return;
      }
      if (ended >= measureFrom) {
        cpuFrom ??= cpuMark(serverPid);
        ops++;
        if ((i & sampleMask) === 0) samples.push(ended - started);
        onMeasured?.(value);
      }
      if (yieldMask >= 0 && (i & yieldMask) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: options.callers }, caller));
  return {
    ops,
    samples,
    errors,
    firstError,
    clientCpuUs: cpuPerOp(cpuFrom?.client, cpuUntil?.client, ops),
    serverCpuUs: cpuPerOp(cpuFrom?.server, cpuUntil?.server, ops),
  };
}

/** Logs the errors of a run, if any: `  <label>: <n> errors, first: <error>`. */
export function logErrors(label: string, result: Pick<CallersResult, 'errors' | 'firstError'>): void {
  if (result.firstError !== undefined) console.error(`  ${label}: ${result.errors} errors, first:`, result.firstError);
}
