/**
 * Lanes vs. the alternatives: throughput and latency of GET/SET under 1, 50
 * and 500 concurrent callers, against a redis-server this script starts (and
 * stops) itself on a free port.
 *
 *   npm run build && node build/bench/lanes.js [--write]
 *
 * Environment: BENCH_SECONDS (measured seconds per cell, default 3),
 * BENCH_WARMUP_MS (un-measured warm-up per cell, default 200),
 * BENCH_ROUNDS (passes over the whole matrix, default 2), REDIS_SERVER
 * (the redis-server binary, default `redis-server` from PATH). For profiling
 * one client: BENCH_ONLY (comma-separated peer ids: raw, raw-ap, lanes2,
 * lanes1, lease, gpool) and BENCH_CALLERS (comma-separated caller counts),
 * e.g. `BENCH_ONLY=lease BENCH_CALLERS=50 node --cpu-prof build/bench/lanes.js`.
 *
 * `--write` replaces docs/benchmarks.md with the results.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import genericPool from 'generic-pool';
import type { Redis } from 'ioredis';
import { logErrors, runCallers } from './support/callers.js';
import { measuredCells, measuredColumns } from './support/cell-columns.js';
import { type MeasuredCell, measuredCell } from './support/cell-result.js';
import { connectIoredis, connectKit, quitIoredis } from './support/connections.js';
import { docPath, writeDoc } from './support/docs.js';
import { formatOps, formatUs, plural } from './support/format.js';
import { markdownTable } from './support/markdown.js';
import { hasFlag, listEnv, readTiming } from './support/options.js';
import { type BenchRedisServer, HOST, startRedisServer } from './support/redis-server.js';
import { Rounds, roundOrder } from './support/rounds.js';
import { checkOwnServer } from './support/server-check.js';

const KEY_COUNT = 10_000;
const VALUE_BYTES = 100;
const ALL_CONCURRENCY: readonly number[] = [1, 50, 500];
const POOL_MAX = 50;

const { seconds: SECONDS, warmupMs: WARMUP_MS, rounds: ROUNDS } = readTiming({ seconds: 3, warmupMs: 200, rounds: 2 });
const WRITE = hasFlag('--write');

const KEYS: readonly string[] = Array.from({ length: KEY_COUNT }, (_, i) => `bench:key:${String(i).padStart(5, '0')}`);
const VALUE = makeValue(VALUE_BYTES);

// ---------------------------------------------------------------------------
// The clients under test. Each peer is set up fresh per cell and torn down after it.

/** One GET or SET, however the peer sends it. */
interface Target {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  close(): Promise<void>;
}

interface Peer {
  /** Row label in the table. */
  name: string;
  /** Short id used for the ratios. */
  id: 'raw' | 'raw-ap' | 'lanes2' | 'lanes1' | 'lease' | 'gpool';
  open(port: number): Promise<Target>;
}

const ALL_PEERS: readonly Peer[] = [
  {
    name: 'ioredis, 1 connection',
    id: 'raw',
    async open(port) {
      const redis = await connectIoredis(port);
      return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close: () => quitIoredis(redis) };
    },
  },
  {
    name: 'ioredis, 1 connection, enableAutoPipelining',
    id: 'raw-ap',
    async open(port) {
      const redis = await connectIoredis(port, { enableAutoPipelining: true });
      return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close: () => quitIoredis(redis) };
    },
  },
  {
    name: 'redis-kit lanes (lanes: 2, default)',
    id: 'lanes2',
    open: (port) => openKit(port, 2, 'lanes'),
  },
  {
    name: 'redis-kit lanes (lanes: 1)',
    id: 'lanes1',
    open: (port) => openKit(port, 1, 'lanes'),
  },
  {
    name: `redis-kit lease per command (maxConnections: ${POOL_MAX})`,
    id: 'lease',
    open: (port) => openKit(port, 2, 'lease'),
  },
  {
    name: `generic-pool + ioredis (max: ${POOL_MAX})`,
    id: 'gpool',
    async open(port) {
      const pool = genericPool.createPool<Redis>(
        {
          create: () => connectIoredis(port),
          destroy: (redis) => quitIoredis(redis),
        },
        { max: POOL_MAX, min: 0 },
      );
      const use = async <T>(fn: (redis: Redis) => Promise<T>): Promise<T> => {
        const redis = await pool.acquire();
        try {
          return await fn(redis);
        } finally {
          void pool.release(redis);
        }
      };
      return {
        get: (k) => use((r) => r.get(k)),
        set: (k, v) => use((r) => r.set(k, v)),
        async close() {
          await pool.drain();
          await pool.clear();
        },
      };
    },
  },
];

