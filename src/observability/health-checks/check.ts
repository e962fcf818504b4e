import type { SendOptions } from '../../client/types.js';
import type { ClientStats } from '../../client/stats.js';
import { RedisKitError } from '../../errors.js';
import type { ErrorSummary } from '../../pool/pool-stats.js';

/** pass: fine. warn: works, but see the report's warnings. fail: it did not work. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** What every check reports. */
export interface CheckBase {
  status: CheckStatus;
  /** How long the check took, ms. */
  durationMs: number;
  /** Why it failed: code and message only, never a `cause`. */
  error?: ErrorSummary;
}

/** A check that failed before it produced its own fields. */
export interface FailedCheck extends CheckBase {
  status: 'fail';
  error: ErrorSummary;
}

/** What the checks may call on the client. */
export interface HealthTarget {
  sendCommand(name: string, args: unknown[], options?: SendOptions): Promise<unknown>;
  stats(): ClientStats;
}

/** The code of a check that did not finish within the health `timeoutMs`. */
export const HEALTH_TIMEOUT_CODE = 'ERR_HEALTH_CHECK_TIMEOUT';

/** A deadline shared by the commands of one check: each gets what is left of it. */
export class Budget {
  readonly #start = performance.now();
  readonly #end: number;
  constructor(timeoutMs: number) {
    this.#end = this.#start + timeoutMs;
  }
  /** Time since the check started, ms: its `durationMs`. */
  get elapsedMs(): number {
    return performance.now() - this.#start;
  }
  /** What is left, ms (≥ 0), for the next command's `timeoutMs`. */
  get remainingMs(): number {
    return Math.max(0, this.#end - performance.now());
  }
}

/**
 * Runs one check under `timeoutMs`: a Redis failure, a thrown error or the
 * timeout all become a `fail` result (`onFail` gives it the check's type);
 * it never rejects. The commands carry their own deadlines (the budget), the
 * timer here only makes sure a check cannot outlive it by more than a tick.
 */
export async function runCheck<C extends CheckBase>(
  timeoutMs: number,
  body: (budget: Budget) => Promise<C>,
  onFail: (failure: FailedCheck) => C,
): Promise<C> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([body(new Budget(timeoutMs)), timeout]);
    const durationMs = performance.now() - started;
    if (outcome === 'timeout') {
      return onFail({ status: 'fail', durationMs, error: { code: HEALTH_TIMEOUT_CODE, message: `no answer within ${timeoutMs} ms` } });
    }
    return outcome;
  } catch (caught) {
    return onFail({ status: 'fail', durationMs: performance.now() - started, error: summarizeCaught(caught) });
  } finally {
    clearTimeout(timer);
  }
}

/** An error as a check shows it: a RedisKitError's code and message (they never hold secrets), anything else generically. */
export function summarizeCaught(caught: unknown): ErrorSummary {
  if (caught instanceof RedisKitError) return { code: caught.code, message: caught.message };
  // A foreign error's message could quote anything (a URL with a password): only its name is shown.
  return { code: 'ERR_UNKNOWN', message: caught instanceof Error ? `unexpected ${caught.name}` : 'unexpected failure' };
}
