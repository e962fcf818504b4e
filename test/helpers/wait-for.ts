import { once as onceEvent } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** Rejection reason of every bounded wait in the test helpers. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Pause between two evaluations of the predicate. Default 10. */
  intervalMs?: number;
  /** Describes the awaited state in the timeout message, e.g. `'proxy to drop all connections'`. */
  what?: string;
}

/**
 * Polls `predicate` until it returns (or resolves to) `true`.
 *
 * Only for states that emit no event to await (a pid disappearing, a counter in `CLIENT LIST`).
 * The predicate is evaluated at once, then every `intervalMs`, never concurrently with itself.
 * A predicate that throws counts as "not yet"; the last error is attached as `cause` of the
 * {@link TimeoutError} so a broken predicate is not mistaken for a slow condition.
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, opts: WaitForOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 10, what = 'condition' } = opts;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - performance.now();
    if (attempt > 0 && remaining <= 0) break;
    try {
      // Bounded by the deadline too: a predicate that never settles must not hang the test.
      if (await withTimeout(Promise.resolve().then(predicate), Math.max(remaining, 1), `predicate for ${what}`)) {
        return;
      }
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const pause = Math.min(intervalMs, deadline - performance.now());
    if (pause > 0) await sleep(pause);
  }
  const detail = lastError === undefined ? '' : `; last error: ${errorText(lastError)}`;
  throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, { cause: lastError });
}

/**
 * Like `events.once`, but rejects with a {@link TimeoutError} when `event` is not emitted within
 * `timeoutMs`. Resolves with the event's arguments; rejects if the emitter emits `'error'` first
 * (unless `'error'` is the awaited event).
 */
export async function once<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string | symbol,
  timeoutMs = 5000,
): Promise<T> {
  const controller = new AbortController();
  // Our own (ref'ed) timer rather than AbortSignal.timeout(): an unref'ed timer would let the
  // process exit mid-wait when nothing else is pending.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return (await onceEvent(emitter, event, { signal: controller.signal })) as T;
  } catch (err) {
    if (controller.signal.aborted) {
      throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for '${String(event)}' event`, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Settles like `promise`, or rejects with a {@link TimeoutError} naming `what` after `timeoutMs`.
 * The underlying operation is not cancelled; callers clean it up themselves.
 */
export function withTimeout<T>(promise: PromiseLike<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`timed out after ${Math.round(timeoutMs)} ms waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
