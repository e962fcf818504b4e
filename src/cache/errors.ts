import { RedisKitError, type RedisKitErrorCode, type RedisKitErrorOptions } from '../errors.js';

/** The cache's own error codes (listed in {@link RedisKitErrorCode} too). */
export type CacheErrorCode = Extract<RedisKitErrorCode, `ERR_REDIS_CACHE_${string}`>;

/** Base of the cache's errors, so callers can branch on `instanceof CacheError` or on `code`. */
export class CacheError extends RedisKitError {
  constructor(code: CacheErrorCode, message: string, options?: RedisKitErrorOptions) {
    super(code, message, options);
  }
}

/**
 * A value could not be encoded by the cache's codec (a BigInt or a cycle in
 * JSON, `undefined`, a function …). Thrown before anything is written: Redis
 * and the memory store are untouched. `cause` is the codec's own error.
 */
export class CacheEncodeError extends CacheError {
  /** The codec that refused the value (`json`, `msgpack`, or a custom codec's name). */
  readonly codec: string;

  constructor(codec: string, message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CACHE_ENCODE', message, options);
    this.codec = codec;
  }
}

/**
 * What is stored under a cache key cannot be decoded (not JSON, another
 * codec's bytes, a hash where a string was expected). The cache never throws
 * it at a reader: the read is a miss, the error is counted in
 * `stats().errors` and handed to the `onError` option.
 */
export class CacheDecodeError extends CacheError {
  readonly codec: string;
  /** The caller's key (not the Redis key, which may carry a prefix). */
  readonly key: string;

  constructor(codec: string, key: string, message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CACHE_DECODE', message, options);
    this.codec = codec;
    this.key = key;
  }
}

/** A cache key could not be derived from arguments (`cached()`): a function, a symbol or a cycle among them. */
export class CacheKeyError extends CacheError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CACHE_KEY', message, options);
  }
}

/** A codec cannot be used here, e.g. `msgpackCodec()` without the optional `msgpackr` package installed. */
export class CodecUnavailableError extends CacheError {
  constructor(message: string, options?: RedisKitErrorOptions) {
    super('ERR_REDIS_CACHE_CODEC', message, options);
  }
}
