/**
 * Every error redis-kit throws is a {@link RedisKitError} with a stable `code`.
 * Callers branch on the subclass (`instanceof`) or on `code`; the message is for
 * humans and may change. What caused it is kept as `cause`: for an engine
 * error, a sanitized copy (name, message, errno code), since the engine's own
 * error carries the command's arguments, and AUTH's hold the password.
 *
 * Messages never contain secrets: anything built from configuration goes
 * through the redaction in `config/redact.ts` first.
 */

export type RedisKitErrorCode =
  | 'ERR_REDIS_CONFIG'
  | 'ERR_REDIS_CONNECT'
  | 'ERR_REDIS_AUTH'
  | 'ERR_REDIS_UNAVAILABLE'
  | 'ERR_REDIS_NODE_UNAVAILABLE'
  | 'ERR_REDIS_CONNECTION_LOST'
  | 'ERR_REDIS_POOL_TIMEOUT'
  | 'ERR_REDIS_MAX_CLIENTS'
  | 'ERR_REDIS_CLOSED'
  | 'ERR_REDIS_QUEUE_FULL'
  | 'ERR_REDIS_COMMAND_TIMEOUT'
  | 'ERR_REDIS_ABORTED'
  | 'ERR_REDIS_REPLY'
  | 'ERR_REDIS_NOPERM'
  | 'ERR_REDIS_OOM'
  | 'ERR_REDIS_EXECABORT'
  | 'ERR_REDIS_WRONGTYPE'
  | 'ERR_REDIS_READONLY'
  | 'ERR_REDIS_NOREPLICAS'
  | 'ERR_REDIS_SLOT_MOVED'
  | 'ERR_REDIS_WRITE_CONCERN'
  | 'ERR_REDIS_NOT_ALLOWED'
  | 'ERR_REDIS_INVALID_ARGUMENT'
  | 'ERR_REDIS_ENGINE'
  | 'ERR_REDIS_VALIDATION'
  | 'ERR_REDIS_CONFLICT'
  | 'ERR_REDIS_CROSS_SLOT'
  | 'ERR_REDIS_CLUSTER_TOPOLOGY'
  // The services' own codes; their classes live next to each service.
  | 'ERR_REDIS_CACHE_ENCODE'
  | 'ERR_REDIS_CACHE_DECODE'
  | 'ERR_REDIS_CACHE_KEY'
  | 'ERR_REDIS_CACHE_CODEC'
  | 'ERR_REDIS_SESSION_DECODE'
  | 'ERR_REDIS_SESSION_ENCODE'
  | 'ERR_REDIS_SESSION_UNAVAILABLE'
  | 'ERR_REDIS_PUBSUB_HANDLER'
  | 'ERR_REDIS_UNIQUE_VIOLATION'
  | 'ERR_REDIS_RECORD_NOT_FOUND';

export interface RedisKitErrorOptions {
  cause?: unknown;
}

export class RedisKitError extends Error {
  readonly code: RedisKitErrorCode;

  constructor(code: RedisKitErrorCode, message: string, options?: RedisKitErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}
