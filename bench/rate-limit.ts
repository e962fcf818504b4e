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
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createRedis } from '../src/index.js';
import { createRateLimiter, type RateLimitAlgorithm } from '../src/rate-limit/index.js';

const HOST = '127.0.0.1';
const SECONDS = positiveNumber('BENCH_SECONDS', 3);
const WARMUP_MS = positiveNumber('BENCH_WARMUP_MS', 300);
const ROUNDS = Math.max(1, Math.round(positiveNumber('BENCH_ROUNDS', 2)));
const CALLERS = Math.round(positiveNumber('BENCH_CALLERS', 50));
const WRITE = process.argv.includes('--write');
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
      const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}` });
      await redis.connect();
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
      const redis = new Redis({ host: HOST, port, lazyConnect: true, enableAutoPipelining: autoPipelining });
      await redis.connect();
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
        async close() {
          await redis.quit();
        },
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

interface CellResult {
  opsPerSec: number;
  allowedShare: number;
  p50Ms: number;
  p99Ms: number;
  clientCpuUs: number;
  serverCpuUs: number;
  errors: number;
}

async function runCell(peer: Peer, workload: Workload, port: number): Promise<CellResult> {
  const target = await peer.open(port);
  const latencies: number[] = [];
  const measureFrom = performance.now() + WARMUP_MS;
  const measureUntil = measureFrom + SECONDS * 1000;
  let allowed = 0;
  let errors = 0;
  let firstError: unknown;
  let cpuFrom: CpuMark | undefined;
  let cpuUntil: CpuMark | undefined;
  const caller = async (): Promise<void> => {
    for (;;) {
      const started = performance.now();
      let ok = false;
      try {
        ok = await target.consume(workload.key());
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      const ended = performance.now();
      if (ended >= measureUntil) {
        cpuUntil ??= cpuMark();
        return;
      }
      if (ended >= measureFrom) {
        cpuFrom ??= cpuMark();
        latencies.push(ended - started);
        if (ok) allowed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  await target.close();
  if (firstError !== undefined) console.error(`  ${peer.name} / ${workload.id}: ${errors} errors, first:`, firstError);
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const ops = latencies.length;
  const perOp = (from: number | undefined, until: number | undefined): number =>
    from === undefined || until === undefined || ops === 0 ? Number.NaN : (until - from) / ops;
  return {
    opsPerSec: ops / SECONDS,
    allowedShare: ops === 0 ? 0 : allowed / ops,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    clientCpuUs: perOp(cpuFrom?.client, cpuUntil?.client),
    serverCpuUs: perOp(cpuFrom?.server, cpuUntil?.server),
    errors,
  };
}

// ---------------------------------------------------------------------------
// CPU accounting, as in bench/lanes.ts.

interface CpuMark {
  client: number;
  server: number;
}

function cpuMark(): CpuMark {
  const usage = process.cpuUsage();
  return { client: usage.user + usage.system, server: serverCpuUs() };
}

function serverCpuUs(): number {
  const pid = server?.child.pid;
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime in clock ticks; 100 per second on Linux.
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
  } catch {
    // No /proc (not Linux): the column shows '—'.
    return Number.NaN;
  }
}

// ---------------------------------------------------------------------------
// The redis-server this script owns (the approach of bench/lanes.ts).

interface Server {
  port: number;
  child: ChildProcess;
  dir: string;
}

let server: Server | undefined;

async function startServer(): Promise<Server> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redis-kit-bench-'));
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let gone: Error | 'exited' | undefined;
    child.once('exit', () => {
      gone ??= 'exited';
    });
    child.once('error', (error) => {
      gone ??= error;
    });
    if (await waitForPing(port, 10_000, () => gone !== undefined)) {
      server = { port, child, dir };
      return server;
    }
    rmSync(dir, { recursive: true, force: true });
    if (gone instanceof Error) throw new Error(`cannot start ${binary}: ${gone.message}`);
    if (/address already in use/i.test(output) && attempt < 5) continue;
    throw new Error(`redis-server exited before answering PING:\n${output}`);
  }
}

async function stopServer(): Promise<void> {
  const current = server;
  if (current === undefined) return;
  server = undefined;
  const { child, dir } = current;
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  rmSync(dir, { recursive: true, force: true });
}

process.on('exit', () => {
  const pid = server?.child.pid;
  if (pid !== undefined && server?.child.exitCode === null) process.kill(pid, 'SIGKILL');
  if (server !== undefined) rmSync(server.dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port === 0 || port === 6379 ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number, gone: () => boolean): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (gone()) return false;
    if (await pingOnce(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Empties the server between cells, and checks it is our process answering. */
async function flush(port: number): Promise<string> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('server');
    const pid = /^process_id:(\d+)/m.exec(info)?.[1];
    if (pid !== String(server?.child.pid)) throw new Error(`port ${port} answers from pid ${pid}, not our redis-server`);
    await redis.flushall();
    return /^redis_version:(.*)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  } finally {
    await redis.quit();
  }
}

// ---------------------------------------------------------------------------
// Reporting.

type Results = Map<string, CellResult[]>;
const cellKey = (peer: Peer, workload: Workload): string => `${peer.id}@${workload.id}`;

function best(results: Results, peer: Peer, workload: Workload): { best: CellResult; all: CellResult[] } {
  const all = results.get(cellKey(peer, workload)) ?? [];
  const top = all.reduce<CellResult | undefined>((a, b) => (a === undefined || b.opsPerSec > a.opsPerSec ? b : a), undefined);
  if (top === undefined) throw new Error(`no result for ${cellKey(peer, workload)}`);
  return { best: top, all };
}

const fmtOps = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtUs = (n: number): string => (Number.isNaN(n) ? '—' : n.toFixed(1));

function report(results: Results, redisVersion: string, elapsedS: number): string {
  const reference = PEERS.find((p) => p.id === 'rlf') as Peer;
  const lines = [
    `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; Node.js ${process.version}; Redis ${redisVersion} (local, no persistence); ` +
      `\`nproc\` ${availableParallelism()}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; 1-min load ${loadavg()[0]?.toFixed(2)} at the end; ` +
      `${CALLERS} concurrent callers in one process; rule ${LIMIT} per ${WINDOW_MS} ms per key; ` +
      `${WARMUP_MS} ms warm-up + ${SECONDS} s measured per cell, best of ${ROUNDS} rounds (run took ${Math.round(elapsedS)} s).`,
    '',
    '| Keys | Limiter | consumes/s | vs RLF | allowed | p50 ms | p99 ms | Node CPU µs/op | Redis CPU µs/op | every round, consumes/s | errors |',
    '|:--|:--|--:|--:|--:|--:|--:|--:|--:|:--|--:|',
  ];
  for (const workload of WORKLOADS) {
    const base = best(results, reference, workload).best.opsPerSec;
    for (const peer of PEERS) {
      const { best: cell, all } = best(results, peer, workload);
      lines.push(
        `| ${workload.label} | ${peer.name} | ${fmtOps(cell.opsPerSec)} | ${(cell.opsPerSec / base).toFixed(2)} | ${(cell.allowedShare * 100).toFixed(0)}% | ` +
          `${fmtMs(cell.p50Ms)} | ${fmtMs(cell.p99Ms)} | ${fmtUs(cell.clientCpuUs)} | ${fmtUs(cell.serverCpuUs)} | ` +
          `${all.map((r) => fmtOps(r.opsPerSec)).join(' / ')} | ${all.reduce((sum, r) => sum + r.errors, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}

function writeDocs(table: string): void {
  const path = fileURLToPath(new URL('../../docs/rate-limiting.md', import.meta.url));
  const doc = readFileSync(path, 'utf8');
  const start = '<!-- bench:rate-limit:start -->';
  const end = '<!-- bench:rate-limit:end -->';
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${path} has no ${start} … ${end} section`);
  writeFileSync(path, `${doc.slice(0, from + start.length)}\n${table}\n${doc.slice(to)}`);
  console.log(`wrote ${path}`);
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { port } = await startServer();
  try {
    const redisVersion = await flush(port);
    const results: Results = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? PEERS : [...PEERS].reverse();
      for (const workload of WORKLOADS) {
        for (const peer of order) {
          await flush(port);
          const result = await runCell(peer, workload, port);
          const key = cellKey(peer, workload);
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(
            `  round ${round + 1}/${ROUNDS}  ${workload.label.padEnd(12)} ${peer.name.padEnd(70)} ${fmtOps(result.opsPerSec).padStart(8)}/s  ` +
              `allowed ${(result.allowedShare * 100).toFixed(0).padStart(3)}%  p50 ${fmtMs(result.p50Ms)} ms  p99 ${fmtMs(result.p99Ms)} ms`,
          );
        }
      }
    }
    const table = report(results, redisVersion, (performance.now() - started) / 1000);
    console.log(`\n${table}\n`);
    if (WRITE) writeDocs(table);
  } finally {
    await stopServer();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
