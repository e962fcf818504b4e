/**
 * Rate limiter throughput: redis-kit's three algorithms beside
 * rate-limiter-flexible's RateLimiterRedis (over ioredis), 50 concurrent
 * callers, keys spread over 1,000 ids or all on one hot key, against a
 * redis-server this script starts (and stops) itself on a free port.
 *
 *   npm run build && node build/bench/rate-limit.js [--write]
 *
 * Environment: BENCH_SECONDS (measured seconds per cell, default 3),
 * BENCH_WARMUP_MS (default 300), BENCH_ROUNDS (passes over the matrix,
 * default 2), BENCH_CALLERS (default 50), REDIS_SERVER (the binary).
 *
 * `--write` replaces the part of docs/rate-limiting.md between the
 * `<!-- bench:rate-limit:start -->` and `<!-- bench:rate-limit:end -->` markers.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createRateLimiter, type RateLimitAlgorithm } from '../src/rate-limit/index.js';
import { logErrors, runCallers } from './support/callers.js';
import { measuredCells, measuredColumns } from './support/cell-columns.js';
import { type MeasuredCell, measuredCell } from './support/cell-result.js';
import { connectIoredis, connectKit, quitIoredis } from './support/connections.js';
import { docPath, replaceDocSection } from './support/docs.js';
import { formatOps } from './support/format.js';
import { markdownTable } from './support/markdown.js';
import { hasFlag, positiveNumber, readTiming } from './support/options.js';
import { type BenchRedisServer, startRedisServer } from './support/redis-server.js';
import { Rounds, roundOrder } from './support/rounds.js';
import { checkOwnServer } from './support/server-check.js';

const { seconds: SECONDS, warmupMs: WARMUP_MS, rounds: ROUNDS } = readTiming({ seconds: 3, warmupMs: 300, rounds: 2 });
const CALLERS = Math.round(positiveNumber('BENCH_CALLERS', 50));
const WRITE = hasFlag('--write');
/** The rule every limiter enforces: 100 per second per key. */
const LIMIT = 100;
const WINDOW_MS = 1000;
const SPREAD_KEYS = 1000;

interface Workload {
  id: 'spread' | 'hot';
  label: string;
  key: () => string;
}

const SPREAD_IDS = Array.from({ length: SPREAD_KEYS }, (_, i) => `user-${i}`);
const WORKLOADS: readonly Workload[] = [
  {
    id: 'spread',
    label: `${SPREAD_KEYS.toLocaleString('en-US')} keys`,
    key: () => SPREAD_IDS[(Math.random() * SPREAD_KEYS) | 0] as string,
  },
  { id: 'hot', label: 'one hot key', key: () => 'hot' },
];

/** One consume, however the limiter says it: true allowed, false denied. */
interface Target {
  consume(key: string): Promise<boolean>;
  close(): Promise<void>;
}

interface Peer {
  id: string;
  name: string;
  open(port: number): Promise<Target>;
}

function kitPeer(algorithm: RateLimitAlgorithm): Peer {
  return {
    id: `kit-${algorithm}`,
    name: `redis-kit ${algorithm}`,
    async open(port) {
      const redis = await connectKit(port);
      const limiter = createRateLimiter(redis, { limit: LIMIT, windowMs: WINDOW_MS, algorithm, prefix: 'bench' });
      return {
        consume: async (key) => (await limiter.consume(key)).allowed,
        close: () => redis.close(),
      };
    },
  };
}

function flexiblePeer(autoPipelining: boolean): Peer {
  return {
    id: autoPipelining ? 'rlf-ap' : 'rlf',
    name: `rate-limiter-flexible RateLimiterRedis, ioredis${autoPipelining ? ' + enableAutoPipelining' : ''}`,
    async open(port) {
      const redis = await connectIoredis(port, { enableAutoPipelining: autoPipelining });
      // Its rule in its units: points per `duration` seconds.
      const limiter = new RateLimiterRedis({
        storeClient: redis,
        useRedisPackage: false,
        points: LIMIT,
        duration: WINDOW_MS / 1000,
        keyPrefix: 'rlflx',
      });
      return {
        async consume(key) {
          try {
            await limiter.consume(key);
            return true;
          } catch (rejection) {
            // A denial rejects with a RateLimiterRes; anything else is an error.
            if (rejection instanceof RateLimiterRes) return false;
            throw rejection;
          }
        },
        close: () => quitIoredis(redis),
      };
    },
  };
}

