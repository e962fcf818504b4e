import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { type RedisKit, RedisKitError } from '../../src/index.js';
import { type RedisServer, startRedis, withTimeout } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * Every public way to send work, under every way for it to fail: whatever
 * rejects, rejects with a RedisKitError that has a code, and nothing hangs.
 */

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What a path may do when Redis is gone: reject, or (services with a fallback answer) resolve. */
interface Path {
  name: string;
  run(redis: RedisKit, services: Services): Promise<unknown>;
  /** False for services that answer by their fail mode instead of rejecting. */
  mustReject: boolean;
}

interface Services {
  cache: ReturnType<RedisKit['cache']>;
  sessions: ReturnType<RedisKit['sessions']>;
  limiter: ReturnType<RedisKit['rateLimiter']>;
}

const script = { lua: "return redis.call('GET', KEYS[1])", numberOfKeys: 1 };

const PATHS: Path[] = [
  { name: 'plain command', mustReject: true, run: (r) => r.get('sweep') },
  { name: 'sendCommand', mustReject: true, run: (r) => r.sendCommand('set', ['sweep', 'v']) },
  { name: 'lease command', mustReject: true, run: (r) => r.lease((c) => c.get('sweep')) },
  { name: 'lease multi', mustReject: true, run: (r) => r.lease((c) => c.multi().set('sweep', '1').exec()) },
  { name: 'lease pipeline', mustReject: true, run: (r) => r.lease((c) => c.pipeline().get('sweep').exec()) },
  { name: 'lane pipeline', mustReject: true, run: (r) => r.pipeline().get('sweep').exec() },
  { name: 'lane multi', mustReject: true, run: (r) => r.multi().set('sweep', '1').exec() },
  { name: 'blocking command', mustReject: true, run: (r) => r.blpop('sweep-empty', 1) },
  { name: 'script', mustReject: true, run: (r) => r.defineScript(script).run(r, ['sweep']) },
  { name: 'cache get (fallback none)', mustReject: true, run: (_, s) => s.cache.get('sweep') },
  { name: 'cache set (fallback none)', mustReject: true, run: (_, s) => s.cache.set('sweep', 'v') },
  { name: 'sessions get', mustReject: true, run: (_, s) => s.sessions.get('sweep') },
  { name: 'sessions set', mustReject: true, run: (_, s) => s.sessions.set('sweep', { cookie: {} }) },
  // failMode 'closed' answers with a denial instead of rejecting; a rejection must still be typed.
  { name: 'rate limiter consume (failMode closed)', mustReject: false, run: (_, s) => s.limiter.consume('sweep') },
  { name: 'pub/sub subscribe', mustReject: true, run: (r) => r.subscribe('sweep-channel', () => undefined) },
];

function servicesOf(redis: RedisKit): Services {
  return {
    cache: redis.cache({ namespace: 'sweep', fallback: 'none' }),
    sessions: redis.sessions(),
    limiter: redis.rateLimiter({ limit: 10, windowMs: 1000, failMode: 'closed' }),
  };
}

function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value: unknown) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** Starts every path, bounded by a wide safety net so a hang is reported by name, not as a test timeout. */
async function sweep(redis: RedisKit, services: Services, netMs: number): Promise<Map<string, Outcome>> {
  const started = PATHS.map((path) => {
    let promise: Promise<unknown>;
    try {
      promise = path.run(redis, services);
    } catch (error) {
      promise = Promise.reject(error);
    }
    return withTimeout(outcome(promise), netMs, path.name).then(
      (result) => [path.name, result] as const,
      (error: unknown) => [path.name, { ok: false, error: new Error(`HUNG: ${String(error)}`) }] as const,
    );
  });
  return new Map(await Promise.all(started));
}

function assertTyped(scenario: string, results: Map<string, Outcome>): void {
  const problems: string[] = [];
  for (const path of PATHS) {
    const result = results.get(path.name);
    if (result === undefined) continue;
    if (result.ok) {
      if (path.mustReject) problems.push(`${path.name}: resolved ${inspect(result.value)}`);
      continue;
    }
    const error = result.error;
    if (!(error instanceof RedisKitError) || typeof error.code !== 'string' || !error.code.startsWith('ERR_REDIS_')) {
      problems.push(`${path.name}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }
  assert.deepEqual(problems, [], `${scenario}:\n${problems.join('\n')}`);
}

describe('rejections sweep: every public path rejects with a typed RedisKitError', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  /** A connected client with its services used once, so connections exist when the fault hits. */
  async function connected(): Promise<{ redis: RedisKit; services: Services }> {
    const redis = kitFor(server, {
      commandTimeoutMs: 300,
      acquireTimeoutMs: 300,
      connectTimeoutMs: 1000,
      socketTimeoutMs: 1000,
      breakerFailureThreshold: 2,
      // Idle pooled connections for every lease path at once, so each reaches its command or batch.
      minConnections: 6,
    });
    await redis.connect();
    const services = servicesOf(redis);
    await services.cache.set('warm', 'v');
    await services.limiter.consume('warm');
    return { redis, services };
  }

  it('destroy() while work is pending on a paused server', async () => {
    const { redis, services } = await connected();
    await server.pause();
    try {
      const results = sweep(redis, services, 1000);
      // Everything pending fails at once (~100 ms); the net is 10x that.
      redis.destroy();
      assertTyped('destroy', await results);
      assertTyped('after destroy', await sweep(redis, services, 3000));
    } finally {
      await server.resume();
    }
  });

  it('a paused server', async () => {
    const { redis, services } = await connected();
    await server.pause();
    try {
      assertTyped('paused', await sweep(redis, services, 5000));
    } finally {
      redis.destroy();
      await server.resume();
    }
  });

  it('a killed server', async () => {
    const { redis, services } = await connected();
    await server.kill();
    try {
      assertTyped('killed', await sweep(redis, services, 5000));
    } finally {
      redis.destroy();
      await server.restart();
    }
  });

  it('a closed client', async () => {
    const { redis, services } = await connected();
    await redis.close();
    assertTyped('closed', await sweep(redis, services, 3000));
  });
});
