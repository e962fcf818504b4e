import type { RedisOptions } from 'ioredis';
import type { ResolvedConfig } from '../config/options.js';
import type { ConnectionRole } from '../observability/channels.js';

/**
 * Longest a sentinel may take to answer one question (which master, which
 * sentinels) before the next one is asked. A paused sentinel still accepts
 * TCP (the kernel's backlog) and never answers; without this bound, ioredis
 * waits on it forever and the client never finds the master.
 */
export const SENTINEL_COMMAND_TIMEOUT_MS = 1000;

/** Sentinels a lane (or the subscriber) listens to for `+switch-master`. */
const FAILOVER_DETECTOR_SENTINELS = 3;

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
 * - Lanes and the subscriber also listen for `+switch-master` on a few
 *   sentinels and reconnect as soon as a failover is announced, instead of
 *   waiting for the old primary's socket to fail (a paused primary never
 *   closes it). Leases do not: they are many, short-lived, and replaced
 *   when they fail.
 */
export function sentinelClientOptions(config: ResolvedConfig, role: ConnectionRole): RedisOptions {
  const detect = role === 'lane' || role === 'subscriber';
  return {
    sentinels: [...config.sentinels],
    name: config.sentinelMaster,
    role: 'master',
    sentinelPassword: config.sentinelPassword,
    sentinelCommandTimeout: Math.min(SENTINEL_COMMAND_TIMEOUT_MS, config.connectTimeoutMs),
    reconnectOnError: (error: Error) => (/^READONLY\b/.test(error.message) ? 1 : false),
    failoverDetector: detect,
    sentinelMaxConnections: FAILOVER_DETECTOR_SENTINELS,
  };
}
