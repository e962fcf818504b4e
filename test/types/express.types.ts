/**
 * Type tests for redis-kit/express: compiled by `tsc` with the rest of test/,
 * never run. Every `@ts-expect-error` must stay an error, or the build fails.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { redisErrorHandler, redisKit } from '../../src/express/index.js';
import type { Lease, RedisKit } from '../../src/index.js';

export function expressTypes(redis: RedisKit): void {
  const app = express();
  const middleware: RequestHandler = redisKit(redis);
  const onError: ErrorRequestHandler = redisErrorHandler();
  app.use(middleware);
  app.use(redisErrorHandler(redis));

  // @ts-expect-error -- the middleware needs the client (Express has no close hook to own one)
  redisKit();
  // @ts-expect-error -- takes a client, not options
  redisKit({ url: 'redis://127.0.0.1:6379' });

  app.get('/', async (req, res) => {
    const required: RedisKit = req.redis();
    const optional = req.redisOptional();
    // @ts-expect-error -- redisOptional() is null while Redis is unavailable
    await optional.get('k');
    const count: number = await req.lease(async (conn: Lease) => conn.incr('n'));
    // @ts-expect-error -- the lease resolves to what fn returns
    const text: string = await req.lease(async (conn) => conn.incr('n'));
    // @ts-expect-error -- not a lease option
    await req.lease(async () => 1, { retries: 3 });
    // strict with @types/express 5: req.ip may be undefined
    // @ts-expect-error -- string | undefined is not a string
    const ip: string = req.ip;
    const key: string = req.ip ?? '';
    res.json({ value: await required.get('k'), count, text, ip, key });
  });
  app.use(onError);
}
