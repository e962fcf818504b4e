import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ResolvedConfig } from '../config/options.js';
import type { ConnectionRole } from '../observability/channels.js';
import { sentinelClientOptions } from '../topology/sentinel-options.js';

/** What the engine seam needs from an ioredis client; Redis and Cluster both fit. */
export type IoredisClient = Redis | Cluster;

export interface EngineClientOptions {
  /** Label in CLIENT LIST, so operators can tell lanes from leases. */
  role: ConnectionRole;
  /** Lanes reconnect by themselves; leases are replaced instead (null). */
  retryStrategy: ((attempt: number) => number | null) | null;
  /** Lanes write commands back to back within a tick. */
  autoPipelining: boolean;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
}

/**
 * Builds one ioredis client for the configured topology. ioredis's own
 * queues are switched off: redis-kit owns waiting (bounded, under deadlines)
 * and never resends a command whose connection died, because the server may
 * already have run it.
 */
export function createEngineClient(config: ResolvedConfig, options: EngineClientOptions): IoredisClient {
  const base: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    connectTimeout: config.connectTimeoutMs,
    // Destroys a lane whose socket stops answering (a paused or blackholed
    // server) so it reconnects instead of staying wedged. Not on leases: they
    // carry blocking commands that legitimately wait longer, and a lease whose
    // command missed its deadline is destroyed on release anyway.
    socketTimeout: options.role === 'lease' ? undefined : config.socketTimeoutMs,
    // ioredis ends a socket and destroys it only after this much silence, on a
    // timer that is not unref'd: with its 2 s default, a client closed while
    // Redis was unreachable kept the process alive for seconds after close().
    disconnectTimeout: 200,
    keyPrefix: config.keyPrefix === '' ? undefined : config.keyPrefix,
    db: config.db,
    username: config.username,
    password: config.password,
    connectionName: `${config.connectionName}:${options.role}`,
    enableAutoPipelining: options.autoPipelining,
    retryStrategy: options.retryStrategy ?? (() => null),
    tls: config.tls ? { ...options.tls } : undefined,
  };
  if (options.role === 'invalidation') {
    // Client-side caching invalidations: on RESP3 Redis sends them as
    // 'invalidate' push frames, which ioredis 6 drops; on RESP2 with
    // CLIENT TRACKING … REDIRECT they arrive as pub/sub messages on
    // __redis__:invalidate, which it delivers. Resubscribing after a
    // reconnect is the owner's (after CLIENT TRACKING, refused once subscribed).
    base.protocol = 2;
    base.autoResubscribe = false;
  }

  switch (config.mode) {
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: options.autoPipelining,
        keyPrefix: base.keyPrefix,
        clusterRetryStrategy: options.retryStrategy ?? (() => null),
        // ioredis would hold commands through a failover and send them after
        // redis-kit already reported them failed (a write applied after its
        // caller was told it timed out). Fail them instead; MOVED/ASK
        // redirections, which are safe (nothing ran), still follow.
        retryDelayOnFailover: 0,
        retryDelayOnClusterDown: 0,
        retryDelayOnTryAgain: 0,
        // Leases carry transactions and blocking commands: always on the primary.
        scaleReads: config.readFrom === 'replica-preferred' && options.role === 'lane' ? 'slave' : 'master',
        redisOptions: { ...base, keyPrefix: undefined, db: undefined, lazyConnect: undefined },
      };
      return new Cluster([...config.clusterNodes], clusterOptions);
    }
    case 'sentinel':
      return new Redis({
        ...base,
        ...sentinelClientOptions(config),
        sentinelRetryStrategy: (attempt: number) => options.retryStrategy?.(attempt) ?? null,
      });
    case 'standalone':
      return new Redis({ ...base, host: config.host, port: config.port });
    case 'memory':
      throw new Error('memory:// has no Redis connection; the client must not create one');
  }
}
