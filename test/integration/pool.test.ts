import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { AbortedError, type ConnectionEvent, channelNames, PoolTimeoutError, QueueFullError } from '../../src/index.js';
import { freePort, type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';
import { constructSeeded } from '../helpers/seeded-random.js';

/** A promise and the function that resolves it, to hold a lease open until the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function leaseConnections(server: RedisServer): Promise<number> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => line.includes('name=redis-kit:lease')).length;
}

describe('exclusive pool (leases)', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('connect() warms the pool to minConnections', async () => {
    await using redis = kitFor(server, { minConnections: 3 });
    await redis.connect();
    const { pool } = redis.stats();
    assert.equal(pool.created, 3);
    assert.equal(pool.idle, 3);
    assert.equal(await leaseConnections(server), 3);
  });

  it('never exceeds max under 1,000 concurrent leases, and serves them all', async () => {
    await using redis = kitFor(server, { maxConnections: 5, acquireTimeoutMs: 20_000 });
    let holders = 0;
    let peak = 0;
    const ids = new Set<number>();
    await Promise.all(
      Array.from({ length: 1000 }, () =>
        redis.lease(async (conn) => {
          holders++;
          peak = Math.max(peak, holders);
          ids.add(conn.connectionId);
          await conn.incr('leased-total');
          holders--;
        }),
      ),
    );
    assert.equal(await server.command('GET', 'leased-total'), '1000');
    assert.ok(peak <= 5, `peak concurrent leases ${peak}`);
    assert.ok(ids.size <= 5, `distinct connections ${ids.size}`);
    const { pool } = redis.stats();
    assert.equal(pool.acquired, 1000);
    assert.ok(pool.created <= 5);
    assert.ok(pool.reuseRatio >= 0.99);
    assert.equal(pool.acquireWait.count, 1000);
  });

  it('serves waiters in FIFO order', async () => {
    await using redis = kitFor(server, { maxConnections: 5 });
    const hold = gate();
    const holders = Array.from({ length: 5 }, () => redis.lease(() => hold.promise));
    await waitUntil(() => redis.stats().pool.active === 5);
    const order: number[] = [];
    const waiters = Array.from({ length: 10 }, (_, i) =>
      redis.lease(async () => {
        order.push(i);
      }),
    );
    await waitUntil(() => redis.stats().pool.waiting === 10);
    hold.open();
    await Promise.all([...holders, ...waiters]);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('times out an acquire with an error that shows the pool', async () => {
    await using redis = kitFor(server, { maxConnections: 5 });
    const hold = gate();
    const holders = Array.from({ length: 5 }, () => redis.lease(() => hold.promise));
    await waitUntil(() => redis.stats().pool.active === 5);
    const error = await redis.lease(async () => 'never', { timeoutMs: 150 }).catch((e: unknown) => e);
    assert.ok(error instanceof PoolTimeoutError);
    assert.equal(error.code, 'ERR_REDIS_POOL_TIMEOUT');
    assert.deepEqual(error.pool, { active: 5, idle: 0, pendingCreates: 0, waiting: 0, max: 5 });
    assert.match(error.message, /active 5, idle 0, creating 0, waiting 0, max 5/);
    hold.open();
    await Promise.all(holders);
  });

  it('bounds the wait queue', async () => {
    await using redis = kitFor(server, { maxConnections: 5, maxWaitingAcquires: 5 });
    const hold = gate();
    const holders = Array.from({ length: 5 }, () => redis.lease(() => hold.promise));
    await waitUntil(() => redis.stats().pool.active === 5);
    const queued = [1, 2, 3, 4, 5].map((n) => redis.lease(async () => n));
    await assert.rejects(
      redis.lease(async () => 6),
      QueueFullError,
    );
    hold.open();
    assert.deepEqual(await Promise.all(queued), [1, 2, 3, 4, 5]);
    await Promise.all(holders);
  });

  it('an abort while waiting removes the waiter', async () => {
    await using redis = kitFor(server, { maxConnections: 5 });
    const hold = gate();
    const holders = Array.from({ length: 5 }, () => redis.lease(() => hold.promise));
    await waitUntil(() => redis.stats().pool.active === 5);
    const controller = new AbortController();
    const waiting = redis.lease(async () => 'never', { signal: controller.signal });
    await waitUntil(() => redis.stats().pool.waiting === 1);
    controller.abort(new Error('user went away'));
    const error = await waiting.catch((e: unknown) => e);
    assert.ok(error instanceof AbortedError);
    assert.equal((error.cause as Error).message, 'user went away');
    assert.equal(redis.stats().pool.waiting, 0);
    hold.open();
    await Promise.all(holders);
    assert.equal(redis.stats().pool.active, 0);
  });

  it('an abort during the lease ends it at once and destroys the connection', async () => {
    await using redis = kitFor(server);
    const controller = new AbortController();
    let firstId = 0;
    const leased = redis.lease(
      async (conn) => {
        firstId = conn.connectionId;
        queueMicrotask(() => controller.abort());
        return conn.blpop('never-filled', 5);
      },
      { signal: controller.signal },
    );
    await assert.rejects(leased, AbortedError);
    assert.equal(redis.stats().pool.destroyed.dirty, 1, 'a reply was still owed: destroyed, not reused');
    const nextId = await redis.lease(async (conn) => conn.connectionId);
    assert.notEqual(nextId, firstId);
  });

  it('a lease whose function throws is returned', async () => {
    await using redis = kitFor(server);
    let firstId = 0;
    await assert.rejects(
      redis.lease(async (conn) => {
        firstId = conn.connectionId;
        await conn.ping();
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(redis.stats().pool.active, 0);
    assert.equal(redis.stats().pool.idle, 1);
    assert.equal(await redis.lease(async (conn) => conn.connectionId), firstId, 'the same connection is lent again');
  });

  it('never lends a connection left in WATCH, MULTI or another database', async () => {
    await using redis = kitFor(server, { maxConnections: 5 });
    const id = await redis.lease(async (conn) => {
      await conn.watch('watched');
      await conn.sendCommand('multi', []);
      await conn.select(4);
      return conn.connectionId;
    });
    await server.command('SET', 'watched', 'changed-by-someone-else');
    await redis.lease(async (conn) => {
      assert.equal(conn.connectionId, id, 'reset, not replaced');
      assert.equal(await conn.get('watched'), 'changed-by-someone-else', 'not queued inside a MULTI, and in db 0');
      assert.deepEqual(await conn.multi().set('after', '1').exec(), [[null, 'OK']], 'no WATCH left to abort EXEC');
      assert.match(String(await conn.client('INFO')), /\bdb=0\b/);
    });
    // A connection put in subscriber mode cannot be reset cheaply: it is replaced.
    const subscribedId = await redis.lease(async (conn) => {
      await conn.sendCommand('subscribe', ['chan']);
      return conn.connectionId;
    });
    const nextId = await redis.lease(async (conn) => conn.connectionId);
    assert.notEqual(nextId, subscribedId);
    assert.equal(redis.stats().pool.destroyed.dirty, 1);
  });

  it('WATCH/MULTI detects a conflicting write through lease()', async () => {
    await using redis = kitFor(server);
    await redis.set('balance', '100');
    const result = await redis.lease(async (conn) => {
      await conn.watch('balance');
      const balance = Number(await conn.get('balance'));
      await server.command('SET', 'balance', '50'); // someone else writes between WATCH and EXEC
      return conn
        .multi()
        .set('balance', String(balance - 10))
        .exec();
    });
    assert.equal(result, null, 'EXEC aborted');
    assert.equal(await redis.get('balance'), '50');
    const retried = await redis.lease(async (conn) => {
      await conn.watch('balance');
      const balance = Number(await conn.get('balance'));
      return conn
        .multi()
        .set('balance', String(balance - 10))
        .exec();
    });
    assert.deepEqual(retried, [[null, 'OK']]);
    assert.equal(await redis.get('balance'), '40');
  });

  it('evicts idle connections down to min and retires old ones (injected clock)', async () => {
    let now = 1_000_000;
    await using redis = kitFor(server, {
      minConnections: 1,
      maxConnections: 5,
      idleTimeoutMs: 10_000,
      maxLifetimeMs: 60_000,
      validateAfterIdleMs: 3_600_000,
      clock: { now: () => now },
    });
    await redis.connect();
    const hold = gate();
    const leases = Array.from({ length: 3 }, () => redis.lease(() => hold.promise));
    await waitUntil(() => redis.stats().pool.active === 3);
    hold.open();
    await Promise.all(leases);
    assert.equal(redis.stats().pool.idle, 3);

    now += 9_000;
    redis.runMaintenance();
    assert.equal(redis.stats().pool.idle, 3, 'not idle long enough yet');
    now += 2_000;
    redis.runMaintenance();
    assert.equal(redis.stats().pool.idle, 1, 'evicted down to min');
    assert.equal(redis.stats().pool.destroyed.idle, 2);

    now += 60_000;
    redis.runMaintenance();
    assert.equal(redis.stats().pool.destroyed.lifetime, 1, 'the survivor is retired by age');
    await waitUntil(() => redis.stats().pool.idle === 1);
    assert.equal(redis.stats().pool.created, 4, 'and replaced to keep min');
    assert.equal(await leaseConnections(server), 1);
  });

  it('validates a connection idle past validateAfterIdleMs before lending it', async () => {
    let now = 0;
    await using redis = kitFor(server, { validateAfterIdleMs: 1000, clock: { now: () => now } });
    const firstId = await redis.lease(async (conn) => conn.connectionId);
    // Kill it behind the pool's back, then let it sit idle.
    await server.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'no');
    now += 5_000;
    const nextId = await redis.lease(async (conn) => {
      await conn.ping();
      return conn.connectionId;
    });
    assert.notEqual(nextId, firstId);
    const destroyed = redis.stats().pool.destroyed;
    assert.equal((destroyed.validation ?? 0) + (destroyed.broken ?? 0), 1);
  });
});

describe('exclusive pool: a paused server', () => {
  it('a validation PING without an answer is bounded by connectTimeoutMs: the connection is destroyed, not kept as lent', async () => {
    await using paused = await startRedis();
    let now = 0;
    await using redis = kitFor(paused, {
      validateAfterIdleMs: 1000,
      connectTimeoutMs: 1000,
      acquireTimeoutMs: 8000,
      breakerFailureThreshold: 1000,
      clock: { now: () => now },
    });
    await redis.lease(async (conn) => conn.ping());
    now += 5_000; // idle past validateAfterIdleMs: the next lease PINGs first
    await paused.pause();
    try {
      const waiting = redis.lease(async (conn) => conn.ping());
      waiting.catch(() => undefined);
      // Well before the acquire timeout: the unanswered PING gave the connection up.
      await waitUntil(() => redis.stats().pool.destroyed.validation === 1, 6000);
      assert.equal(redis.stats().pool.active, 0, 'nothing is counted as lent while the PING has no answer');
      await paused.resume();
      assert.equal(await waiting, 'PONG', 'the waiter, first in line, gets the next connection');
    } finally {
      await paused.resume();
    }
  });
});

describe('exclusive pool: connection failures', () => {
  it('retries creation with growing, jittered, capped backoff: never a busy loop', async () => {
    const port = await freePort();
    const failures: number[] = [];
    const onFail = (message: unknown) => {
      if ((message as ConnectionEvent).role === 'lease') failures.push(performance.now());
    };
    diagnosticsChannel.subscribe(channelNames.connectionFail, onFail);
    try {
      // Seeded: the pool's backoff takes Math.random when the client is built, and the jitter
      // statistics below (distinct gaps, later ones longer) then hold on every run.
      await using redis = constructSeeded(20261201, () =>
        kitFor({ url: `redis://127.0.0.1:${port}` }, { retryMaxDelayMs: 1000, breakerFailureThreshold: 1000, acquireTimeoutMs: 30_000 }),
      );
      const controller = new AbortController();
      const waiting = redis.lease(async () => 'never', { signal: controller.signal });
      await waitUntil(() => failures.length >= 9, 20_000);
      controller.abort();
      await assert.rejects(waiting, AbortedError);
      const gaps = failures.slice(1, 9).map((t, i) => t - (failures[i] ?? 0));
      // A gap is the drawn delay (at most the 1000 ms cap) plus a refused connect and timer lag:
      // the extra second is a safety net for a loaded machine; an uncapped backoff would have
      // reached ceilings of 1.6 to 6.4 s by the last gaps.
      for (const gap of gaps) assert.ok(gap < 1000 + 1000, `gap ${gap} ms is under the cap`);
      assert.ok(new Set(gaps.map((g) => Math.round(g))).size > 4, 'jittered gaps differ');
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(mean(gaps.slice(4)) > mean(gaps.slice(0, 3)), `later gaps are longer: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
    } finally {
      diagnosticsChannel.unsubscribe(channelNames.connectionFail, onFail);
    }
  });
});

/** Waits for pool state that has no event of its own; the pool changes it within a few ticks. */
async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const { waitFor } = await import('../helpers/index.js');
  await waitFor(predicate, { timeoutMs, intervalMs: 2, what: predicate.toString() });
}
