/**
 * The child process of bench/lanes.ts: runs the one cell given in `BENCH_CELL` (see
 * support/cell-process.ts) and prints its result as one line. Not meant to be run by hand.
 */
import { logErrors, runCallers } from './support/callers.js';
import { type CellOutcome, type CellSpec, RESULT_PREFIX } from './support/cell-process.js';
import { measuredCell } from './support/cell-result.js';
import { peerById } from './support/peers.js';
import { operation, QUEUED_COMMANDS } from './support/workloads.js';

const MEMORY_ROUNDS = 3;

function collectGarbage(): void {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  gc();
  gc();
}

function heldBytes(): number {
  const usage = process.memoryUsage();
  // Encoded commands waiting to be written are Buffers, outside the JS heap.
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Memory held while {@link QUEUED_COMMANDS} GETs are in flight: issued in one tick, measured
 * (after a full GC) before any is written or answered, then awaited. The best of a few rounds.
 */
async function measureQueued(op: () => Promise<unknown>): Promise<CellOutcome> {
  await Promise.all(Array.from({ length: 2000 }, op));
  let best = Number.POSITIVE_INFINITY;
  let elapsedMs = 0;
  for (let round = 0; round < MEMORY_ROUNDS; round++) {
    collectGarbage();
    const before = heldBytes();
    const started = performance.now();
    const pending = Array.from({ length: QUEUED_COMMANDS }, op);
    collectGarbage();
    best = Math.min(best, (heldBytes() - before) / QUEUED_COMMANDS);
    await Promise.all(pending);
    elapsedMs = performance.now() - started;
  }
  return {
    opsPerSec: QUEUED_COMMANDS / (elapsedMs / 1000),
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    clientCpuUs: Number.NaN,
    serverCpuUs: Number.NaN,
    errors: 0,
    heldBytesPerCommand: best,
  };
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_CELL;
  if (raw === undefined) throw new Error('BENCH_CELL is not set: this is the child of bench/lanes.js');
  const spec = JSON.parse(raw) as CellSpec;
  const peer = peerById(spec.peer);
  const target = await peer.open(spec.port);
  const op = operation(spec.workload, target);
  let result: CellOutcome;
  if (spec.workload === 'queued-10k') result = await measureQueued(op);
  else {
    const run = await runCallers({ callers: spec.callers, warmupMs: spec.warmupMs, seconds: spec.seconds, serverPid: spec.serverPid, op });
    logErrors(`${peer.name} ${spec.workload}@${spec.callers}`, run);
    result = measuredCell(run, spec.seconds);
  }
  await target.close();
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
