import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CreateRedisOptions, type RedisKit, RedisKitError } from '../../src/index.js';
import type { RespValue } from './resp-protocol.js';
import type { SentinelLab } from './redis-lab.js';
import { waitFor } from './wait-for.js';

/**
 * Load and bookkeeping for failover drills against redis-lab topologies: many callers writing
 * increasing values while a fault is injected, and what became of the writes afterwards.
 */

/** Short timeouts and reconnect delays, so a failover shows up as quick typed errors. */
export const fastFailover = {
  env: {},
  connectTimeoutMs: 1000,
  socketTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  acquireTimeoutMs: 2000,
  retryMaxDelayMs: 200,
  breakerProbeIntervalMs: 200,
} satisfies CreateRedisOptions;

export interface WriteLoadOptions {
  /** The keys, one per caller (so `keys.length` callers write concurrently). */
  keys: readonly string[];
  /** How long the callers write, ms. */
  durationMs: number;
  /** Injects the fault; started `faultAtMs` into the load. Resolves when the fault is in place. */
  fault: () => Promise<void>;
  faultAtMs: number;
  /** Optional second step (e.g. resuming a paused node), `afterFaultMs` after the fault started. */
  recover?: { afterFaultMs: number; run: () => Promise<void> };
  /** The longest a write may take before it counts as past its deadline (its deadline plus scheduling slack). */
  deadlineMs: number;
  /** Pause of a caller between two writes, ms (keeps 50 callers from saturating a shared machine). Default 5. */
  pauseMs?: number;
  /**
   * How much longer than `durationMs` the callers go on while writes still fail, ms: on a loaded
   * machine a failover can take longer than the load, and the drill is about whether the client
   * recovers by itself, not how fast the lab fails over. Default 0.
   */
  graceMs?: number;
}

/** What happened in one second of a load, counted from the fault. */
export interface LoadSecond {
  /** Seconds since the fault (negative before it). */
  s: number;
  ok: number;
  /** Failed writes by error code. */
  failed: Record<string, number>;
}

export interface WriteLoadResult {
  /** Acknowledged values per key, ascending. */
  acked: Map<string, number[]>;
  okCount: number;
  /** Failed writes per error code (`untyped` for anything that is not a RedisKitError). */
  errors: Record<string, number>;
  untyped: string[];
  /** Writes that took longer than `deadlineMs` to settle, with their durations. */
  overDeadline: number[];
  /** Fault start → first successful write after the last failure; 0 when nothing failed. Seconds. */
  recoverS: number;
  /** Fault start → first failed write, seconds (undefined when nothing failed). */
  firstFailureS: number | undefined;
  /** Slowest write, ms. */
  maxLatencyMs: number;
  /** How long the load ran, ms. */
  durationMs: number;
  /** Outcomes per second from one second before the fault on, so a failed drill says how it went. */
  timeline: LoadSecond[];
}

/**
 * Runs `keys.length` callers, each writing 1, 2, 3 … to its own key with `write`, for
 * `durationMs`, injecting the fault on the way. Every write is timed and its outcome kept.
 */
export async function runWriteLoad(
  write: (key: string, value: number) => Promise<unknown>,
  options: WriteLoadOptions,
): Promise<WriteLoadResult> {
  const pauseMs = options.pauseMs ?? 5;
  const acked = new Map<string, number[]>(options.keys.map((key) => [key, []]));
  const errors: Record<string, number> = {};
  const untyped: string[] = [];
  const overDeadline: number[] = [];
  let okCount = 0;
  let maxLatencyMs = 0;
  let faultAt = Number.POSITIVE_INFINITY;
  let firstFailureAt: number | undefined;
  let lastFailureEnd = Number.NEGATIVE_INFINITY;
  const okEnds: number[] = [];
  let lastOkEnd = Number.NEGATIVE_INFINITY;
  const timeline = new Map<number, LoadSecond>();
  const second = (end: number): LoadSecond | undefined => {
    if (!Number.isFinite(faultAt) || end < faultAt - 1000) return undefined;
    const s = Math.floor((end - faultAt) / 1000);
    let entry = timeline.get(s);
    if (entry === undefined) {
      entry = { s, ok: 0, failed: {} };
      timeline.set(s, entry);
    }
    return entry;
  };
  const started = performance.now();
  const stopAt = started + options.durationMs;
  const graceStopAt = stopAt + (options.graceMs ?? 0);
  // Past the nominal end only while the latest outcome is still a failure.
  const goOn = (now: number) => now < stopAt || (now < graceStopAt && lastFailureEnd >= lastOkEnd);

  const caller = async (key: string): Promise<void> => {
    const mine = acked.get(key) ?? [];
    for (let value = 1; goOn(performance.now()); value++) {
      const begin = performance.now();
      let failed = false;
      try {
        await write(key, value);
        mine.push(value);
        okCount++;
      } catch (error) {
        failed = true;
        const code = error instanceof RedisKitError ? error.code : 'untyped';
        const entry = second(performance.now());
        if (entry !== undefined) entry.failed[code] = (entry.failed[code] ?? 0) + 1;
        if (error instanceof RedisKitError) errors[error.code] = (errors[error.code] ?? 0) + 1;
        else {
          errors.untyped = (errors.untyped ?? 0) + 1;
          if (untyped.length < 5) untyped.push(String(error));
        }
      }
      const end = performance.now();
      const took = end - begin;
      maxLatencyMs = Math.max(maxLatencyMs, took);
      if (took > options.deadlineMs) overDeadline.push(Math.round(took));
      if (failed) {
        if (begin >= faultAt) firstFailureAt ??= end;
        lastFailureEnd = Math.max(lastFailureEnd, end);
        await sleep(20);
      } else {
        lastOkEnd = Math.max(lastOkEnd, end);
        const entry = second(end);
        if (entry !== undefined) entry.ok++;
        if (end >= faultAt) okEnds.push(end);
        await sleep(pauseMs);
      }
    }
  };

  const faults = (async () => {
    await sleep(options.faultAtMs);
    faultAt = performance.now();
    await options.fault();
    if (options.recover !== undefined) {
      await sleep(Math.max(0, faultAt + options.recover.afterFaultMs - performance.now()));
      await options.recover.run();
    }
  })();
  await Promise.all([...options.keys.map(caller), faults]);
  const ranMs = performance.now() - started;

  const recoveredAt = okEnds.find((end) => end > lastFailureEnd);
  const recoverS =
    lastFailureEnd < faultAt ? 0 : recoveredAt === undefined ? Number.POSITIVE_INFINITY : round2((recoveredAt - faultAt) / 1000);
  return {
    acked,
    okCount,
    errors,
    untyped,
    overDeadline,
    recoverS,
    firstFailureS: firstFailureAt === undefined ? undefined : round2((firstFailureAt - faultAt) / 1000),
    maxLatencyMs: Math.round(maxLatencyMs),
    durationMs: ranMs,
    timeline: [...timeline.values()].sort((a, b) => a.s - b.s),
  };
}

