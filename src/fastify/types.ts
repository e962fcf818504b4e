import type { Lease, RedisKit } from '../index.js';
import type { RequestLeaseOptions } from '../adapters/response-lease.js';

// The plugin's decorations, visible to every file that imports 'redis-kit/fastify'.
declare module 'fastify' {
  interface FastifyInstance {
    /** The client the plugin created or was handed (`{ client }`). */
    redis: RedisKit;
  }

  interface FastifyRequest {
    /**
     * **required**: the client. While Redis is unavailable it throws
     * RedisUnavailableError, which the plugin answers with 503 + Retry-After;
     * the route need not catch anything.
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
