/**
 * What one queued lane command holds, by kind of object: issues 10,000 GETs in one tick on
 * `createRedis({ lanes: 2, engine })` (as the queued-10k cell of bench/lanes.ts does), takes a
 * V8 heap snapshot before any is written, and prints the objects that grew against a snapshot
 * taken just before, per command:
 *
 *   npm run build && node --expose-gc build/bench/support/queued-heap.js [engine=resp] [N=10000]
 *
 * Starts its own redis-server on a free port. The snapshot counts the JS heap only (the encoded
 * bytes waiting for the socket are one Buffer per tick, not per command).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { connectKit } from './connections.js';
import { startRedisServer } from './redis-server.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self bytes and counts per `type:name` of every node in a heap snapshot file. */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + typeAt] as number] ?? '?';
    let name = data.strings[data.nodes[i + nameAt] as number] ?? '?';
    // Strings and numbers are named by their value: fold them into one row per type.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = '';
    const key = `${type}:${name}`;
    const row = out.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += data.nodes[i + sizeAt] as number;
    out.set(key, row);
  }
  return out;
}

function collectGarbage(): void {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  gc();
  gc();
}

async function main(): Promise<void> {
  const engine = process.argv[2] === 'ioredis' ? 'ioredis' : 'resp';
  const n = Number(process.argv[3] ?? 10_000);
  const server = await startRedisServer();
  const redis = await connectKit(server.port, { engine, lanes: 2 });
  const keys = Array.from({ length: n }, (_, i) => `bench:key:${String(i % 10_000).padStart(5, '0')}`);
  await Promise.all(keys.slice(0, 2000).map((k) => redis.get(k)));
  const dir = tmpdir();
  const before = join(dir, `queued-heap-${process.pid}-before.heapsnapshot`);
  const after = join(dir, `queued-heap-${process.pid}-after.heapsnapshot`);
  collectGarbage();
  writeHeapSnapshot(before);
  // Snapshots are synchronous: nothing is written to the socket before the second one.
  const pending = keys.map((k) => redis.get(k));
  writeHeapSnapshot(after);
  await Promise.all(pending);
  await redis.close();
  await server.stop();
  const a = census(before);
  const b = census(after);
  rmSync(before);
  rmSync(after);
  const rows: { key: string; count: number; bytes: number }[] = [];
  for (const [key, row] of b) {
    const base = a.get(key) ?? { count: 0, bytes: 0 };
    const bytes = row.bytes - base.bytes;
    if (bytes > 0) rows.push({ key, count: row.count - base.count, bytes });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`engine '${engine}', ${n} GETs queued: ${(total / n).toFixed(0)} B of JS heap per command (objects that grew)`);
  console.log('  B/cmd  objects/cmd  type:name');
  for (const row of rows.slice(0, 20)) {
    console.log(`${(row.bytes / n).toFixed(1).padStart(7)}  ${(row.count / n).toFixed(2).padStart(11)}  ${row.key}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
