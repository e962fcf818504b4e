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
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createCache } from '../src/cache/index.js';
import { logErrors, runCallers } from './support/callers.js';
import { type MeasuredCell, measuredCell } from './support/cell-result.js';
import { connectIoredis, connectKit, quitIoredis } from './support/connections.js';
import { formatOps, formatRounds, plural } from './support/format.js';
import { markdownTable } from './support/markdown.js';
import { positiveCount, readTiming } from './support/options.js';
import { type BenchRedisServer, startRedisServer } from './support/redis-server.js';
import { Rounds } from './support/rounds.js';
import { checkOwnServer } from './support/server-check.js';

const HOT_KEYS = 100;
// Here a value that is not a positive number falls back to the default.
const LENIENT = { invalid: 'fallback' } as const;
const { seconds: SECONDS, warmupMs: WARMUP_MS, rounds: ROUNDS } = readTiming({ seconds: 3, warmupMs: 300, rounds: 2 }, LENIENT);
const CALLERS = positiveCount('BENCH_CALLERS', 50, LENIENT);

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
      const redis = await connectIoredis(port);
      return { read: (key) => redis.get(`bench:${key}`), close: () => quitIoredis(redis) };
    },
  },
  {
    id: 'raw-ap',
    name: 'ioredis GET, 1 connection, enableAutoPipelining',
    async open(port) {
      const redis = await connectIoredis(port, { enableAutoPipelining: true });
      return { read: (key) => redis.get(`bench:${key}`), close: () => quitIoredis(redis) };
    },
  },
  {
    id: 'kit',
    name: 'redis-kit client GET (lanes: 2)',
    async open(port) {
      const redis = await connectKit(port);
      return { read: (key) => redis.get(`bench:${key}`), close: () => redis.close() };
    },
  },
  {
    id: 'wrap-redis',
    name: 'cache.wrap() hit, served by Redis (no near-cache)',
    async open(port) {
      const redis = await connectKit(port);
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
  const redis = await connectKit(port);
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

/** This bench does not report CPU time. */
type Cell = Omit<MeasuredCell, 'clientCpuUs' | 'serverCpuUs'>;

async function runRow(row: Row, server: BenchRedisServer): Promise<Cell> {
  const target = await row.open(server.port);
  const run = await runCallers({
    callers: CALLERS,
    warmupMs: WARMUP_MS,
    seconds: SECONDS,
    op: () => target.read(KEYS[(Math.random() * HOT_KEYS) | 0] as string),
    // Every 16th latency is kept: enough for percentiles without a big array at millions of ops/s.
    sampleEvery: 16,
    // A near-cache hit never waits on I/O; let timers and sockets run now and then.
    yieldEvery: 1024,
  });
  await target.close();
  logErrors(row.name, run);
  return measuredCell(run, SECONDS, 'floor');
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const server = await startRedisServer({ dirPrefix: 'redis-kit-bench-cache-' });
  const seed = await connectIoredis(server.port);
  const redisVersion = (await checkOwnServer(seed, server)) ?? '?';
  for (const [i, key] of KEYS.entries()) {
    const value = JSON.stringify({ ...VALUE, id: i });
    await seed.set(`bench:${key}`, value);
  }
  seed.disconnect();

  const results = new Rounds<Cell>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of ROWS) {
      const cell = await runRow(row, server);
      results.add(row.id, cell);
      console.error(`round ${round}: ${row.name}: ${formatOps(cell.opsPerSec)} ops/s`);
    }
  }
  server.kill();

  const ops = (id: Row['id']): number => results.find(id)?.best.opsPerSec ?? Number.NaN;
  const ms = (n: number): string => (n < 0.01 ? n.toFixed(4) : n < 1 ? n.toFixed(3) : n.toFixed(2));
  const lines = [
    `Node ${process.version}, Redis ${redisVersion}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, load ${loadavg()[0]?.toFixed(2)} (1 min) at the end;`,
    `${HOT_KEYS} hot keys, ${CALLERS} concurrent callers, ${WARMUP_MS} ms warm-up + ${SECONDS} s per row, best of ${plural(ROUNDS, 'round')}.`,
    '',
    markdownTable(
      [
        { title: 'Read path', align: 'left' },
        { title: 'ops/s', align: 'right' },
        { title: 'p50 ms', align: 'right' },
        { title: 'p99 ms', align: 'right' },
        { title: 'every round, ops/s', align: 'left' },
        { title: 'errors', align: 'right' },
      ],
      ROWS.map((row) => {
        const found = results.find(row.id);
        if (found === undefined) return [row.name, '—', '—', '—', '—', '—'];
        const { best: cell, all } = found;
        return [row.name, formatOps(cell.opsPerSec), ms(cell.p50Ms), ms(cell.p99Ms), formatRounds(all), String(cell.errors)];
      }),
    ),
    '',
    markdownTable(
      [
        { title: 'Ratio (ops/s)', align: 'left' },
        { title: 'value', align: 'right' },
        { title: 'target', align: 'left' },
      ],
      [
        ['near-cache get / raw ioredis GET', `**${(ops('get-near') / ops('raw')).toFixed(1)}×**`, '≥ 10×'],
        ['near-cache get / raw ioredis GET with auto-pipelining', `${(ops('get-near') / ops('raw-ap')).toFixed(1)}×`, '—'],
        ['near-cache wrap / raw ioredis GET', `${(ops('wrap-near') / ops('raw')).toFixed(1)}×`, '—'],
        ['wrap hit via Redis / raw ioredis GET', `${(ops('wrap-redis') / ops('raw')).toFixed(2)}×`, '—'],
      ],
    ),
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
