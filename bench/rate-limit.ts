/**
 * Rate limiter throughput and memory: redis-kit's four algorithms beside
 * rate-limiter-flexible's RateLimiterRedis (over ioredis), 50 concurrent
 * callers, keys spread over 1,000 ids or all on one hot key (at a small and
 * at a high limit), against a redis-server this script starts (and stops)
 * itself on a free port. Then, for each limiter, the Redis memory per key
 * (`MEMORY USAGE … SAMPLES 0` of every key it wrote) after BENCH_MEMORY_UNITS
 * consumes on one key at a high limit.
 *
 *   npm run build && node build/bench/rate-limit.js [--write]
 *
 * Environment: BENCH_SECONDS (measured seconds per cell, default 3),
 * BENCH_WARMUP_MS (default 300), BENCH_ROUNDS (passes over the matrix,
 * default 2), BENCH_CALLERS (default 50), BENCH_MEMORY_UNITS (default
 * 10,000), REDIS_SERVER (the binary).
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
import { type KeyMemory, keyMemory } from './support/key-memory.js';
import { markdownTable } from './support/markdown.js';
import { hasFlag, positiveNumber, readTiming } from './support/options.js';
import { type BenchRedisServer, startRedisServer } from './support/redis-server.js';
import { Rounds, roundOrder } from './support/rounds.js';
import { checkOwnServer } from './support/server-check.js';

const { seconds: SECONDS, warmupMs: WARMUP_MS, rounds: ROUNDS } = readTiming({ seconds: 3, warmupMs: 300, rounds: 2 });
const CALLERS = Math.round(positiveNumber('BENCH_CALLERS', 50));
const WRITE = hasFlag('--write');
const MEMORY_UNITS = Math.round(positiveNumber('BENCH_MEMORY_UNITS', 10_000));
const SPREAD_KEYS = 1000;

/** The rule a limiter enforces per key. */
interface Rule {
  limit: number;
  windowMs: number;
}

/** The small rule: 100 per second per key. */
const SMALL: Rule = { limit: 100, windowMs: 1000 };
/**
 * The high rule: 10,000 per second per key (the most 'sliding-log' accepts).
 * A hot key then stays near the limit, so the log holds ~10,000 entries and
 * trims as many per second.
 */
const HIGH: Rule = { limit: 10_000, windowMs: 1000 };
/** The rule of the memory measurement: high, and a window long enough that nothing ages out while it runs. */
const MEMORY_RULE: Rule = { limit: Math.max(10_000, MEMORY_UNITS), windowMs: 600_000 };

interface Workload {
  id: 'spread' | 'hot' | 'hot-high';
  label: string;
  rule: Rule;
  key: () => string;
}

const SPREAD_IDS = Array.from({ length: SPREAD_KEYS }, (_, i) => `user-${i}`);
const WORKLOADS: readonly Workload[] = [
  {
    id: 'spread',
    label: `${SPREAD_KEYS.toLocaleString('en-US')} keys, ${SMALL.limit}/s`,
    rule: SMALL,
    key: () => SPREAD_IDS[(Math.random() * SPREAD_KEYS) | 0] as string,
  },
  { id: 'hot', label: `one hot key, ${SMALL.limit}/s`, rule: SMALL, key: () => 'hot' },
  { id: 'hot-high', label: `one hot key, ${HIGH.limit.toLocaleString('en-US')}/s`, rule: HIGH, key: () => 'hot' },
];

/** One consume, however the limiter says it: true allowed, false denied. */
interface Target {
  consume(key: string): Promise<boolean>;
  close(): Promise<void>;
}

interface Peer {
  id: string;
  name: string;
  open(port: number, rule: Rule): Promise<Target>;
}

