/**
 * Reading a benchmark's settings from the environment and its command line.
 */

/** What {@link positiveNumber} does with a value that is set but is not a positive number. */
export interface PositiveNumberOptions {
  /** `'throw'` (default): refuse it with an error naming the variable; `'fallback'`: use the default instead. */
  invalid?: 'throw' | 'fallback';
}

/**
 * Reads a positive number from environment variable `name`.
 *
 * @param name - the variable, e.g. `BENCH_SECONDS`
 * @param fallback - the value when the variable is unset or empty
 * @returns the number; see {@link PositiveNumberOptions.invalid} for one that is not positive or not a number
 */
export function positiveNumber(name: string, fallback: number, options: PositiveNumberOptions = {}): number {
  const raw = process.env[name];
  if (options.invalid === 'fallback') {
    const value = Number(raw);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  }
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Like {@link positiveNumber}, rounded to a whole number of at least 1 (a count of rounds or callers). */
export function positiveCount(name: string, fallback: number, options: PositiveNumberOptions = {}): number {
  return Math.max(1, Math.round(positiveNumber(name, fallback, options)));
}

/** How long each cell runs, and how often the whole set of cells is run. */
export interface Timing {
  /** Measured seconds per cell (`BENCH_SECONDS`). */
  seconds: number;
  /** Un-measured warm-up per cell, ms (`BENCH_WARMUP_MS`). */
  warmupMs: number;
  /** Passes over all cells, the best of which is kept (`BENCH_ROUNDS`). */
  rounds: number;
}

/**
 * Reads `BENCH_SECONDS`, `BENCH_WARMUP_MS` and `BENCH_ROUNDS`.
 *
 * @param defaults - the values of unset variables
 */
export function readTiming(defaults: Timing, options: PositiveNumberOptions = {}): Timing {
  return {
    seconds: positiveNumber('BENCH_SECONDS', defaults.seconds, options),
    warmupMs: positiveNumber('BENCH_WARMUP_MS', defaults.warmupMs, options),
    rounds: positiveCount('BENCH_ROUNDS', defaults.rounds, options),
  };
}

/**
 * Reads a comma-separated list from environment variable `name`, items trimmed.
 *
 * @returns the items, or undefined when the variable is unset or blank
 */
export function listEnv(name: string): string[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => item.trim());
}

/** True when the command line holds `flag`, e.g. `--write`. */
export function hasFlag(flag: string): boolean {
  return process.argv.includes(flag);
}
