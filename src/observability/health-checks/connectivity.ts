import { type CheckBase, type HealthTarget, runCheck } from './check.js';

/** Whether Redis answers a PING. Its failure makes the report `unhealthy`. */
export interface ConnectivityCheck extends CheckBase {
  /** PING round trip, ms. */
  latencyMs?: number;
  /** `'redis'`, or `'memory'` for `memory://` (no Redis, by choice). */
  mode?: 'redis' | 'memory';
  message?: string;
}

export function checkConnectivity(client: HealthTarget, timeoutMs: number): Promise<ConnectivityCheck> {
  return runCheck<ConnectivityCheck>(
    timeoutMs,
    async (budget) => {
      const started = performance.now();
      await client.sendCommand('ping', [], { timeoutMs: budget.remainingMs });
      return { durationMs: budget.elapsedMs, status: 'pass', mode: 'redis', latencyMs: performance.now() - started };
    },
    (failure) => ({ ...failure, mode: 'redis' }),
  );
}

/** `memory://`: there is no Redis to reach, and that was chosen. */
export function memoryModeConnectivity(): ConnectivityCheck {
  return {
    status: 'warn',
    durationMs: 0,
    mode: 'memory',
    message: 'REDIS_URL is memory://: the services run on their in-memory fallbacks by choice; nothing is shared between processes',
  };
}
