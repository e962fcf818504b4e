import type { RedisOptions } from 'ioredis';
import type { ResolvedConfig } from '../config/options.js';

/**
 * Longest a sentinel may take to answer one question (which master, which
 * sentinels) before the next one is asked. A paused sentinel still accepts
 * TCP (the kernel's backlog) and never answers; without this bound, ioredis
 * waits on it forever and the client never finds the master.
 */
export const SENTINEL_COMMAND_TIMEOUT_MS = 1000;

/**
 * The whole discovery (every sentinel asked, then the master's handshake) must fit in the
 * connect timeout, so that one paused sentinel cannot use it all up.
 */
function sentinelCommandTimeoutMs(config: ResolvedConfig): number {
  const share = Math.floor(config.connectTimeoutMs / (config.sentinels.length + 1));
  return Math.max(100, Math.min(SENTINEL_COMMAND_TIMEOUT_MS, share));
}

/**
 * The ioredis options of one connection in sentinel mode, on top of the common ones.
 *
 * - Every (re)connect asks the sentinels for the master, one after the
 *   other, each bounded by {@link SENTINEL_COMMAND_TIMEOUT_MS}, and then
 *   checks the role the address reports (ioredis's ready check reads
 *   `INFO replication`; a `role:slave` answer drops the connection and asks
 *   the next sentinel). No address is cached across reconnects, so a
 *   restarted old primary (an empty master until Sentinel demotes it) is
 *   never written to unless the sentinels name it.
 * - A `READONLY` reply (the primary was demoted under the connection) drops
 *   the connection, so it is rediscovered: that write fails with
 *   `ReadOnlyError` (it was not applied, and is not resent), the next ones go
 *   to the new primary rather than failing one after the other.
 * - ioredis's `failoverDetector` (reconnect on `+switch-master`) stays off:
 *   with it on, a lane whose master was killed stopped reconnecting for good
 *   once the detector fired mid-reconnect (measured on the lab: no lane ready
 *   20 s after the failover, against 2.5 s without). A paused primary is left
 *   by the socket timeout instead (`socketTimeoutMs`), then rediscovered.
 */
export function sentinelClientOptions(config: ResolvedConfig): RedisOptions {
  return {
    sentinels: [...config.sentinels],
    name: config.sentinelMaster,
    role: 'master',
    sentinelPassword: config.sentinelPassword,
    sentinelCommandTimeout: sentinelCommandTimeoutMs(config),
    reconnectOnError: (error: Error) => (/^READONLY\b/.test(error.message) ? 1 : false),
    failoverDetector: false,
  };
}