function kitPeer(algorithm: RateLimitAlgorithm): Peer {
  return {
    id: `kit-${algorithm}`,
    name: `redis-kit ${algorithm}`,
    async open(port, rule) {
      const redis = await connectKit(port);
      const limiter = createRateLimiter(redis, { ...rule, algorithm, prefix: 'bench' });
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
    async open(port, rule) {
      const redis = await connectIoredis(port, { enableAutoPipelining: autoPipelining });
      // Its rule in its units: points per `duration` seconds.
      const limiter = new RateLimiterRedis({
        storeClient: redis,
        useRedisPackage: false,
        points: rule.limit,
        duration: rule.windowMs / 1000,
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
  kitPeer('sliding-log'),
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
  const target = await peer.open(server.port, workload.rule);
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

interface MemoryResult extends KeyMemory {
  allowed: number;
}

/** MEMORY_UNITS consumes of one unit on one key (all within the limit), then the memory of every key the limiter wrote. */
async function measureMemory(peer: Peer, server: BenchRedisServer): Promise<MemoryResult> {
  await flush(server);
  const target = await peer.open(server.port, MEMORY_RULE);
  let next = 0;
  let allowed = 0;
  const loop = async (): Promise<void> => {
    while (next++ < MEMORY_UNITS) if (await target.consume('mem')) allowed++;
  };
  await Promise.all(Array.from({ length: CALLERS }, loop));
  await target.close();
  const redis = await connectIoredis(server.port);
  try {
    return { ...(await keyMemory(redis)), allowed };
  } finally {
    await quitIoredis(redis);
  }
}

// ---------------------------------------------------------------------------
// Reporting.

type Results = Rounds<CellResult>;
const cellKey = (peer: Peer, workload: Workload): string => `${peer.id}@${workload.id}`;

const fmtMs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function report(results: Results, memory: Map<string, MemoryResult>, redisVersion: string, elapsedS: number): string {
  const reference = PEERS.find((p) => p.id === 'rlf') as Peer;
  const header =
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; Node.js ${process.version}; Redis ${redisVersion} (local, no persistence); ` +
    `\`nproc\` ${availableParallelism()}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; 1-min load ${loadavg()[0]?.toFixed(2)} at the end; ` +
    `${CALLERS} concurrent callers in one process; the rule per key as the Keys column says; ` +
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
  const units = MEMORY_UNITS.toLocaleString('en-US');
  const memoryRows = PEERS.map((peer) => {
    const m = memory.get(peer.id) as MemoryResult;
    return [peer.name, String(m.keys), m.bytes.toLocaleString('en-US'), m.allExpire ? 'yes' : 'NO', m.allowed.toLocaleString('en-US')];
  });
  const memoryTable = markdownTable(
    [
      { title: 'Limiter', align: 'left' },
      { title: 'keys', align: 'right' },
      { title: 'bytes (MEMORY USAGE)', align: 'right' },
      { title: 'TTL on every key', align: 'right' },
      { title: 'allowed', align: 'right' },
    ],
    memoryRows,
  );
  const memoryHeader =
    `Redis memory of one key after ${units} consumes of 1 unit on it (rule ${MEMORY_RULE.limit.toLocaleString('en-US')} per ` +
    `${MEMORY_RULE.windowMs / 1000} s, so all allowed), \`MEMORY USAGE <key> SAMPLES 0\` summed over every key the limiter wrote:`;
  return `${header}\n\n${table}\n\n${memoryHeader}\n\n${memoryTable}`;
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
            `  round ${round + 1}/${ROUNDS}  ${workload.label.padEnd(24)} ${peer.name.padEnd(70)} ${formatOps(result.opsPerSec).padStart(8)}/s  ` +
              `allowed ${(result.allowedShare * 100).toFixed(0).padStart(3)}%  p50 ${fmtMs(result.p50Ms)} ms  p99 ${fmtMs(result.p99Ms)} ms`,
          );
        }
      }
    }
    const memory = new Map<string, MemoryResult>();
    for (const peer of PEERS) {
      const result = await measureMemory(peer, server);
      memory.set(peer.id, result);
      console.log(`  memory  ${peer.name.padEnd(70)} ${result.keys} key(s), ${result.bytes} bytes, ${result.allowed} allowed`);
    }
    const table = report(results, memory, redisVersion, (performance.now() - started) / 1000);
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
