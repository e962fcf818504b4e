/**
 * CPU accounting: the CPU time (user + system) of this process and of the benchmark's redis-server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time so far, in µs: this process, and redis-server from /proc/<pid>/stat (NaN where that is missing). */
export interface CpuMark {
  client: number;
  server: number;
}

// Read once at start, never inside a measured window: it runs a process.
const CLOCK_TICKS_PER_SECOND = clockTicks();

/** The CPU time of this process and of process `serverPid` (the redis-server) so far. */
export function cpuMark(serverPid: number | undefined): CpuMark {
  const usage = process.cpuUsage();
  return { client: usage.user + usage.system, server: processCpuUs(serverPid) };
}

/** CPU time (utime + stime) of another process so far, µs, from /proc; NaN when it cannot be read. */
export function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6;
  } catch {
    // No /proc (not Linux): the column shows '—'.
    return Number.NaN;
  }
}

/** CPU µs per operation between two marks; NaN when either is missing or nothing completed. */
export function cpuPerOp(from: number | undefined, until: number | undefined, ops: number): number {
  return from === undefined || until === undefined || ops === 0 ? Number.NaN : (until - from) / ops;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
