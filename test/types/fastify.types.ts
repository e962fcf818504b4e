/**
 * Type tests for redis-kit/fastify: compiled by `tsc` with the rest of test/,
 * never run (no `.test.` in the name, and only a function is exported). Every
 * `@ts-expect-error` must stay an error, or the build fails.
 */
import Fastify from 'fastify';
import { type RedisKitPluginOptions, redisKit } from '../../src/fastify/plugin.js';
import type { Lease, RedisKit } from '../../src/index.js';

export async function fastifyTypes(redis: RedisKit): Promise<void> {
  const app = Fastify();
  await app.register(redisKit, { url: 'redis://127.0.0.1:6379', commandTimeoutMs: 500, healthRoutes: true });
  await app.register(redisKit, { client: redis, healthRoutes: { prefix: '/ops' }, closeDeadlineMs: 100 });
  await app.register(redisKit);

  // @ts-expect-error -- not an option of the client or the plugin
  await app.register(redisKit, { notAnOption: true });
  // @ts-expect-error -- { client } or client options, not both
  await app.register(redisKit, { client: redis, url: 'redis://127.0.0.1:6379' });
  // @ts-expect-error -- healthRoutes is a boolean or { prefix }
  await app.register(redisKit, { healthRoutes: 'yes' });
  // @ts-expect-error -- closeDeadlineMs is a number of ms
  const badDeadline: RedisKitPluginOptions = { closeDeadlineMs: '5s' };
  void badDeadline;

  const client: RedisKit = app.redis;
  void client;
  // @ts-expect-error -- app.redis is the client, not a function
  app.redis();

  app.get('/', async (request) => {
    const required: RedisKit = request.redis();
    const optional = request.redisOptional();
    // @ts-expect-error -- redisOptional() is null while Redis is unavailable
    await optional.get('k');
    // @ts-expect-error -- request.redis is a method: call it
    await request.redis.get('k');

    const count: number = await request.lease(async (conn: Lease) => conn.incr('n'));
    // @ts-expect-error -- the lease resolves to what fn returns
    const text: string = await request.lease(async (conn) => conn.incr('n'));
    // @ts-expect-error -- fn must return a promise
    await request.lease((conn) => conn.connectionId);
    await request.lease(async () => 1, { signal: AbortSignal.timeout(1000), timeoutMs: 50 });
    // @ts-expect-error -- not a lease option
    await request.lease(async () => 1, { retries: 3 });

    return { required: await required.get('k'), optional: optional === null ? null : await optional.get('k'), count, text };
  });
}
