import type { Lease, RedisKit } from '../index.js';
import type { RequestLeaseOptions } from '../adapters/response-lease.js';

// What the redisKit() middleware attaches to `req`, visible to every file that imports 'redis-kit/express'.
declare global {
  namespace Express {
    interface Request {
      /**
       * **required**: the client. While Redis is unavailable it throws
       * RedisUnavailableError; with `redisErrorHandler()` mounted, that is a
       * 503 + Retry-After (Express 5 passes a rejected handler to `next(err)`).
       */
      redis(): RedisKit;
      /** **optional**: the client, or `null` while Redis is unavailable, so the route can degrade. */
      redisOptional(): RedisKit | null;
      /**
       * **managed**: runs `fn` on an exclusive connection, released when `fn`
       * ends or when the HTTP client disconnects first (the lease is then aborted).
       */
      lease<T>(fn: (connection: Lease) => Promise<T>, options?: RequestLeaseOptions): Promise<T>;
    }
  }
}