const ONLY = listEnv('BENCH_ONLY');
const PEERS = ALL_PEERS.filter((peer) => ONLY === undefined || ONLY.includes(peer.id));
const CALLERS_ONLY = listEnv('BENCH_CALLERS');
const CONCURRENCY = CALLERS_ONLY === undefined ? ALL_CONCURRENCY : CALLERS_ONLY.map(Number);
const COMPLETE = PEERS.length === ALL_PEERS.length && CONCURRENCY.length === ALL_CONCURRENCY.length;

async function openKit(port: number, lanes: number, via: 'lanes' | 'lease'): Promise<Target> {
  const redis = await connectKit(port, { lanes, maxConnections: POOL_MAX });
  const close = () => redis.close();
  if (via === 'lanes') return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close };
  return {
    get: (k) => redis.lease((conn) => conn.get(k)),
    set: (k, v) => redis.lease((conn) => conn.set(k, v)),
    close,
  };
}

// ---------------------------------------------------------------------------
// One cell: `callers` loops of random GET/SET for warm-up + SECONDS.

type CellResult = MeasuredCell;

async function runCell(peer: Peer, server: BenchRedisServer, callers: number): Promise<CellResult> {
  const target = await peer.open(server.port);
  const run = await runCallers({
    callers,
    warmupMs: WARMUP_MS,
    seconds: SECONDS,
    serverPid: server.pid,
    op: () => {
      const key = KEYS[(Math.random() * KEY_COUNT) | 0] as string;
      return Math.random() < 0.5 ? target.get(key) : target.set(key, VALUE);
    },
  });
  await target.close();
  logErrors(`${peer.name} @ ${callers}`, run);
  return measuredCell(run, SECONDS);
}

// ---------------------------------------------------------------------------
// Reporting.

interface Environment {
  date: string;
  node: string;
  redis: string;
  nproc: string;
  cpu: string;
  /** 1-minute load average when the run started: other work on a shared machine skews everything. */
  load: string;
}

type Results = Rounds<CellResult>;

const cellKey = (peer: Peer, callers: number): string => `${peer.id}@${callers}`;

