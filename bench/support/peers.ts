/**
 * The clients bench/lanes.ts compares. Each is opened fresh in its own child process per cell
 * (see cell-process.ts) and closed after it.
 */
import genericPool from 'generic-pool';
import type { Redis } from 'ioredis';
import type { RedisKit } from '../../src/index.js';
import { BareLoop } from './bare-loop.js';
import { connectIoredis, connectKit, quitIoredis } from './connections.js';
import { HOST } from './redis-server.js';

/** What a workload asks of a client, however the client sends it. */
export interface Target {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  mget(keys: readonly string[]): Promise<unknown>;
  /** GET of every key in one pipeline. */
  pipelineGets(keys: readonly string[]): Promise<unknown>;
  close(): Promise<void>;
}

export type PeerId = 'raw' | 'raw-ap' | 'lanes2' | 'lanes2-resp' | 'lanes1-resp' | 'lease' | 'lease-resp' | 'gpool' | 'bare';

export interface Peer {
  /** Row label in the tables. */
  name: string;
  id: PeerId;
  open(port: number): Promise<Target>;
}

export const POOL_MAX = 50;

function ioredisTarget(redis: Redis): Target {
  return {
    get: (k) => redis.get(k),
    set: (k, v) => redis.set(k, v),
    mget: (keys) => redis.mget(...keys),
    pipelineGets: (keys) => redis.pipeline(keys.map((k) => ['get', k])).exec(),
    close: () => quitIoredis(redis),
  };
}

async function openKit(port: number, engine: 'ioredis' | 'resp', lanes: number, via: 'lanes' | 'lease'): Promise<Target> {
  const redis: RedisKit = await connectKit(port, { engine, lanes, maxConnections: POOL_MAX });
  const close = () => redis.close();
  const pipelineGets = (keys: readonly string[]) => {
    const pipeline = redis.pipeline();
    for (const k of keys) pipeline.get(k);
    return pipeline.exec();
  };
  if (via === 'lanes')
    return { get: (k) => redis.get(k), set: (k, v) => redis.set(k, v), mget: (keys) => redis.mget(...keys), pipelineGets, close };
  return {
    get: (k) => redis.lease((conn) => conn.get(k)),
    set: (k, v) => redis.lease((conn) => conn.set(k, v)),
    mget: (keys) => redis.lease((conn) => conn.mget(...keys)),
    pipelineGets,
    close,
  };
}

async function openGenericPool(port: number): Promise<Target> {
  const pool = genericPool.createPool<Redis>(
    { create: () => connectIoredis(port), destroy: (redis) => quitIoredis(redis) },
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
    mget: (keys) => use((r) => r.mget(...keys)),
    pipelineGets: (keys) => use((r) => r.pipeline(keys.map((k) => ['get', k])).exec()),
    async close() {
      await pool.drain();
      await pool.clear();
    },
  };
}

async function openBare(port: number): Promise<Target> {
  const loop = await BareLoop.connect(HOST, port);
  return {
    get: (k) => loop.send('GET', [k]),
    set: (k, v) => loop.send('SET', [k, v]),
    mget: (keys) => loop.send('MGET', keys),
    // The loop batches per tick anyway: a pipeline is the same commands issued at once.
    pipelineGets: (keys) => Promise.all(keys.map((k) => loop.send('GET', [k]))),
    close: () => loop.close(),
  };
}

export const ALL_PEERS: readonly Peer[] = [
  { name: 'ioredis, 1 connection', id: 'raw', open: async (port) => ioredisTarget(await connectIoredis(port)) },
  {
    name: 'ioredis, 1 connection, enableAutoPipelining',
    id: 'raw-ap',
    open: async (port) => ioredisTarget(await connectIoredis(port, { enableAutoPipelining: true })),
  },
  { name: "redis-kit lanes (lanes: 2), engine 'ioredis'", id: 'lanes2', open: (port) => openKit(port, 'ioredis', 2, 'lanes') },
  { name: "redis-kit lanes (lanes: 2), engine 'resp'", id: 'lanes2-resp', open: (port) => openKit(port, 'resp', 2, 'lanes') },
  { name: "redis-kit lanes (lanes: 1), engine 'resp'", id: 'lanes1-resp', open: (port) => openKit(port, 'resp', 1, 'lanes') },
  {
    name: `redis-kit lease per command (maxConnections: ${POOL_MAX}), engine 'ioredis'`,
    id: 'lease',
    open: (port) => openKit(port, 'ioredis', 2, 'lease'),
  },
  {
    name: `redis-kit lease per command (maxConnections: ${POOL_MAX}), engine 'resp'`,
    id: 'lease-resp',
    open: (port) => openKit(port, 'resp', 2, 'lease'),
  },
  { name: `generic-pool + ioredis (max: ${POOL_MAX})`, id: 'gpool', open: openGenericPool },
  { name: 'bare RESP loop, 1 socket, writes batched per tick (Node-side ceiling)', id: 'bare', open: openBare },
];

/** The peer with `id`. */
export function peerById(id: string): Peer {
  const peer = ALL_PEERS.find((p) => p.id === id);
  if (peer === undefined) throw new Error(`no peer ${id}`);
  return peer;
}
