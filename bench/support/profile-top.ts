/**
 * Prints the top functions of a V8 CPU profile (`node --cpu-prof`, or `BENCH_CPU_PROF=<dir>` of
 * bench/lanes.ts) by self time, with their share of all samples:
 *
 *   node build/bench/support/profile-top.js <file.cpuprofile> [N=25] [skipMs=0]
 *
 * `skipMs` drops the first samples (module loading, connecting, warm-up) so the rows are the
 * measured window's. A second table gives the total time (self + callees) of the redis-kit
 * functions, for the cost of a whole path such as runLease.
 *
 * Self time is the time in the function itself, not in what it calls: where the CPU actually
 * went. Functions are merged by name and location, so one function reached by several call
 * paths is one row.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  // Strip the path up to build/ or node_modules/ so rows stay short.
  const file = url.replace(/^.*\/(build|node_modules)\//, '$1/').replace(/^node:/, 'node:');
  return `${name} ${file === url ? basename(url) : file}:${lineNumber + 1}`;
}

function main(): void {
  const [file, topArg, skipArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-top <file.cpuprofile> [N]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const skipUs = Number(skipArg ?? 0) * 1000;
  const selfUs = new Map<string, number>();
  const nodeSelfUs = new Map<number, number>();
  let totalUs = 0;
  let clockUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    clockUs += delta;
    if (node === undefined || clockUs < skipUs) continue;
    const key = label(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    nodeSelfUs.set(id, (nodeSelfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  }
  const idle = selfUs.get('(idle)') ?? 0;
  const busyUs = totalUs - idle;
  console.log(`${basename(file)}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${(busyUs / 1e6).toFixed(2)} s busy (not idle)`);
  console.log('  self ms   % busy  function');
  const rows = [...selfUs.entries()].filter(([key]) => key !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [key, us] of rows.slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${((100 * us) / busyUs).toFixed(1).padStart(6)}%  ${key}`);
  }
  const totals = totalTimes(profile.nodes, byId, nodeSelfUs);
  console.log('  total ms  % busy  redis-kit function (self + callees)');
  const own = [...totals.entries()].filter(([key]) => key.includes('build/src/')).sort((a, b) => b[1] - a[1]);
  for (const [key, us] of own.slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${((100 * us) / busyUs).toFixed(1).padStart(6)}%  ${key}`);
  }
}

/** Self + callees per label; a label that recurses is counted once per sample path (outermost frame). */
function totalTimes(nodes: ProfileNode[], byId: Map<number, ProfileNode>, nodeSelfUs: Map<number, number>): Map<string, number> {
  const totals = new Map<string, number>();
  const root = nodes[0];
  if (root === undefined) return totals;
  const walk = (node: ProfileNode, open: Set<string>): number => {
    const key = label(node);
    const outermost = !open.has(key);
    if (outermost) open.add(key);
    let us = nodeSelfUs.get(node.id) ?? 0;
    for (const child of node.children ?? []) {
      const next = byId.get(child);
      if (next !== undefined) us += walk(next, open);
    }
    if (outermost) {
      open.delete(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
    return us;
  };
  walk(root, new Set());
  return totals;
}

main();
