import type { ResolvedMode } from '../config/options.js';
import { AuthError, ConnectError, RedisKitError } from '../errors.js';

const WHERE: Record<ResolvedMode, string> = {
  standalone: 'REDIS_URL',
  cluster: 'REDIS_CLUSTER_NODES',
  sentinel: 'REDIS_SENTINELS and REDIS_SENTINEL_MASTER',
  memory: 'REDIS_URL',
};

/**
 * Adds to a failed `connect()` what an operator should check, so the error
 * that stops a service at startup says how to fix it, not only what broke.
 * The type and code stay the same; the original error is the cause.
 */
export function diagnoseConnectFailure(error: unknown, target: string, mode: ResolvedMode): unknown {
  if (error instanceof AuthError) {
    return new AuthError(
      // The server's own words may already end a sentence ("… user is disabled.").
      `${error.message.replace(/\.$/, '')}. Check REDIS_USERNAME / REDIS_PASSWORD (or the credentials in REDIS_URL) and that user's ACL on ${target}`,
      { cause: error },
    );
  }
  if (error instanceof ConnectError) {
    const hint = /timed out/.test(error.message)
      ? 'the server took the connection but did not finish the handshake: is it overloaded or paused, or is it a TLS port reached without rediss://?'
      : `is Redis running there, and does ${WHERE[mode]} point at it?`;
    return new ConnectError(target, `${error.message}. Check: ${hint}`, { cause: error });
  }
  if (error instanceof RedisKitError) return error;
  return new ConnectError(target, `connecting to ${target} failed: ${String(error)}`, { cause: error });
}
