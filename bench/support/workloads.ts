/**
 * What bench/lanes.ts asks the clients to do: the GET/SET mix of issue #8 at 1 / 50 / 500
 * callers, and cells for how the cost grows with the work (large values, MGET, pipelines) and
 * for the memory 10,000 commands in flight hold.
 */
import type { Redis } from 'ioredis';
import type { PeerId, Target } from './peers.js';

export type WorkloadId = 'getset' | 'get-10k' | 'get-1m' | 'mget-100' | 'pipeline-100' | 'queued-10k';

export interface Workload {
  id: WorkloadId;
  /** What a row of its table measures. */
  label: string;
  /** Concurrent callers, one cell each. */
  callers: readonly number[];
  /** The clients it runs. */
  peers: readonly PeerId[];
  /** Reply bytes one operation moves, for MB/s (0: not shown). */
  bytesPerOp: number;
  /** Commands one operation is (an MGET or a pipeline counts its keys in the commands/s column). */
  commandsPerOp: number;
}

export const KEY_COUNT = 10_000;
export const VALUE_BYTES = 100;
/** Commands issued at once by the memory cell. */
export const QUEUED_COMMANDS = 10_000;
const BIG_KEYS = 16;
const HUGE_KEYS = 4;

const ALL: readonly PeerId[] = ['raw', 'raw-ap', 'lanes2', 'lanes2-resp', 'lanes1-resp', 'lease', 'lease-resp', 'gpool', 'bare'];
const STREAMING: readonly PeerId[] = ['raw', 'raw-ap', 'lanes2', 'lanes2-resp', 'bare'];

export const WORKLOADS: readonly Workload[] = [
  { id: 'getset', label: 'GET/SET 50/50, 100-byte values', callers: [1, 50, 500], peers: ALL, bytesPerOp: 0, commandsPerOp: 1 },
  { id: 'get-10k', label: 'GET of 10 KB values', callers: [50], peers: STREAMING, bytesPerOp: 10 * 1024, commandsPerOp: 1 },
  { id: 'get-1m', label: 'GET of 1 MB values', callers: [4], peers: STREAMING, bytesPerOp: 1024 * 1024, commandsPerOp: 1 },
  {
    id: 'mget-100',
    label: 'MGET of 100 keys (100-byte values)',
    callers: [50],
    peers: STREAMING,
    bytesPerOp: 100 * VALUE_BYTES,
    commandsPerOp: 100,
  },
  { id: 'pipeline-100', label: 'pipeline of 100 GETs', callers: [10], peers: STREAMING, bytesPerOp: 100 * VALUE_BYTES, commandsPerOp: 100 },
  {
    id: 'queued-10k',
    label: `memory held by ${QUEUED_COMMANDS.toLocaleString('en-US')} GETs issued at once`,
    callers: [1],
    peers: STREAMING,
    bytesPerOp: 0,
    commandsPerOp: 1,
  },
];

export const KEYS: readonly string[] = Array.from({ length: KEY_COUNT }, (_, i) => `bench:key:${String(i).padStart(5, '0')}`);
const BIG: readonly string[] = Array.from({ length: BIG_KEYS }, (_, i) => `bench:10k:${i}`);
const HUGE: readonly string[] = Array.from({ length: HUGE_KEYS }, (_, i) => `bench:1m:${i}`);
export const VALUE = makeValue(VALUE_BYTES);

const randomKey = (): string => KEYS[(Math.random() * KEY_COUNT) | 0] as string;
const randomKeys = (n: number): string[] => Array.from({ length: n }, randomKey);

/** One operation of `workload` on `target`. */
export function operation(workload: WorkloadId, target: Target): () => Promise<unknown> {
  switch (workload) {
    case 'getset':
      return () => (Math.random() < 0.5 ? target.get(randomKey()) : target.set(randomKey(), VALUE));
    case 'get-10k':
      return () => target.get(BIG[(Math.random() * BIG_KEYS) | 0] as string);
    case 'get-1m':
      return () => target.get(HUGE[(Math.random() * HUGE_KEYS) | 0] as string);
    case 'mget-100':
      return () => target.mget(randomKeys(100));
    case 'pipeline-100':
      return () => target.pipelineGets(randomKeys(100));
    case 'queued-10k':
      return () => target.get(randomKey());
  }
}

/** Writes every key the workloads read. */
export async function preloadWorkloads(redis: Redis): Promise<void> {
  const pipeline = redis.pipeline();
  for (const key of KEYS) pipeline.set(key, VALUE);
  for (const key of BIG) pipeline.set(key, makeValue(10 * 1024));
  for (const key of HUGE) pipeline.set(key, makeValue(1024 * 1024));
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error !== null);
  if (failed !== undefined) throw failed[0];
}

function makeValue(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let value = '';
  for (let i = 0; i < bytes; i++) value += alphabet[(i * 7 + 3) % alphabet.length];
  return value;
}
