import { Histogram, type Summary } from './histogram.js';

/** What the exclusive pool has done since it was made; read through `client.stats()`. */
export interface PoolStatsSnapshot {
  /** Connections opened. */
  created: number;
  /** Connection attempts that failed. */
  failed: number;
  /** Connections closed, by reason ('idle', 'lifetime', 'broken', 'dirty', 'validation', 'close', 'destroy'). */
  destroyed: Record<string, number>;
  /** Leases handed out. */
  acquired: number;
  /** Acquires that ended without a lease, by error code. */
  acquireFailures: Record<string, number>;
  /** Share of leases served by a connection that already existed (0–1). */
  reuseRatio: number;
  /** The last backoff delay before re-trying a failed connection, ms. */
  lastRetryDelayMs: number;
  acquireWait: Summary;
  holdTime: Summary;
}

export class PoolStats {
  created = 0;
  failed = 0;
  acquired = 0;
  reused = 0;
  lastRetryDelayMs = 0;
  readonly destroyed: Record<string, number> = {};
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

  recordDestroy(reason: string): void {
    this.destroyed[reason] = (this.destroyed[reason] ?? 0) + 1;
  }

  snapshot(): PoolStatsSnapshot {
    return {
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
  }
}
