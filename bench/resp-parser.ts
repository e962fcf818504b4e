/**
 * The own engine's RESP parser beside the parsers that exist: parse throughput
 * of small replies, arrays and a 1 MB bulk (fed in 64 KB socket-sized chunks),
 * then GET/SET end to end over one connection: RespConnection (both flush
 * schedulers) against ioredis.
 *
 *   npm run build && node build/bench/resp-parser.js [--write]
 *
 * Parsers: redis-kit's ReplyParser; ioredis 6's decoder (its port of
 * node-redis's, `ioredis/built/resp/decoder.js`) with the mapping ioredis uses
 * (Buffers, turned into strings by ioredis afterwards) and with strings; and
 * redis-parser 3 (ioredis 5's, RESP2 only) when it can be loaded: it is not a
 * dependency here, so point REDIS_PARSER_PATH at a checkout of it (its
 * `redis-errors` dependency must resolve from there).
 *
 * `--write` replaces the "Own engine: parser" section of docs/benchmarks.md.
 * Environment: BENCH_SECONDS (end-to-end seconds per cell, default 2),
 * BENCH_ROUNDS (default 3), REDIS_PARSER_PATH, REDIS_SERVER.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { Decoder, RESP_TYPES } from 'ioredis/built/resp/decoder.js';
import { ReplyParser } from '../src/engine/resp/reply-parser.js';
import { RespConnection } from '../src/engine/resp/resp-connection.js';
import { runCallers } from './support/callers.js';
import { docPath, replaceDocSection } from './support/docs.js';
import { formatOps } from './support/format.js';
import { markdownTable } from './support/markdown.js';
import { positiveCount } from './support/options.js';
import { HOST, startRedisServer } from './support/redis-server.js';

const SECONDS = positiveCount('BENCH_SECONDS', 2);
const ROUNDS = positiveCount('BENCH_ROUNDS', 3);
const CHUNK = 64 * 1024;

/** A parser under test: feed it chunks, count what it delivers. */
interface Candidate {
  name: string;
  make(onValue: () => void, buffers: boolean): (chunk: Buffer) => void;
}

const ours: Candidate = {
  name: 'redis-kit ReplyParser',
  make(onValue, buffers) {
    const parser = new ReplyParser({ wantsBuffers: () => buffers, onReply: onValue, onError: onValue, onPush: onValue });
    return (chunk) => parser.feed(chunk);
  },
};

function ioredisDecoder(asIoredisDoes: boolean): Candidate {
  const legacy = {
    [RESP_TYPES.SIMPLE_STRING]: Buffer,
    [RESP_TYPES.BLOB_STRING]: Buffer,
    [RESP_TYPES.VERBATIM_STRING]: Buffer,
    [RESP_TYPES.MAP]: Array,
    [RESP_TYPES.SET]: Array,
  };
  const strings = { [RESP_TYPES.MAP]: Array, [RESP_TYPES.SET]: Array };
  return {
    name: asIoredisDoes ? "ioredis 6 decoder, ioredis's mapping (Buffers)" : 'ioredis 6 decoder, strings',
    make(onValue, buffers) {
      const mapping = asIoredisDoes || buffers ? legacy : strings;
      const decoder = new Decoder({ getTypeMapping: () => mapping, onReply: onValue, onErrorReply: onValue, onPush: onValue });
      return (chunk) => decoder.write(chunk);
    },
  };
}

interface RedisParserModule {
  new (options: Record<string, unknown>): { execute(chunk: Buffer): void };
}

function redisParser(): Candidate | undefined {
  const require = createRequire(import.meta.url);
  let Parser: RedisParserModule;
  try {
    Parser = require(process.env.REDIS_PARSER_PATH ?? 'redis-parser') as RedisParserModule;
  } catch (error) {
    console.log(`redis-parser not loaded (${(error as Error).message.split('\n')[0]}); set REDIS_PARSER_PATH to compare with it`);
    return undefined;
  }
  return {
    name: 'redis-parser 3 (RESP2 only)',
    make(onValue, buffers) {
      const parser = new Parser({ returnReply: onValue, returnError: onValue, returnFatalError: onValue, returnBuffers: buffers });
      return (chunk) => parser.execute(chunk);
    },
  };
}

/** A workload: the bytes of many replies, cut into socket-sized chunks, and how many replies they hold. */
interface Workload {
  name: string;
  chunks: Buffer[];
  replies: number;
  bytes: number;
  buffers: boolean;
}

/** `reply` holds `perUnit` replies; it is repeated `count` times. */
function workload(name: string, reply: Buffer, count: number, buffers = false, perUnit = 1): Workload {
  const all = Buffer.concat(Array.from({ length: count }, () => reply));
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(Buffer.from(all.subarray(at, at + CHUNK)));
  return { name, chunks, replies: count * perUnit, bytes: all.length, buffers };
}

const value100 = 'v'.repeat(100);
const WORKLOADS: Workload[] = [
  workload('GET/SET replies (+OK, 100-byte bulk)', Buffer.from(`+OK\r\n$100\r\n${value100}\r\n`), 50_000, false, 2),
  workload('integers (:12345)', Buffer.from(':12345\r\n'), 100_000),
  workload(
    'arrays of 10 bulks (MGET-like)',
    Buffer.from(`*10\r\n${Array.from({ length: 10 }, (_, i) => `$8\r\nvalue-0${i}\r\n`).join('')}`),
    20_000,
  ),
  workload('1 MB bulk as string', Buffer.from(`$${1 << 20}\r\n${'x'.repeat(1 << 20)}\r\n`), 20),
  workload('1 MB bulk as Buffer', Buffer.from(`$${1 << 20}\r\n${'x'.repeat(1 << 20)}\r\n`), 20, true),
];

