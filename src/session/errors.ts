import { isRedisDown } from '../fallback/availability.js';
import { RedisKitError, type RedisKitErrorCode } from '../errors.js';

/** Codes of the session store's own errors (listed in `RedisKitErrorCode` too). */
export type SessionErrorCode = Extract<RedisKitErrorCode, `ERR_REDIS_SESSION_${string}`>;

/**
 * A stored session could not be turned back into a session object: the
 * serializer threw (malformed JSON, a blob written with another serializer),
 * or it produced something that is not a plain object (an array, a number,
 * `null`, a `cookie` that is not an object).
 *
 * `store.get()` and `store.all()` reject with it; the framework adapters treat
 * it as "no session" (the framework then starts a fresh one) and report it.
 * The message never contains the session id: the id is a credential.
 */
export class SessionDecodeError extends RedisKitError {
  /** The store's namespace the blob was found in, e.g. `sess:`. */
  readonly prefix: string;

  constructor(prefix: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_REDIS_SESSION_DECODE', `a stored session under '${prefix}' cannot be read: ${problem}`, options);
    this.prefix = prefix;
  }
}

/** The serializer could not encode a session (a BigInt, a cycle …). Nothing was written. */
export class SessionEncodeError extends RedisKitError {
  constructor(problem: string, options?: { cause?: unknown }) {
    super('ERR_REDIS_SESSION_ENCODE', `a session cannot be stored: ${problem}`, options);
  }
}

/**
 * Redis could not be reached for a session operation, as the framework
 * adapters report it. `statusCode` is 503, which Fastify's error handler and
 * Express's final handler both answer with as they are; `cause` is the
 * redis-kit error underneath (`RedisUnavailableError`, `CommandTimeoutError` …).
 */
export class SessionUnavailableError extends RedisKitError {
  /** Always 503 (Service Unavailable). */
  readonly statusCode = 503;

  constructor(options: { cause: unknown }) {
    // The message is what frameworks show to clients: it names no host, no key, no id.
    super('ERR_REDIS_SESSION_UNAVAILABLE', 'the session store is unavailable: Redis cannot be reached', options);
  }
}

/**
 * The HTTP status an error from the session store (or any redis-kit call)
 * should be answered with: 503 when Redis could not be reached (a
 * {@link SessionUnavailableError}, or an error `isRedisDown` recognises,
 * anywhere in the `cause` chain), otherwise `undefined` — leave it to the
 * app's own error handling.
 */
export function sessionErrorStatus(error: unknown): 503 | undefined {
  let current: unknown = error;
  // Bounded: a cause chain can be cyclic.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof SessionUnavailableError || isRedisDown(current)) return 503;
    current = current.cause;
  }
  return undefined;
}
