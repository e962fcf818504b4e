/**
 * The throughput probe: a bounded GET/SET mix at a fixed concurrency, timed
 * per operation. `redis-kit bench` drives it from the command line and the
 * reference service reuses it for `GET /api/v1/test/redis`, so it knows
 * nothing of either: it takes anything that can send a command and reports
 * progress through a callback.
 */

import { InvalidArgumentError } from '../errors.js';
import { Histogram, type Summary } from '../pool/histogram.js';

/** What the probe needs from a client: `RedisClient` satisfies it. */
export interface ProbeTarget {
  sendCommand(name: string, args: unknown[]): Promise<unknown>;
}

/** Progress, reported at most every `progressEvery` operations and once at the end. */
export interface ProbeProgress {
  /** Operations finished (successfully or not). */
  completed: number;
  /** The operation count the run stops at (the cap in duration mode). */
  operations: number;
  /** Time since the start, ms. */
  elapsedMs: number;
  /** The duration the run stops at, ms; undefined when it runs by count. */
  durationMs: number | undefined;
}

export interface ThroughputProbeOptions {
  /** Operations to run. Integer 1 to {@link PROBE_LIMITS}.operations.max; default 10,000. In duration mode, a cap. */
  operations?: number;
  /** Operations in flight at once. Integer 1 to 1000; default 10. */
  concurrency?: number;
  /** Bytes per SET value. Integer 1 to 1,048,576 (1 MiB); default 100. */
  valueSize?: number;
  /**
   * Run for this long (ms) instead of a count, 100 to 600,000; default: by count.
   * The operation cap still applies (default 1,000,000 in this mode) so a run is always bounded.
   */
  durationMs?: number;
  /** Share of GETs, 0 to 1; default 0.5 (the rest are SETs). */
  readRatio?: number;
  /** Distinct keys written, 1 to 10,000; default 1000. All share one hash tag (one Cluster slot). */
  keys?: number;
  /** Called as operations finish (throttled) and once at the end, for a progress bar. */
  onProgress?: (progress: ProbeProgress) => void;
  /** Stops the run early; what finished so far is reported. */
  signal?: AbortSignal;
}

/** What a run measured. */
export interface ThroughputReport {
  operations: number;
  gets: number;
  sets: number;
  errors: number;
  /** Error codes (or names) seen, with counts. */
  errorCodes: Record<string, number>;
  concurrency: number;
  valueSize: number;
  durationMs: number;
  opsPerSecond: number;
  /** Per-operation latency, ms. */
  latency: Summary;
}

/** The accepted ranges, also for help texts. */
export const PROBE_LIMITS = {
  operations: { min: 1, max: 1_000_000, default: 10_000 },
  concurrency: { min: 1, max: 1000, default: 10 },
  valueSize: { min: 1, max: 1_048_576, default: 100 },
  durationMs: { min: 100, max: 600_000 },
  keys: { min: 1, max: 10_000, default: 1000 },
} as const;

const KEY_TAG = '{redis-kit:probe}:';

function checkInt(name: string, value: number | undefined, limits: { min: number; max: number }, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < limits.min || value > limits.max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${limits.min} to ${limits.max}; received ${String(value)}`);
  }
  return value;
}

/** The options with defaults applied, or an {@link InvalidArgumentError} naming the first bad one. */
export function resolveProbeOptions(options: ThroughputProbeOptions = {}) {
  const durationMs = options.durationMs === undefined ? undefined : checkInt('durationMs', options.durationMs, PROBE_LIMITS.durationMs, 0);
  const readRatio = options.readRatio ?? 0.5;
  if (typeof readRatio !== 'number' || !(readRatio >= 0 && readRatio <= 1)) {
    throw new InvalidArgumentError(`readRatio must be a number from 0 to 1; received ${String(readRatio)}`);
  }
  const defaultOps = durationMs === undefined ? PROBE_LIMITS.operations.default : PROBE_LIMITS.operations.max;
  return {
    operations: checkInt('operations', options.operations, PROBE_LIMITS.operations, defaultOps),
    concurrency: checkInt('concurrency', options.concurrency, PROBE_LIMITS.concurrency, PROBE_LIMITS.concurrency.default),
    valueSize: checkInt('valueSize', options.valueSize, PROBE_LIMITS.valueSize, PROBE_LIMITS.valueSize.default),
    keys: checkInt('keys', options.keys, PROBE_LIMITS.keys, PROBE_LIMITS.keys.default),
    durationMs,
    readRatio,
  };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Runs the probe against `target`. Arguments are checked before anything is
 * sent ({@link InvalidArgumentError}); failed operations are counted, not
 * thrown, so a flaky server shows up in the report. The probe's keys are
 * deleted afterwards.
 */
export async function runThroughputProbe(target: ProbeTarget, options: ThroughputProbeOptions = {}): Promise<ThroughputReport> {
  const resolved = resolveProbeOptions(options);
  const { operations, concurrency, valueSize, keys, durationMs, readRatio } = resolved;
  const value = 'x'.repeat(valueSize);
  const latency = new Histogram();
  const errorCodes: Record<string, number> = {};
  let started = 0;
  let completed = 0;
  let gets = 0;
  let sets = 0;
  let errors = 0;
  let touched = 0;
  const progressEvery = Math.max(1, Math.floor(operations / 200));
  const begin = performance.now();
  const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : begin + durationMs;
  const report = () => options.onProgress?.({ completed, operations, elapsedMs: performance.now() - begin, durationMs });

  const more = () => started < operations && performance.now() < deadline && options.signal?.aborted !== true;
  const worker = async () => {
    while (more()) {
      const n = started++;
      const key = `${KEY_TAG}${n % keys}`;
      // A deterministic, evenly spread mix (golden-ratio sequence): the same flags make the same run.
      const read = (n * 0.618_033_988_75) % 1 < readRatio;
      const t0 = performance.now();
      try {
        if (read) await target.sendCommand('get', [key]);
        else await target.sendCommand('set', [key, value]);
      } catch (error) {
        errors++;
        const code = errorCode(error);
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
      latency.record(performance.now() - t0);
      if (read) gets++;
      else sets++;
      touched = Math.max(touched, Math.min(n + 1, keys));
      completed++;
      if (completed % progressEvery === 0) report();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - begin;
  report();
  await cleanUp(target, touched);
  return {
    operations: completed,
    gets,
    sets,
    errors,
    errorCodes,
    concurrency,
    valueSize,
    durationMs: elapsed,
    opsPerSecond: elapsed > 0 ? (completed * 1000) / elapsed : 0,
    latency: latency.summary(),
  };
}

async function cleanUp(target: ProbeTarget, written: number): Promise<void> {
  const BATCH = 500;
  for (let from = 0; from < written; from += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, written - from) }, (_, i) => `${KEY_TAG}${from + i}`);
    // Best effort: a probe that measured a failing server must still report; the keys are tiny and few.
    await target.sendCommand('del', batch).catch((error: unknown) => errorCode(error));
  }
}