/** Best of ROUNDS: replies per second and MB/s for one parser on one workload. */
function measure(candidate: Candidate, load: Workload): { repliesPerSec: number; mbPerSec: number } {
  let best = 0;
  for (let round = 0; round < ROUNDS + 1; round++) {
    let delivered = 0;
    const feed = candidate.make(() => delivered++, load.buffers);
    const started = performance.now();
    let passes = 0;
    // At least 300 ms per round so the JIT and GC settle.
    while (performance.now() - started < 300) {
      for (const chunk of load.chunks) feed(chunk);
      passes++;
    }
    const seconds = (performance.now() - started) / 1000;
    if (delivered !== passes * load.replies) throw new Error(`${candidate.name} delivered ${delivered} of ${passes * load.replies}`);
    // The first round is warm-up.
    if (round > 0) best = Math.max(best, passes / seconds);
  }
  return { repliesPerSec: best * load.replies, mbPerSec: (best * load.bytes) / 1e6 };
}

async function endToEnd(): Promise<string[][]> {
  const server = await startRedisServer();
  const rows: string[][] = [];
  try {
    const value = 'v'.repeat(100);
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    let n = 0;
    type Client = {
      name: string;
      get(key: string): Promise<unknown>;
      set(key: string, v: string): Promise<unknown>;
      /** Socket writes so far, when the client can tell. */
      writes(): number | undefined;
      close(): Promise<void>;
    };
    const clients: (() => Promise<Client>)[] = [
      ...(['microtask', 'nextTick'] as const).map((flushWith) => async (): Promise<Client> => {
        const c = new RespConnection({ host: HOST, port: server.port, flushWith });
        await c.connect();
        return {
          name: `RespConnection (flush: ${flushWith})`,
          get: (key) => c.call('GET', [key]),
          set: (key, v) => c.call('SET', [key, v]),
          writes: () => c.socketWrites,
          close: () => c.quit(),
        };
      }),
      ...[false, true].map((autoPipelining) => async (): Promise<Client> => {
        const r = new Redis({ host: HOST, port: server.port, lazyConnect: true, enableAutoPipelining: autoPipelining });
        await r.connect();
        return {
          name: `ioredis 6${autoPipelining ? ', enableAutoPipelining' : ''}`,
          get: (key) => r.get(key),
          set: (key, v) => r.set(key, v),
          writes: () => undefined,
          close: async () => {
            await r.quit();
          },
        };
      }),
    ];
    for (const callers of [1, 50]) {
      const all = clients.map((): number[] => []);
      const perWrite = clients.map((): number[] => []);
      const names: string[] = [];
      // Rounds outermost, so the machine's noise spreads over every client alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, open] of clients.entries()) {
          const client = await open();
          names[i] = client.name;
          const writesBefore = client.writes();
          n = 0;
          const result = await runCallers({
            callers,
            warmupMs: 200,
            seconds: SECONDS,
            serverPid: server.pid,
            op: () => {
              const key = keys[n++ % keys.length] as string;
              return n % 2 === 0 ? client.get(key) : client.set(key, value);
            },
          });
          all[i]?.push(result.ops / SECONDS);
          const writesAfter = client.writes();
          // Over the whole run (warm-up included): commands per socket write.
          if (writesBefore !== undefined && writesAfter !== undefined) perWrite[i]?.push(n / Math.max(1, writesAfter - writesBefore));
          await client.close();
        }
      }
      for (const [i, name] of names.entries()) {
        const ops = all[i] ?? [];
        const writes = perWrite[i] ?? [];
        const coalesced = writes.length === 0 ? '—' : (writes.reduce((a, b) => a + b, 0) / writes.length).toFixed(1);
        rows.push([String(callers), name, formatOps(Math.max(...ops)), ops.map(formatOps).join(' / '), coalesced]);
        console.log(rows.at(-1)?.join(' | '));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const candidates = [ours, ioredisDecoder(true), ioredisDecoder(false), redisParser()].filter((c): c is Candidate => c !== undefined);
  const parseRows: string[][] = [];
  for (const load of WORKLOADS) {
    for (const candidate of candidates) {
      const { repliesPerSec, mbPerSec } = measure(candidate, load);
      parseRows.push([load.name, candidate.name, formatOps(Math.round(repliesPerSec)), mbPerSec.toFixed(0)]);
      console.log(parseRows.at(-1)?.join(' | '));
    }
  }
  const e2eRows = await endToEnd();
  const section = [
    `Generated by \`bench/resp-parser.ts\` (\`node build/bench/resp-parser.js --write\`) on ${new Date().toISOString().slice(0, 10)},`,
    `Node.js ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), shared machine; best of ${ROUNDS} rounds.`,
    '',
    'Parse throughput, in-process (no sockets): the replies are concatenated and fed in 64 KB chunks, as a socket delivers them.',
    '',
    markdownTable(
      [
        { title: 'Workload', align: 'left' },
        { title: 'Parser', align: 'left' },
        { title: 'replies/s', align: 'right' },
        { title: 'MB/s', align: 'right' },
      ],
      parseRows,
    ),
    '',
    `End to end over one connection to a local redis-server: GET/SET 50/50, 100-byte values, ${SECONDS} s per cell.`,
    '',
    markdownTable(
      [
        { title: 'Callers', align: 'right' },
        { title: 'Client', align: 'left' },
        { title: 'ops/s', align: 'right' },
        { title: 'every round', align: 'right' },
        { title: 'commands per socket write', align: 'right' },
      ],
      e2eRows,
    ),
  ].join('\n');
  if (process.argv.includes('--write')) replaceDocSection(docPath('benchmarks.md'), 'own-engine-parser', section);
  else console.log(`\n${section}`);
}

await main();