const fmtMs = (n: number): string => (n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

function resultsTable(results: Results): string {
  const rows: string[][] = [];
  for (const callers of CONCURRENCY) {
    for (const peer of PEERS) {
      const { best: cell, all } = results.best(cellKey(peer, callers));
      rows.push([String(callers), peer.name, formatOps(cell.opsPerSec), ...measuredCells(cell, all, fmtMs)]);
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

interface Ratio {
  label: string;
  of: Peer['id'];
  to: Peer['id'];
  /** The bar at 50 callers, if this ratio has one. */
  target?: { min: number; text: string };
}

const RATIOS: readonly Ratio[] = [
  { label: 'lanes (2) / raw ioredis', of: 'lanes2', to: 'raw', target: { min: 0.9, text: '≥ 0.90 (within 10%)' } },
  { label: 'lanes (1) / raw ioredis', of: 'lanes1', to: 'raw' },
  { label: 'lanes (2) / raw ioredis + autopipelining', of: 'lanes2', to: 'raw-ap' },
  { label: 'lease per command / generic-pool + ioredis', of: 'lease', to: 'gpool', target: { min: 1, text: '> 1.00 (beats it)' } },
];

function peerById(id: Peer['id']): Peer {
  const peer = PEERS.find((p) => p.id === id);
  if (peer === undefined) throw new Error(`no peer ${id}`);
  return peer;
}

function ratioTable(results: Results): string {
  const rows = RATIOS.map((ratio) => {
    const cells = CONCURRENCY.map((c) => {
      const value = ratioAt(results, ratio, c);
      return c === 50 ? `**${value.toFixed(2)}**` : value.toFixed(2);
    });
    let target = '—';
    if (ratio.target !== undefined) {
      const at50 = ratioAt(results, ratio, 50);
      target = `${ratio.target.text}: ${at50 >= ratio.target.min && (ratio.target.min !== 1 || at50 > 1) ? 'met' : '**missed**'}`;
    }
    return [ratio.label, ...cells, target];
  });
  return markdownTable(
    [
      { title: 'Ratio (ops/s)', align: 'left' },
      ...CONCURRENCY.map((c) => ({ title: plural(c, 'caller'), align: 'right' as const })),
      { title: 'Target at 50 callers', align: 'left' },
    ],
    rows,
  );
}

function ratioAt(results: Results, ratio: Ratio, callers: number): number {
  const of = results.best(cellKey(peerById(ratio.of), callers)).best.opsPerSec;
  return of / results.best(cellKey(peerById(ratio.to), callers)).best.opsPerSec;
}

function document(env: Environment, results: Results, elapsedS: number): string {
  return `# Benchmarks

Generated by \`bench/lanes.ts\` (\`npm run build && node build/bench/lanes.js --write\`). Re-run it to refresh this page;
the numbers below are from one run on the machine described, not a promise for yours.

| | |
|:--|:--|
| Date | ${env.date} |
| Node.js | ${env.node} |
| Redis | ${env.redis} (local, \`--save '' --appendonly no\`) |
| Machine | \`nproc\` = ${env.nproc}, ${env.cpu}; 1-min load average ${env.load} at the start (shared machine) |
| Per cell | ${WARMUP_MS} ms warm-up + ${SECONDS} s measured, best of ${plural(ROUNDS, 'round')} |
| Whole run | ${Math.round(elapsedS)} s |

## Method

The script starts its own \`redis-server\` on a free port on 127.0.0.1 (no persistence), preloads ${KEY_COUNT.toLocaleString('en-US')} keys
with ${VALUE_BYTES}-byte values, and then, for each client and each number of concurrent callers (1, 50, 500), runs that many
async loops in one Node.js process. Each loop picks a key uniformly at random and sends GET or SET (50/50, the SET
with a ${VALUE_BYTES}-byte value), awaits the reply and goes again. Every client is created fresh for its cell, warmed up
for ${WARMUP_MS} ms (connections opened, pools filled, JIT warm), then measured for ${SECONDS} s: an operation counts when
its reply arrives inside the window, and its latency (from the call to the reply, including any wait for a pooled
connection) is kept in a Float64Array that is sorted for p50 and p99. To spread the noise of a shared machine evenly
the whole matrix runs ${plural(ROUNDS, 'time')}, the clients in reverse order on every other round, so neighbours in the
table run seconds apart; each cell reports its best round (noise only slows a run down), with every round's ops/s
alongside to show the spread. The CPU columns divide the CPU time (user + system) spent over the window by this Node.js
process (\`process.cpuUsage()\`) and by redis-server (\`/proc/<pid>/stat\`) by the operations completed: they move much less with
the machine's other load than ops/s do, and show where a client spends its time. Server and client share the machine's
${env.nproc} CPU${env.nproc === '1' ? '' : 's'} (and with whatever else runs on it), so absolute numbers are modest; compare clients within a run.

The clients: **ioredis, 1 connection** is \`new Redis(port)\` with its defaults (no auto-pipelining); **enableAutoPipelining**
is the same with \`enableAutoPipelining: true\`; **redis-kit lanes** is \`redis.get/set\` over \`createRedis({ lanes })\`
(lanes are ioredis connections with auto-pipelining, behind redis-kit's queue, deadlines and breaker); **redis-kit lease per
command** is \`redis.lease((conn) => conn.get(k))\`, one exclusive pooled connection per command, \`maxConnections: ${POOL_MAX}\`;
**generic-pool + ioredis** is \`pool.acquire()\` / command / \`pool.release()\` over a generic-pool of at most ${POOL_MAX} ioredis
connections, the usual hand-rolled pool.

## Results

${resultsTable(results)}

## Ratios

${ratioTable(results)}

Targets: lanes within 10% of a raw ioredis connection, and a lease per command faster than generic-pool + ioredis,
both at 50 callers.

## Reading the numbers

- Lanes keep up with (here: beat) one raw ioredis connection because their auto-pipelining makes each command
  cheaper for Redis (see the Redis CPU column); redis-kit's own work per command (deadline, breaker check, lane
  choice, latency histogram) costs about 0.5–1 µs of Node CPU. At one caller, auto-pipelining's wait for the next
  tick costs latency, in raw ioredis as in the lanes.
- A lease per command and generic-pool + ioredis are level, within this machine's noise (a few percent either way
  between rounds): both send one command per connection per round trip, and a CPU profile of the lease run spends
  over half its time in the socket write itself. An earlier build of redis-kit did half as well, because it made
  an Error (with its stack) on every lease; the lease path now makes no error objects, waiters or deadlines unless
  it has to wait. Leases are for transactions and blocking commands: ordinary commands belong on the lanes, which do
  over twice the work per CPU second.
`;
}

function environment(redisVersion: string): Environment {
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // no coreutils: keep Node's count
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    redis: redisVersion,
    nproc,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    load: loadavg()[0]?.toFixed(2) ?? '?',
  };
}

// ---------------------------------------------------------------------------

async function preload(server: BenchRedisServer): Promise<string> {
  const redis = await connectIoredis(server.port);
  try {
    // A port probed free can be taken before redis-server binds it: make sure this is our server.
    const version = await checkOwnServer(redis, server);
    const pipeline = redis.pipeline();
    for (const key of KEYS) pipeline.set(key, VALUE);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
    return version ?? 'unknown';
  } finally {
    await quitIoredis(redis);
  }
}

function makeValue(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let value = '';
  for (let i = 0; i < bytes; i++) value += alphabet[(i * 7 + 3) % alphabet.length];
  return value;
}

async function main(): Promise<void> {
  const started = performance.now();
  const server = await startRedisServer();
  const { port } = server;
  try {
    const redisVersion = await preload(server);
    const env = environment(redisVersion);
    const cells = ROUNDS * CONCURRENCY.length * PEERS.length;
    console.log(
      `redis-server ${redisVersion} on ${HOST}:${port}; node ${env.node}; nproc ${env.nproc}; ` +
        `${cells} cells × (${WARMUP_MS} ms + ${SECONDS} s) ≈ ${Math.round((cells * (WARMUP_MS / 1000 + SECONDS)) / 5) * 5} s`,
    );

    const results: Results = new Rounds();
    for (let round = 0; round < ROUNDS; round++) {
      for (const callers of CONCURRENCY) {
        for (const peer of roundOrder(PEERS, round)) {
          const result = await runCell(peer, server, callers);
          results.add(cellKey(peer, callers), result);
          console.log(
            `  round ${round + 1}/${ROUNDS}  ${String(callers).padStart(3)} callers  ${peer.name.padEnd(48)} ` +
              `${formatOps(result.opsPerSec).padStart(9)} ops/s  p50 ${fmtMs(result.p50Ms)} ms  p99 ${fmtMs(result.p99Ms)} ms  ` +
              `cpu/op node ${formatUs(result.clientCpuUs)} µs, redis ${formatUs(result.serverCpuUs)} µs`,
          );
        }
      }
    }

    const elapsedS = (performance.now() - started) / 1000;
    if (!COMPLETE) {
      // A filtered run (BENCH_ONLY / BENCH_CALLERS) is for profiling: no table, nothing written.
      console.log(`filtered run: ${PEERS.map((p) => p.id).join(', ')} at ${CONCURRENCY.join(', ')} callers; not writing docs`);
    } else {
      console.log(`\n${resultsTable(results)}\n\n${ratioTable(results)}\n`);
      for (const ratio of RATIOS.filter((r) => r.target !== undefined)) {
        console.log(`${ratio.label} at 50 callers: ${ratioAt(results, ratio, 50).toFixed(3)}  (target ${ratio.target?.text})`);
      }
      if (WRITE) {
        writeDoc(docPath('benchmarks.md'), document(env, results, elapsedS));
      }
    }
    console.log(`done in ${elapsedS.toFixed(0)} s`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
