import type { RedisKitError } from '../errors.js';
import type { DestroyReason } from '../observability/channels.js';
import { Histogram, type Summary } from './histogram.js';

/** An error as stats and health show it: its code and message, nothing from its `cause`. */
export interface ErrorSummary {
  code: string;
  message: string;
}

/** The part of an error that is safe to show (messages never carry secrets; causes are left out). */
export function summarizeError(error: RedisKitError | undefined): ErrorSummary | undefined {
  return error === undefined ? undefined : { code: error.code, message: error.message };
}

/** What the exclusive pool has done since it was made; read through `client.stats()`. */
export interface PoolStatsSnapshot {
  /** Connections opened. */
  created: number;
  /** Connection attempts that failed. */
  failed: number;
  /** Connections closed, by reason. */
  destroyed: Partial<Record<DestroyReason, number>>;
  /** Leases handed out. */
  acquired: number;
  /** Acquires that ended without a lease, by error code. */
  acquireFailures: Record<string, number>;
  /** Share of leases served by a connection that already existed (0–1). */
  reuseRatio: number;
  /** The last backoff delay before re-trying a failed connection, ms. */
  lastRetryDelayMs: number;
  /**
   * Why the last attempt to open a connection failed, while no attempt has
   * succeeded since (`ERR_REDIS_MAX_CLIENTS` when the server is at
   * `maxclients`); absent when the last attempt succeeded.
   */
  lastCreateError?: ErrorSummary;
  acquireWait: Summary;
  holdTime: Summary;
}

export class PoolStats {
  created = 0;
  failed = 0;
  acquired = 0;
  reused = 0;
  lastRetryDelayMs = 0;
  lastCreateError: RedisKitError | undefined;
  readonly destroyed: Partial<Record<DestroyReason, number>> = {};
  readonly acquireFailures: Record<string, number> = {};
  readonly acquireWait = new Histogram();
  readonly holdTime = new Histogram();

  recordAcquire(waitMs: number, reused: boolean): void {
    this.acquired++;
    if (reused) this.reused++;
    this.acquireWait.record(waitMs);
  }

  recordAcquireFailure(code: string | undefined): void {
    const key = code ?? 'unknown';
    this.acquireFailures[key] = (this.acquireFailures[key] ?? 0) + 1;
  }

  recordDestroy(reason: DestroyReason): void {
    this.destroyed[reason] = (this.destroyed[reason] ?? 0) + 1;
  }

  snapshot(): PoolStatsSnapshot {
    const snapshot: PoolStatsSnapshot = {
      created: this.created,
      failed: this.failed,
      destroyed: { ...this.destroyed },
      acquired: this.acquired,
      acquireFailures: { ...this.acquireFailures },
      reuseRatio: this.acquired === 0 ? 0 : this.reused / this.acquired,
      lastRetryDelayMs: this.lastRetryDelayMs,
      acquireWait: this.acquireWait.summary(),
      holdTime: this.holdTime.summary(),
    };
    const lastCreateError = summarizeError(this.lastCreateError);
    if (lastCreateError !== undefined) snapshot.lastCreateError = lastCreateError;
    return snapshot;
  }
}