/**
 * Acknowledged writes missing afterwards: per key, the acknowledged values above the one stored
 * (values only increase, so a stored value covers every acknowledged one up to it).
 */
export async function lostAcked(acked: Map<string, number[]>, read: (key: string) => Promise<RespValue>): Promise<number> {
  let lost = 0;
  for (const [key, values] of acked) {
    const raw = await read(key);
    const stored = raw === null ? 0 : Number(raw);
    lost += values.filter((value) => value > stored).length;
  }
  return lost;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Closes with a deadline: a test that failed mid-failover must not hang in close(). */
export async function closeKit(redis: RedisKit | undefined): Promise<void> {
  await redis?.close({ deadlineMs: 5000 });
}

/**
 * Runs `op` until it succeeds, for at most `boundMs`. Every failure meanwhile must be a typed
 * redis-kit error; their codes are counted.
 */
export async function untilOk<T>(
  what: string,
  boundMs: number,
  op: () => Promise<T>,
): Promise<{ value: T; errors: Record<string, number> }> {
  const started = performance.now();
  const errors: Record<string, number> = {};
  for (;;) {
    try {
      return { value: await op(), errors };
    } catch (error) {
      assert.ok(error instanceof RedisKitError, `${what}: expected only RedisKitErrors, got ${String(error)}`);
      errors[error.code] = (errors[error.code] ?? 0) + 1;
      if (performance.now() - started > boundMs) {
        assert.fail(`${what}: still failing after ${boundMs} ms (${JSON.stringify(errors)}); last: ${error.message}`);
      }
    }
    await sleep(50);
  }
}

/** The data node every sentinel names as master, once they agree (undefined while they do not). */
export async function sentinelsMaster(lab: SentinelLab): Promise<number | undefined> {
  const named = new Set<number>();
  for (const port of lab.sentinelPorts) {
    const reply = (await lab.command(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', lab.masterName)) as RespValue[];
    named.add(Number(reply[1]));
  }
  return named.size === 1 ? [...named][0] : undefined;
}

/** The data nodes of a sentinel lab (master and replicas at start; roles move on failover). */
export function dataPorts(lab: SentinelLab): number[] {
  return [lab.masterPort, ...lab.replicaPorts];
}

/**
 * Waits until the sentinels agree on a master that says `role:master`, and every other data node
 * is its replica, linked and listed online by the master (as the lab's drill script does before
 * a fault). Returns the master and the (first) replica.
 */
export async function settledSentinel(
  lab: SentinelLab,
  timeoutMs = 60_000,
): Promise<{ master: number; replica: number; replicas: number[] }> {
  let result: { master: number; replica: number; replicas: number[] } | undefined;
  await waitFor(
    async () => {
      const master = await sentinelsMaster(lab);
      if (master === undefined) return false;
      const replicas = dataPorts(lab).filter((port) => port !== master);
      const [replica] = replicas;
      if (replica === undefined) return false;
      const masterInfo = String(await lab.command(master, 'INFO', 'replication'));
      if (!/role:master/.test(masterInfo)) return false;
      if ((masterInfo.match(/^slave\d+:.*state=online/gm) ?? []).length !== replicas.length) return false;
      for (const port of replicas) {
        const info = String(await lab.command(port, 'INFO', 'replication'));
        if (!/role:slave/.test(info) || !new RegExp(`master_port:${master}\\b`).test(info) || !/master_link_status:up/.test(info)) {
          return false;
        }
      }
      result = { master, replica, replicas };
      return true;
    },
    { timeoutMs, intervalMs: 200, what: 'the sentinel topology to settle (sentinels agree, replica in sync)' },
  );
  assert.ok(result !== undefined);
  return result;
}