const PEERS: readonly Peer[] = [
  kitPeer('sliding-window'),
  kitPeer('token-bucket'),
  kitPeer('fixed-window'),
  flexiblePeer(false),
  flexiblePeer(true),
];

interface CellResult extends MeasuredCell {
  /** Share of the consumes in the window that were allowed, 0 to 1. */
  allowedShare: number;
}

async function runCell(peer: Peer, workload: Workload, server: BenchRedisServer): Promise<CellResult> {
  const target = await peer.open(server.port);
  let allowed = 0;
  const run = await runCallers({
    callers: CALLERS,
    warmupMs: WARMUP_MS,
    seconds: SECONDS,
    serverPid: server.pid,
    op: () => target.consume(workload.key()),
    onMeasured: (ok) => {
      if (ok) allowed++;
    },
  });
  await target.close();
  logErrors(`${peer.name} / ${workload.id}`, run);
  return { ...measuredCell(run, SECONDS), allowedShare: run.ops === 0 ? 0 : allowed / run.ops };
}

/** Empties the server between cells, and checks it is our process answering. */
async function flush(server: BenchRedisServer): Promise<string> {
  const redis = await connectIoredis(server.port);
  try {
    const version = await checkOwnServer(redis, server);
    await redis.flushall();
    return version ?? 'unknown';
  } finally {
    await quitIoredis(redis);
  }
}

// ---------------------------------------------------------------------------
// Reporting.

type Results = Rounds<CellResult>;
const cellKey = (peer: Peer, workload: Workload): string => `${peer.id}@${workload.id}`;

const fmtMs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function report(results: Results, redisVersion: string, elapsedS: number): string {
  const reference = PEERS.find((p) => p.id === 'rlf') as Peer;
  const header =
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; Node.js ${process.version}; Redis ${redisVersion} (local, no persistence); ` +
    `\`nproc\` ${availableParallelism()}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; 1-min load ${loadavg()[0]?.toFixed(2)} at the end; ` +
    `${CALLERS} concurrent callers in one process; rule ${LIMIT} per ${WINDOW_MS} ms per key; ` +
    `${WARMUP_MS} ms warm-up + ${SECONDS} s measured per cell, best of ${ROUNDS} rounds (run took ${Math.round(elapsedS)} s).`;
  const rows: string[][] = [];
  for (const workload of WORKLOADS) {
    const base = results.best(cellKey(reference, workload)).best.opsPerSec;
    for (const peer of PEERS) {
      const { best: cell, all } = results.best(cellKey(peer, workload));
      rows.push([
        workload.label,
        peer.name,
        formatOps(cell.opsPerSec),
        (cell.opsPerSec / base).toFixed(2),
        `${(cell.allowedShare * 100).toFixed(0)}%`,
        ...measuredCells(cell, all, fmtMs),
      ]);
    }
  }
  const table = markdownTable(
    [
      { title: 'Keys', align: 'left' },
      { title: 'Limiter', align: 'left' },
      { title: 'consumes/s', align: 'right' },
      { title: 'vs RLF', align: 'right' },
      { title: 'allowed', align: 'right' },
      ...measuredColumns('consumes'),
    ],
    rows,
  );
  return `${header}\n\n${table}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const server = await startRedisServer();
  try {
    const redisVersion = await flush(server);
    const results: Results = new Rounds();
    for (let round = 0; round < ROUNDS; round++) {
      for (const workload of WORKLOADS) {
        for (const peer of roundOrder(PEERS, round)) {
          await flush(server);
          const result = await runCell(peer, workload, server);
          results.add(cellKey(peer, workload), result);
          console.log(
            `  round ${round + 1}/${ROUNDS}  ${workload.label.padEnd(12)} ${peer.name.padEnd(70)} ${formatOps(result.opsPerSec).padStart(8)}/s  ` +
              `allowed ${(result.allowedShare * 100).toFixed(0).padStart(3)}%  p50 ${fmtMs(result.p50Ms)} ms  p99 ${fmtMs(result.p99Ms)} ms`,
          );
        }
      }
    }
    const table = report(results, redisVersion, (performance.now() - started) / 1000);
    console.log(`\n${table}\n`);
    if (WRITE) replaceDocSection(docPath('rate-limiting.md'), 'bench:rate-limit', table);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
