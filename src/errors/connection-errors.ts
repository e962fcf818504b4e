/** Reaching the server: connecting, credentials, the breakers, a connection lost under a command, the engine refusing, a cluster's slot map not settling. */
import { RedisKitError, type RedisKitErrorOptions } from './redis-kit-error.js';

/** A connection could not be made: refused, DNS, TLS, connect timeout. Says where it looked. */
export class ConnectError extends RedisKitError {
  /** `host:port` (or a list of them) that was tried; never contains credentials. */
  readonly target: string;

  constructor(target: string, message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CONNECT', message, options);
    this.target = target;
  }
}

/** The server refused the credentials (WRONGPASS, NOAUTH, an AUTH error). Never retried in a loop. */
export class AuthError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_AUTH', message, options);
  }
}

/** The circuit breaker is open: Redis is considered down and the command was not sent. */
export class RedisUnavailableError extends RedisKitError {
  constructor(
    message: string,
    options?: RedisKitErrorOptions,
    code: 'ERR_REDIS_UNAVAILABLE' | 'ERR_REDIS_NODE_UNAVAILABLE' = 'ERR_REDIS_UNAVAILABLE',
  ) {
    super(code, message, options);
  }
}

/**
 * Cluster mode: the node that serves the command's slot failed several times
 * in a row (no connection, or no reply within the deadline), so its breaker is
 * open and the command was not sent. The other nodes' slots keep working. A
 * RedisUnavailableError, so the services' fallbacks treat it as Redis being
 * down for that key.
 */
export class NodeUnavailableError extends RedisUnavailableError {
  /** `host:port` of the node, as the cluster announces it; never credentials. */
  readonly node: string;

  constructor(node: string, message: string, options?: RedisKitErrorOptions) {
    super(message, options, 'ERR_REDIS_NODE_UNAVAILABLE');
    this.node = node;
  }
}

/**
 * The connection closed while the command was on the wire. The server may or
 * may not have executed it, so it is not resent: the caller decides.
 */
export class ConnectionLostError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CONNECTION_LOST', message, options);
  }
}

/**
 * The protocol engine refused a command before sending it (e.g. a pipeline
 * whose keys span cluster slots). Nothing reached the server.
 */
export class EngineError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_ENGINE', message, options);
  }
}

/**
 * The cluster's slot map did not settle within the bound of an operation that
 * needs every slot (a SCAN of every primary during a failover that does not
 * finish, slots no node serves).
 */
export class ClusterTopologyError extends RedisKitError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CLUSTER_TOPOLOGY', message, options);
  }
}
