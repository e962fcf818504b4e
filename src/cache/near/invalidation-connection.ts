import type { RedisClient } from '../../client/client.js';
import type { Engine } from '../../engine/engine.js';
import { InvalidArgumentError } from '../../errors.js';
import { kConnectionFactory } from '../../client/internal.js';
import { publishConnectionEvents } from '../../pool/connection-events.js';

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
 * database as the client's other connections, on RESP2 (see the
 * 'invalidation' role in topology/create-engine-client.ts for why), named
 * `<connectionName>:invalidation` in CLIENT LIST, and published on the
 * connection channels with role `'invalidation'`. On a cluster, to the
 * primary at `node`.
 */
export function openInvalidationConnection(
  redis: RedisClient,
  retryStrategy: (attempt: number) => number | null,
  node?: string,
): InvalidationConnection {
  const factory = redis[kConnectionFactory];
  if (factory === undefined) throw new InvalidArgumentError('the near-cache needs a Redis server; memory:// has none');
  if (redis.options.mode === 'cluster' && node === undefined) {
    throw new InvalidArgumentError('in cluster mode an invalidation connection belongs to one node: give its address');
  }
  // On a cluster: one per primary (see ClusterInvalidationHub), each tracking what that node holds.
  const engine =
    node === undefined ? factory.create('invalidation', retryStrategy) : factory.createOnNode('invalidation', node, retryStrategy);
  publishConnectionEvents(engine, 'invalidation');
  return {
    engine,
    onInvalidate(listener) {
      engine.onInvalidation(listener);
    },
  };
}
