/**
 * The cache's hot paths beside raw ioredis: GET throughput on a hot key set
 * (100 keys, ~100-byte JSON values) at 50 concurrent callers, against a
 * redis-server this script starts (and stops) itself on a free port.
 *
 *   npm run build && node build/bench/cache.js
 *
 * Rows: raw ioredis GET (one connection, with and without auto-pipelining),
 * the redis-kit client's GET (lanes), `cache.wrap()` hits served by Redis,
 * and `cache.get()` / `cache.wrap()` hits served by the near-cache.
 *
 * Environment: BENCH_SECONDS (measured seconds per row, default 3),
 * BENCH_WARMUP_MS (default 300), BENCH_ROUNDS (passes over all rows, best
 * kept, default 2), BENCH_CALLERS (default 50), REDIS_SERVER (the binary,
 * default `redis-server` from PATH).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createCache } from '../src/cache/index.js';
import { createRedis } from '../src/index.js';

const HOST = '127.0.0.1';
const HOT_KEYS = 100;
const SECONDS = positive('BENCH_SECONDS', 3);
const WARMUP_MS = positive('BENCH_WARMUP_MS', 300);
const ROUNDS = Math.max(1, Math.round(positive('BENCH_ROUNDS', 2)));
const CALLERS = Math.max(1, Math.round(positive('BENCH_CALLERS', 50)));

const KEYS = Array.from({ length: HOT_KEYS }, (_, i) => `product-${i}`);
const VALUE = { id: 0, name: 'a product with a name', price: 1999, tags: ['hot', 'bench'], stock: 42, note: 'x'.repeat(20) };

/** One read of a hot key, however the row does it. */
interface Row {
  id: 'raw' | 'raw-ap' | 'kit' | 'wrap-redis' | 'get-near' | 'wrap-near';
  name: string;
  open(port: number): Promise<{ read(key: string): Promise<unknown>; close(): Promise<void> }>;
}

const loader = async (): Promise<typeof VALUE> => {
  throw new Error('the bench reads hot keys only: a loader call means a miss');
};

const ROWS: readonly Row[] = [
  {
    id: 'raw',
    name: 'ioredis GET, 1 connection',
    async open(port) {
      const redis = new Redis({ host: HOST, port, lazyConnect: true });
      await redis.connect();
      return { read: (key) => redis.get(`bench:${key}`), close: async () => void (await redis.quit()) };
    },
  },
  {
    id: 'raw-ap',
    name: 'ioredis GET, 1 connection, enableAutoPipelining',
    async open(port) {
      const redis = new Redis({ host: HOST, port, lazyConnect: true, enableAutoPipelining: true });
      await redis.connect();
      return { read: (key) => redis.get(`bench:${key}`), close: async () => void (await redis.quit()) };
    },
  },
  {
    id: 'kit',
    name: 'redis-kit client GET (lanes: 2)',
    async open(port) {
      const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}` });
      await redis.connect();
      return { read: (key) => redis.get(`bench:${key}`), close: () => redis.close() };
    },
  },
  {
    id: 'wrap-redis',
    name: 'cache.wrap() hit, served by Redis (no near-cache)',
    async open(port) {
      const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}` });
      await redis.connect();
      const cache = createCache<typeof VALUE>(redis, { namespace: 'bench' });
      return { read: (key) => cache.wrap(key, loader), close: () => cache.close().then(() => redis.close()) };
    },
  },
  {
    id: 'get-near',
    name: 'cache.get() hit, served by the near-cache',
    open: (port) => openNear(port, 'get'),
  },
  {
    id: 'wrap-near',
    name: 'cache.wrap() hit, served by the near-cache',
    open: (port) => openNear(port, 'wrap'),
  },
];

async function openNear(port: number, via: 'get' | 'wrap') {
  const redis = createRedis({ env: {}, url: `redis://${HOST}:${port}` });
  await redis.connect();
  const cache = createCache<typeof VALUE>(redis, { namespace: 'bench', nearCache: { maxEntries: 1000 } });
  const deadline = performance.now() + 5000;
  while (!cache.stats().nearCache.live) {
    if (performance.now() > deadline) throw new Error('the near-cache did not become live');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const key of KEYS) await cache.get(key); // fill it
  const read = via === 'get' ? (key: string) => cache.get(key) : (key: string) => cache.wrap(key, loader);
  return { read, close: () => cache.close().then(() => redis.close()), cache };
}

