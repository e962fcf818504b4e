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
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import genericPool from 'generic-pool';
import { Redis } from 'ioredis';
import { createRedis } from '../src/index.js';

const HOST = '127.0.0.1';
const KEY_COUNT = 10_000;
const VALUE_BYTES = 100;
const ALL_CONCURRENCY: readonly number[] = [1, 50, 500];
const POOL_MAX = 50;

const SECONDS = positiveNumber('BENCH_SECONDS', 3);
const WARMUP_MS = positiveNumber('BENCH_WARMUP_MS', 200);
const ROUNDS = Math.max(1, Math.round(positiveNumber('BENCH_ROUNDS', 2)));
const WRITE = process.argv.includes('--write');

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
      const redis = new Redis({ host: HOST, port, lazyConnect: true });
      await redis.connect();
      return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close: () => quit(redis) };
    },
  },
  {
    name: 'ioredis, 1 connection, enableAutoPipelining',
    id: 'raw-ap',
    async open(port) {
      const redis = new Redis({ host: HOST, port, lazyConnect: true, enableAutoPipelining: true });
      await redis.connect();
      return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close: () => quit(redis) };
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
          async create() {
            const redis = new Redis({ host: HOST, port, lazyConnect: true });
            await redis.connect();
            return redis;
          },
          destroy: (redis) => quit(redis),
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
  const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}`, lanes, maxConnections: POOL_MAX });
  await redis.connect();
  const close = () => redis.close();
  if (via === 'lanes') return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), close };
  return {
    get: (k) => redis.lease((conn) => conn.get(k)),
    set: (k, v) => redis.lease((conn) => conn.set(k, v)),
    close,
  };
}

async function quit(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------
// One cell: `callers` loops of random GET/SET for warm-up + SECONDS.

/** Latencies in ms, appended without allocation per sample; grows by doubling. */
class Samples {
  #values = new Float64Array(1 << 18);
  #count = 0;

  push(ms: number): void {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** [p50, p99] in ms. */
  percentiles(): [number, number] {
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
    return [at(0.5), at(0.99)];
  }
}

interface CellResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of this Node.js process per operation, µs. */
  clientCpuUs: number;
  /** CPU time of the redis-server process per operation, µs (NaN where /proc is missing). */
  serverCpuUs: number;
  errors: number;
}

/** CPU time so far, in µs: this process, and redis-server from /proc/<pid>/stat. */
interface CpuMark {
  client: number;
  server: number;
}

const CLOCK_TICKS_PER_SECOND = clockTicks();

function cpuMark(): CpuMark {
  const usage = process.cpuUsage();
  return { client: usage.user + usage.system, server: serverCpuUs() };
}

function serverCpuUs(): number {
  const pid = server?.child.pid;
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6;
  } catch {
    return Number.NaN;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

async function runCell(peer: Peer, port: number, callers: number): Promise<CellResult> {
  const target = await peer.open(port);
  const samples = new Samples();
  const measureFrom = performance.now() + WARMUP_MS;
  const measureUntil = measureFrom + SECONDS * 1000;
  let errors = 0;
  let firstError: unknown;
  let cpuFrom: CpuMark | undefined;
  let cpuUntil: CpuMark | undefined;

  // An operation counts when it completes inside the window (whenever it started):
  // completions per second is then unbiased by the ops straddling either edge.
  const caller = async (): Promise<void> => {
    for (;;) {
      const key = KEYS[(Math.random() * KEY_COUNT) | 0] as string;
      const started = performance.now();
      try {
        if (Math.random() < 0.5) await target.get(key);
        else await target.set(key, VALUE);
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
        samples.push(ended - started);
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  await target.close();
  if (firstError !== undefined) console.error(`  ${peer.name} @ ${callers}: ${errors} errors, first:`, firstError);
  const [p50Ms, p99Ms] = samples.percentiles();
  const ops = samples.count;
  const perOp = (from: number | undefined, until: number | undefined): number =>
    from === undefined || until === undefined || ops === 0 ? Number.NaN : (until - from) / ops;
  return {
    opsPerSec: ops / SECONDS,
    p50Ms,
    p99Ms,
    clientCpuUs: perOp(cpuFrom?.client, cpuUntil?.client),
    serverCpuUs: perOp(cpuFrom?.server, cpuUntil?.server),
    errors,
  };
}

// ---------------------------------------------------------------------------
// The redis-server this script owns.

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
    let ready: boolean;
    try {
      ready = await waitForPing(port, 10_000, () => gone !== undefined);
    } catch (error) {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    if (ready) {
      server = { port, child, dir };
      return server;
    }
    rmSync(dir, { recursive: true, force: true });
    if (gone instanceof Error) throw new Error(`cannot start ${binary}: ${gone.message}`);
    // Another process took the port between our probe and redis-server's bind: try another.
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
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, 3000);
    await exited;
    clearTimeout(timer);
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  rmSync(dir, { recursive: true, force: true });
}

/** Last resort when the script dies: no redis-server is left behind. */
function killServerNow(): void {
  const pid = server?.child.pid;
  if (pid !== undefined && server?.child.exitCode === null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (server !== undefined) rmSync(server.dir, { recursive: true, force: true });
  server = undefined;
}

process.on('exit', killServerNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killServerNow();
    process.exit(130);
  });
}

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

/** True once the server answers PING; false if it went away first (`gone`); throws on timeout. */
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

type Results = Map<string, CellResult[]>;

const cellKey = (peer: Peer, callers: number): string => `${peer.id}@${callers}`;

/** The round with the most ops/s: on a shared machine, noise only ever slows a run down. */
function best(results: Results, peer: Peer, callers: number): { best: CellResult; all: CellResult[] } {
  const all = results.get(cellKey(peer, callers)) ?? [];
  const top = all.reduce<CellResult | undefined>((a, b) => (a === undefined || b.opsPerSec > a.opsPerSec ? b : a), undefined);
  if (top === undefined) throw new Error(`no result for ${cellKey(peer, callers)}`);
  return { best: top, all };
}

const fmtOps = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtUs = (n: number): string => (Number.isNaN(n) ? '—' : n.toFixed(1));
const fmtMs = (n: number): string => (n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

function resultsTable(results: Results): string {
  const lines = [
    '| Callers | Client | ops/s | p50 ms | p99 ms | Node CPU µs/op | Redis CPU µs/op | every round, ops/s | errors |',
    '|--:|:--|--:|--:|--:|--:|--:|:--|--:|',
  ];
  for (const callers of CONCURRENCY) {
    for (const peer of PEERS) {
      const { best: cell, all } = best(results, peer, callers);
      const rounds = all.map((r) => fmtOps(r.opsPerSec)).join(' / ');
      const errors = all.reduce((sum, r) => sum + r.errors, 0);
      lines.push(
        `| ${callers} | ${peer.name} | ${fmtOps(cell.opsPerSec)} | ${fmtMs(cell.p50Ms)} | ${fmtMs(cell.p99Ms)} | ${fmtUs(cell.clientCpuUs)} | ${fmtUs(cell.serverCpuUs)} | ${rounds} | ${errors} |`,
      );
    }
  }
  return lines.join('\n');
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
  const header = `| Ratio (ops/s) | ${CONCURRENCY.map((c) => `${c} caller${c === 1 ? '' : 's'}`).join(' | ')} | Target at 50 callers |`;
  const lines = [header, `|:--|${CONCURRENCY.map(() => '--:').join('|')}|:--|`];
  for (const ratio of RATIOS) {
    const cells = CONCURRENCY.map((c) => {
      const value = ratioAt(results, ratio, c);
      return c === 50 ? `**${value.toFixed(2)}**` : value.toFixed(2);
    });
    let target = '—';
    if (ratio.target !== undefined) {
      const at50 = ratioAt(results, ratio, 50);
      target = `${ratio.target.text}: ${at50 >= ratio.target.min && (ratio.target.min !== 1 || at50 > 1) ? 'met' : '**missed**'}`;
    }
    lines.push(`| ${ratio.label} | ${cells.join(' | ')} | ${target} |`);
  }
  return lines.join('\n');
}

function ratioAt(results: Results, ratio: Ratio, callers: number): number {
  return best(results, peerById(ratio.of), callers).best.opsPerSec / best(results, peerById(ratio.to), callers).best.opsPerSec;
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
| Per cell | ${WARMUP_MS} ms warm-up + ${SECONDS} s measured, best of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} |
| Whole run | ${Math.round(elapsedS)} s |

## Method

The script starts its own \`redis-server\` on a free port on 127.0.0.1 (no persistence), preloads ${KEY_COUNT.toLocaleString('en-US')} keys
with ${VALUE_BYTES}-byte values, and then, for each client and each number of concurrent callers (1, 50, 500), runs that many
async loops in one Node.js process. Each loop picks a key uniformly at random and sends GET or SET (50/50, the SET
with a ${VALUE_BYTES}-byte value), awaits the reply and goes again. Every client is created fresh for its cell, warmed up
for ${WARMUP_MS} ms (connections opened, pools filled, JIT warm), then measured for ${SECONDS} s: an operation counts when
its reply arrives inside the window, and its latency (from the call to the reply, including any wait for a pooled
connection) is kept in a Float64Array that is sorted for p50 and p99. To spread the noise of a shared machine evenly
the whole matrix runs ${ROUNDS} time${ROUNDS === 1 ? '' : 's'}, the clients in reverse order on every other round, so neighbours in the
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

async function preload(port: number): Promise<string> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('server');
    // A port probed free can be taken before redis-server binds it: make sure this is our server.
    const pid = /^process_id:(\d+)/m.exec(info)?.[1];
    if (pid !== String(server?.child.pid))
      throw new Error(`port ${port} answers from pid ${pid}, not our redis-server (${server?.child.pid})`);
    const pipeline = redis.pipeline();
    for (const key of KEYS) pipeline.set(key, VALUE);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
    return /^redis_version:(.*)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  } finally {
    await quit(redis);
  }
}

function makeValue(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let value = '';
  for (let i = 0; i < bytes; i++) value += alphabet[(i * 7 + 3) % alphabet.length];
  return value;
}

function listEnv(name: string): string[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => item.trim());
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
    const redisVersion = await preload(port);
    const env = environment(redisVersion);
    const cells = ROUNDS * CONCURRENCY.length * PEERS.length;
    console.log(
      `redis-server ${redisVersion} on ${HOST}:${port}; node ${env.node}; nproc ${env.nproc}; ` +
        `${cells} cells × (${WARMUP_MS} ms + ${SECONDS} s) ≈ ${Math.round((cells * (WARMUP_MS / 1000 + SECONDS)) / 5) * 5} s`,
    );

    const results: Results = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? PEERS : [...PEERS].reverse();
      for (const callers of CONCURRENCY) {
        for (const peer of order) {
          const result = await runCell(peer, port, callers);
          const key = cellKey(peer, callers);
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(
            `  round ${round + 1}/${ROUNDS}  ${String(callers).padStart(3)} callers  ${peer.name.padEnd(48)} ` +
              `${fmtOps(result.opsPerSec).padStart(9)} ops/s  p50 ${fmtMs(result.p50Ms)} ms  p99 ${fmtMs(result.p99Ms)} ms  ` +
              `cpu/op node ${fmtUs(result.clientCpuUs)} µs, redis ${fmtUs(result.serverCpuUs)} µs`,
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
        const path = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
        writeFileSync(path, document(env, results, elapsedS));
        console.log(`wrote ${path}`);
      }
    }
    console.log(`done in ${elapsedS.toFixed(0)} s`);
  } finally {
    await stopServer();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
