/**
 * Scale-out figures for docs/scale-out.md, on redis-lab topologies (shared/redis-lab):
 *
 * 1. The failover drills of test/integration/failover-drill.test.ts at full length (30 s of
 *    load by default; CI runs them with 10 s): Sentinel kill, kill with writeConcern, the
 *    zombie with min-replicas-to-write; Cluster kill, kill with writeConcern. Each prints one
 *    `drill {json}` line: seconds until writes succeed again, failed writes by code, slowest
 *    write, acknowledged writes lost.
 * 2. What the write concern costs: SET throughput and latency from 50 callers against a
 *    Sentinel master with one replica, without and with `writeConcern: { replicas: 1 }`.
 *
 *   npm run build && REDIS_LAB_DIR=/path/to/shared/redis-lab node build/bench/failover-drill.js
 *
 * Environment: DRILL_LOAD_MS (default 30000), BENCH_SECONDS (per write-concern cell, default 5),
 * BENCH_CALLERS (default 50), REDIS_LAB_DIR. Prints one JSON object per line.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis } from '../src/index.js';
import { startSentinel } from '../test/helpers/redis-lab.js';
import { positiveNumber } from './support/options.js';
import { Samples } from './support/samples.js';

const LOAD_MS = Math.round(positiveNumber('DRILL_LOAD_MS', 30_000));
const SECONDS = positiveNumber('BENCH_SECONDS', 5);
const CALLERS = Math.round(positiveNumber('BENCH_CALLERS', 50));
const here = dirname(fileURLToPath(import.meta.url));

/** Runs the drill suite with the full load and passes its `drill {json}` diagnostics through. */
function runDrills(): Promise<void> {
  const file = join(here, '..', 'test', 'integration', 'failover-drill.test.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--test', '--test-timeout=600000', file],
      { env: { ...process.env, DRILL_LOAD_MS: String(LOAD_MS) }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        for (const line of stdout.split('\n')) {
          const match = /^\s*# drill (\{.*\})$/.exec(line);
          if (match?.[1] !== undefined) console.log(match[1]);
        }
        const failed = /^# fail (\d+)/m.exec(stdout)?.[1];
        if (error !== null || (failed !== undefined && failed !== '0')) reject(new Error(`drills failed:\n${stdout.slice(-4000)}`));
        else resolve();
      },
    );
  });
}

/** SET throughput and latency from CALLERS callers for SECONDS, with and without the write concern. */
async function writeConcernCost(): Promise<void> {
  await using lab = await startSentinel({ replicas: 1 });
  for (const writeConcern of [undefined, { replicas: 1, timeoutMs: 1000 }]) {
    await using redis = createRedis({
      env: {},
      mode: 'sentinel',
      sentinels: lab.sentinels,
      sentinelMaster: lab.masterName,
      ...(writeConcern === undefined ? {} : { writeConcern }),
    });
    await redis.connect();
    const samples = new Samples();
    let failed = 0;
    const stopAt = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let n = 0; performance.now() < stopAt; n++) {
          const started = performance.now();
          try {
            await redis.set(`bench:wc:${caller}`, String(n));
            samples.push(performance.now() - started);
          } catch {
            failed++;
          }
        }
      }),
    );
    const [p50, p99] = samples.percentiles([0.5, 0.99]);
    console.log(
      JSON.stringify({
        bench: 'write-concern',
        writeConcern: writeConcern === undefined ? 'off' : `replicas ${writeConcern.replicas}`,
        callers: CALLERS,
        seconds: SECONDS,
        ops_per_s: Math.round(samples.count / SECONDS),
        p50_ms: Number(p50?.toFixed(2)),
        p99_ms: Number(p99?.toFixed(2)),
        failed,
      }),
    );
  }
}

await writeConcernCost();
await runDrills();