interface Cell {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function runRow(row: Row, port: number): Promise<Cell> {
  const target = await row.open(port);
  const samples: number[] = [];
  const from = performance.now() + WARMUP_MS;
  const until = from + SECONDS * 1000;
  let errors = 0;
  let firstError: unknown;
  let counted = 0;
  const caller = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      const key = KEYS[(Math.random() * HOT_KEYS) | 0] as string;
      const started = performance.now();
      try {
        await target.read(key);
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      const ended = performance.now();
      if (ended >= until) return;
      if (ended >= from) {
        counted++;
        // Every 16th latency is kept: enough for percentiles without a big array at millions of ops/s.
        if ((i & 15) === 0) samples.push(ended - started);
      }
      // A near-cache hit never waits on I/O; let timers and sockets run now and then.
      if ((i & 1023) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  await target.close();
  if (firstError !== undefined) console.error(`  ${row.name}: ${errors} errors, first:`, firstError);
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { opsPerSec: counted / SECONDS, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}

// ---------------------------------------------------------------------------
// The redis-server this script owns (the approach of bench/lanes.ts).

let server: { port: number; child: ChildProcess; dir: string } | undefined;

async function startServer(): Promise<number> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redis-kit-bench-cache-'));
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let gone = false;
    child.once('exit', () => {
      gone = true;
    });
    child.once('error', () => {
      gone = true;
    });
    server = { port, child, dir };
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && !gone) {
      if (await pingOnce(port)) return port;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    killServer();
    if (/address already in use/i.test(output) && attempt < 5) continue;
    throw new Error(`redis-server did not start:\n${output}`);
  }
}

function killServer(): void {
  const current = server;
  server = undefined;
  if (current === undefined) return;
  if (current.child.exitCode === null && current.child.pid !== undefined) current.child.kill('SIGKILL');
  current.child.stdout?.destroy();
  current.child.stderr?.destroy();
  rmSync(current.dir, { recursive: true, force: true });
}

process.on('exit', killServer);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killServer();
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

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const port = await startServer();
  const seed = new Redis({ host: HOST, port });
  for (const [i, key] of KEYS.entries()) {
    const value = JSON.stringify({ ...VALUE, id: i });
    await seed.set(`bench:${key}`, value);
  }
  const redisVersion = /redis_version:(\S+)/.exec(await seed.info('server'))?.[1] ?? '?';
  seed.disconnect();

  const best = new Map<Row['id'], Cell & { rounds: number[] }>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of ROWS) {
      const cell = await runRow(row, port);
      const previous = best.get(row.id);
      const rounds = [...(previous?.rounds ?? []), cell.opsPerSec];
      if (previous === undefined || cell.opsPerSec > previous.opsPerSec) best.set(row.id, { ...cell, rounds });
      else previous.rounds = rounds;
      console.error(`round ${round}: ${row.name}: ${Math.round(cell.opsPerSec).toLocaleString('en-US')} ops/s`);
    }
  }
  killServer();

  const ops = (id: Row['id']): number => best.get(id)?.opsPerSec ?? Number.NaN;
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ms = (n: number): string => (n < 0.01 ? n.toFixed(4) : n < 1 ? n.toFixed(3) : n.toFixed(2));
  const lines = [
    `Node ${process.version}, Redis ${redisVersion}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, load ${loadavg()[0]?.toFixed(2)} (1 min) at the end;`,
    `${HOT_KEYS} hot keys, ${CALLERS} concurrent callers, ${WARMUP_MS} ms warm-up + ${SECONDS} s per row, best of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}.`,
    '',
    '| Read path | ops/s | p50 ms | p99 ms | every round, ops/s | errors |',
    '|:--|--:|--:|--:|:--|--:|',
    ...ROWS.map((row) => {
      const cell = best.get(row.id);
      if (cell === undefined) return `| ${row.name} | — | — | — | — | — |`;
      return `| ${row.name} | ${fmt(cell.opsPerSec)} | ${ms(cell.p50Ms)} | ${ms(cell.p99Ms)} | ${cell.rounds.map(fmt).join(' / ')} | ${cell.errors} |`;
    }),
    '',
    '| Ratio (ops/s) | value | target |',
    '|:--|--:|:--|',
    `| near-cache get / raw ioredis GET | **${(ops('get-near') / ops('raw')).toFixed(1)}×** | ≥ 10× |`,
    `| near-cache get / raw ioredis GET with auto-pipelining | ${(ops('get-near') / ops('raw-ap')).toFixed(1)}× | — |`,
    `| near-cache wrap / raw ioredis GET | ${(ops('wrap-near') / ops('raw')).toFixed(1)}× | — |`,
    `| wrap hit via Redis / raw ioredis GET | ${(ops('wrap-redis') / ops('raw')).toFixed(2)}× | — |`,
  ];
  console.log(lines.join('\n'));
  let git = '';
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch (error) {
    git = `unknown (${(error as Error).message.split('\n')[0]})`;
  }
  console.log(`\n(commit ${git}, ${new Date().toISOString().slice(0, 10)})`);
}

await main();
