import type { Redis } from 'ioredis';
import type { BenchRedisServer } from './redis-server.js';

/**
 * Checks, by `INFO server`'s `process_id`, that `redis` talks to `server` and not to another
 * process that took the port between the probe and redis-server's bind.
 *
 * @returns the server's `redis_version`, or undefined when INFO does not say
 * @throws when another process answers
 */
export async function checkOwnServer(redis: Redis, server: BenchRedisServer): Promise<string | undefined> {
  const info = await redis.info('server');
  const pid = /^process_id:(\d+)/m.exec(info)?.[1];
  if (pid !== String(server.pid)) throw new Error(`port ${server.port} answers from pid ${pid}, not our redis-server (${server.pid})`);
  return /^redis_version:(.*)$/m.exec(info)?.[1]?.trim();
}
