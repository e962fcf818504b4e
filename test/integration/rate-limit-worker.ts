/**
 * Fixture for rate-limit-concurrency.test.ts, run in a child process by
 * child_process.fork: one of several processes hammering one key.
 *
 * argv: <redis url> <algorithm> <limit> <windowMs> <key> <attempts> <concurrency>
 * Protocol: sends { type: 'ready' } once connected, waits for { type: 'go' }
 * (so all processes start together), then sends
 * { type: 'done', allowed, denied, sources } and exits.
 */
import { createRedis } from '../../src/index.js';
import { testEngine } from '../helpers/kit.js';
import { createRateLimiter, type RateLimitAlgorithm } from '../../src/rate-limit/index.js';

interface Go {
  type: 'go';
}

async function main(): Promise<void> {
  const [url, algorithm, limit, windowMs, key, attempts, concurrency] = process.argv.slice(2);
  if (url === undefined || concurrency === undefined || process.send === undefined) {
    throw new Error('usage: fork(rate-limit-worker.js, [url, algorithm, limit, windowMs, key, attempts, concurrency])');
  }
  const redis = createRedis({ env: {}, engine: testEngine, url, commandTimeoutMs: 10_000 });
  // failMode 'closed': a fallback answer would be a second, uncoordinated count, so it must show up as a denial, never as an allow.
  const limiter = createRateLimiter(redis, {
    algorithm: algorithm as RateLimitAlgorithm,
    limit: Number(limit),
    windowMs: Number(windowMs),
    failMode: 'closed',
  });
  await redis.connect();
  const go = new Promise<void>((resolve) => {
    process.on('message', (message: Go) => {
      if (message.type === 'go') resolve();
    });
  });
  process.send({ type: 'ready' });
  await go;

  let remaining = Number(attempts);
  let allowed = 0;
  let denied = 0;
  const sources: Record<string, number> = {};
  const loop = async (): Promise<void> => {
    while (remaining > 0) {
      remaining--;
      const result = await limiter.consume(key as string);
      sources[result.source] = (sources[result.source] ?? 0) + 1;
      if (result.allowed) allowed++;
      else denied++;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, loop));
  await redis.close();
  process.send({ type: 'done', allowed, denied, sources });
  process.disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  process.disconnect?.();
});
