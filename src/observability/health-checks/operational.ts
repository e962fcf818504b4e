import { randomBytes } from 'node:crypto';
import { type CheckBase, type HealthTarget, runCheck } from './check.js';

/** SET, GET and DEL of a throwaway key. */
export interface OperationalCheck extends CheckBase {
  /** The key used (under the client's key prefix, which the client adds). */
  key?: string;
  /** Which step failed. */
  step?: 'set' | 'get' | 'del';
  message?: string;
}

/** Where throwaway keys go, under the client's key prefix. */
export const HEALTH_KEY_NAMESPACE = 'redis-kit:health:';

/**
 * The key's PX TTL: long enough to outlive the check, short enough that a key
 * whose DEL never ran (the server paused, the connection dropped) is gone soon.
 */
export function healthKeyTtlMs(timeoutMs: number): number {
  return Math.max(5000, Math.ceil(timeoutMs * 2));
}

export function checkOperational(client: HealthTarget, timeoutMs: number): Promise<OperationalCheck> {
  const key = `${HEALTH_KEY_NAMESPACE}${randomBytes(8).toString('hex')}`;
  let step: OperationalCheck['step'] = 'set';
  return runCheck<OperationalCheck>(
    timeoutMs,
    async (budget) => {
      const value = randomBytes(8).toString('hex');
      const ttl = String(healthKeyTtlMs(timeoutMs));
      await client.sendCommand('set', [key, value, 'PX', ttl], { timeoutMs: budget.remainingMs });
      step = 'get';
      const read = await client.sendCommand('get', [key], { timeoutMs: budget.remainingMs });
      step = 'del';
      await client.sendCommand('del', [key], { timeoutMs: budget.remainingMs });
      if (read !== value)
        return { durationMs: budget.elapsedMs, status: 'fail', key, step: 'get', message: 'GET did not return the value just SET' };
      return { durationMs: budget.elapsedMs, status: 'pass', key };
    },
    (failure) => ({ ...failure, key, step }),
  );
}
