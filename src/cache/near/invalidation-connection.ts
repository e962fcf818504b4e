import type { Redis } from 'ioredis';
import type { RedisKit } from '../../client.js';
import { readTlsFiles } from '../../config/tls-files.js';
import { Engine } from '../../engine/engine.js';
import { InvalidArgumentError } from '../../errors.js';
import { kConnectionFactory } from '../../internal.js';
import { createEngineClient } from '../../topology/create-engine-client.js';

/** The channel Redis publishes invalidations on for connections that use RESP2 with REDIRECT. */
export const INVALIDATION_CHANNEL = '__redis__:invalidate';

/** The dedicated connection the near-cache learns about changed keys on. */
export interface InvalidationConnection {
  /** Lifecycle (connect, ready/lost/end events, quit, destroy) and commands, through the engine seam. */
  readonly engine: Engine;
  /**
   * Registers the listener of invalidation messages: the full key names
   * (client key prefix included) that changed or expired, or `null` when the
   * server flushed everything (FLUSHDB/FLUSHALL).
   */
  onInvalidate(listener: (keys: string[] | null) => void): void;
}

/**
 * Opens the invalidation connection: same server, credentials, TLS and
 * database as the client's other connections, named `<connectionName>:invalidation`
 * in CLIENT LIST.
 *
 * Why not `client[kConnectionFactory].create('subscriber', …)` alone: that
 * gives a RESP3 connection, and on RESP3 Redis sends invalidations as
 * `invalidate` push frames, which ioredis 6 drops (its DataHandler handles
 * only pub/sub pushes). On RESP2 with `CLIENT TRACKING … REDIRECT <own id>`
 * they arrive as ordinary pub/sub messages on `__redis__:invalidate`, which
 * ioredis delivers. So this builds the same client the factory would and
 * switches it to RESP2, and reads messages from it, because the engine seam
 * has no message event yet. When the seam gains both (a protocol choice and
 * a message listener), this file shrinks to a call of the factory.
 */
export function openInvalidationConnection(redis: RedisKit, retryStrategy: (attempt: number) => number | null): InvalidationConnection {
  const factory = redis[kConnectionFactory];
  const config = redis.options;
  if (factory === undefined) throw new InvalidArgumentError('the near-cache needs a Redis server; memory:// has none');
  if (config.mode === 'cluster') {
    throw new InvalidArgumentError('the near-cache is not available in cluster mode (tracking would be needed on every master)');
  }
  const base = createEngineClient(config, {
    role: 'subscriber',
    retryStrategy,
    autoPipelining: false,
    tls: config.tls ? readTlsFiles(config) : undefined,
  });
  // Standalone or sentinel (cluster was refused above): an ioredis Redis.
  const client = (base as Redis).duplicate({
    protocol: 2,
    // Resubscribing is ours to do, after CLIENT TRACKING, which RESP2 refuses once subscribed.
    autoResubscribe: false,
    connectionName: `${config.connectionName}:invalidation`,
  });
  return {
    engine: new Engine(client, factory.target),
    onInvalidate(listener) {
      client.on('messageBuffer', (channel: Buffer, message: unknown) => {
        if (channel.toString() !== INVALIDATION_CHANNEL) return;
        if (message === null) listener(null);
        else if (Array.isArray(message)) listener(message.map((key: Buffer | string) => key.toString()));
        else listener([String(message)]);
      });
    },
  };
}
