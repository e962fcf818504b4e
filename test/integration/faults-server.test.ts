import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  AuthError,
  ClosedError,
  ConnectError,
  CommandTimeoutError,
  type ConnectionEvent,
  channelNames,
  NoPermissionError,
  OutOfMemoryError,
  QueueFullError,
  RedisUnavailableError,
} from '../../src/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** Resolves with the next event published on a diagnostics channel that matches. */
function nextEvent<T>(name: string, match: (message: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if (!match(message as T)) return;
      diagnosticsChannel.unsubscribe(name, listener);
      resolve(message as T);
    };
    diagnosticsChannel.subscribe(name, listener);
  });
}

describe('faults: the server dies, pauses, kills us, refuses us', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('server killed: fails fast once the breaker opens, recovers by itself on the same port', async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 3, retryMaxDelayMs: 200 });
    await redis.connect();
    await redis.set('before', '1');
    const unavailable = once(redis, 'unavailable');
    await server.kill();
    const [error] = (await unavailable) as [Error];
    assert.equal((error as { code?: string }).code, 'ERR_REDIS_CONNECT');

    const started = performance.now();
    const failed = await settle(redis.get('before'));
    const elapsed = performance.now() - started;
    assert.ok(!failed.ok && failed.error instanceof RedisUnavailableError, 'RedisUnavailableError while the breaker is open');
    // The error type says "refused by the open breaker"; the bound is only a safety net, far
    // below the 2 s command deadline a queued command would have waited for.
    assert.ok(elapsed < 500, `failed fast (${elapsed.toFixed(1)} ms), not at a deadline`);
    assert.equal(redis.stats().breaker.state, 'open');
    assert.equal((await redis.health()).status, 'unhealthy');

    const ready = once(redis, 'ready');
    await server.restart();
    await ready;
    assert.equal(await redis.set('after', '2'), 'OK');
    assert.equal(redis.stats().breaker.state, 'closed');
    assert.equal(redis.stats().breaker.timesOpened, 1);
    assert.notEqual((await redis.health()).status, 'unhealthy');
  });

  it('server paused (SIGSTOP): commands end at their deadline, not later', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 400, socketTimeoutMs: 5000 });
    await redis.connect();
    await server.pause();
    try {
      const started = performance.now();
      const result = await settle(redis.get('k'));
      const elapsed = performance.now() - started;
      assert.ok(!result.ok && result.error instanceof CommandTimeoutError, String(!result.ok && result.error));
      assert.equal((result.error as CommandTimeoutError).timeoutMs, 400);
      // Not before the deadline; the upper bound is a wide safety net (10x), still below the 5 s
      // socket timeout that would otherwise have ended it.
      assert.ok(elapsed >= 395 && elapsed < 4000, `ended after ${elapsed.toFixed(0)} ms`);
      const leased = await settle(redis.lease((conn) => conn.get('k')));
      assert.ok(!leased.ok, 'a lease cannot be had or its command times out');
    } finally {
      await server.resume();
    }
    assert.equal(await redis.ping(), 'PONG', 'usable again after SIGCONT');
  });

  it('CLIENT KILL of lanes and leased connections: the next command is not lost', async () => {
    await using redis = kitFor(server, { minConnections: 2 });
    await redis.connect();
    await redis.set('survivor', 'yes');
    const leaseDropped = nextEvent<ConnectionEvent>(channelNames.connectionDestroy, (e) => e.role === 'lease' && e.reason === 'broken');
    await server.command('CLIENT', 'KILL', 'TYPE', 'normal');
    // Reads are resent when their connection died under them: nothing to wait for.
    assert.equal(await redis.get('survivor'), 'yes');
    assert.deepEqual(await redis.mget('survivor', 'missing'), ['yes', null]);
    await leaseDropped;
    assert.equal(await redis.lease((conn) => conn.get('survivor')), 'yes');
    await waitFor(() => redis.stats().lanes.ready === 2, { what: 'both lanes reconnected' });
  });

  it('while connecting, commands wait in a bounded queue, each under its own deadline', async () => {
    await server.pause();
    try {
      // The kernel still accepts TCP connections for a stopped server: the handshake just never finishes.
      await using redis = kitFor(server, { maxQueuedCommands: 3, commandTimeoutMs: 300, connectTimeoutMs: 1000 });
      const started = performance.now();
      const queued = [redis.get('a'), redis.get('b'), redis.get('c')].map((p) => settle(p));
      await assert.rejects(redis.get('d'), QueueFullError, 'the fourth is refused at once');
      assert.equal(redis.stats().lanes.queued, 3);
      for (const result of await Promise.all(queued)) {
        assert.ok(!result.ok && result.error instanceof CommandTimeoutError, String(!result.ok && result.error));
      }
      const elapsed = performance.now() - started;
      // CommandTimeoutError above says the deadline ended them; the upper bound is a 10x safety net.
      assert.ok(elapsed >= 295 && elapsed < 3000, `queued commands ended at their deadline (${elapsed.toFixed(0)} ms)`);
    } finally {
      await server.resume();
    }
  });

  it('stats().lanes.queued counts only queued commands whose deadline has not passed', async () => {
    await server.pause();
    try {
      await using redis = kitFor(server, { maxQueuedCommands: 1000, commandTimeoutMs: 5000, connectTimeoutMs: 5000 });
      // 500 callers whose deadline passes while no lane is ready yet.
      const expired = Array.from({ length: 500 }, (_, i) => settle(redis.sendCommand('get', [`k${i}`], { timeoutMs: 50 })));
      const outcomes = await Promise.all(expired);
      assert.ok(
        outcomes.every((o) => !o.ok && o.error instanceof CommandTimeoutError),
        'every short command timed out',
      );
      assert.equal(redis.stats().lanes.queued, 0, 'expired commands are not counted as queued');
      const live = settle(redis.get('live'));
      assert.equal(redis.stats().lanes.queued, 1, 'a command still under its deadline is');
      await server.resume();
      assert.ok((await live).ok, 'and it goes out once a lane is ready');
    } finally {
      await server.resume();
    }
  });

  it('a server paused while the client starts: connect() times out, then the client recovers by itself', async () => {
    await server.pause();
    let resumed = false;
    try {
      await using redis = kitFor(server, { connectTimeoutMs: 1000 });
      const error = await redis.connect().catch((e: unknown) => e);
      assert.ok(error instanceof ConnectError, String(error));
      assert.match(error.message, /timed out after 1000 ms/);
      const ready = once(redis, 'ready');
      await server.resume();
      resumed = true;
      await ready;
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      if (!resumed) await server.resume();
    }
  });

  it('OOM: a write over maxmemory is a typed OutOfMemoryError, reads still work', async () => {
    await using redis = kitFor(server);
    await redis.set('small', 'x');
    await server.command('CONFIG', 'SET', 'maxmemory', '1');
    try {
      const error = await redis.set('big', 'y'.repeat(1000)).catch((e: unknown) => e);
      assert.ok(error instanceof OutOfMemoryError, String(error));
      assert.equal(error.prefix, 'OOM');
      assert.equal(await redis.get('small'), 'x');
      assert.equal(redis.stats().breaker.state, 'closed', 'a reply error says nothing about reachability');
    } finally {
      await server.command('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  it('a user without permission gets NoPermissionError, without retries', async () => {
    await server.command('ACL', 'SETUSER', 'reader', 'on', '>reader-pw', '~*', '+@read', '+ping', '+info', '+client', '+hello');
    await using redis = kitFor(server, { username: 'reader', password: 'reader-pw' });
    assert.equal(await redis.get('anything'), null);
    const error = await redis.set('anything', '1').catch((e: unknown) => e);
    assert.ok(error instanceof NoPermissionError);
    assert.equal(redis.stats().commands.errors.ERR_REDIS_NOPERM, 1);
    assert.equal(redis.stats().breaker.consecutiveFailures, 0);
  });

  it('close() during in-flight work loses none of it', async () => {
    const redis = kitFor(server);
    await redis.connect();
    await redis.del('acked');
    const writes = Array.from({ length: 2000 }, () => redis.incr('acked'));
    const closing = redis.close();
    await assert.rejects(redis.get('acked'), ClosedError);
    await assert.rejects(redis.connect(), ClosedError);
    await assert.rejects(
      redis.lease(async () => 'late'),
      ClosedError,
    );
    const results = await Promise.all(writes);
    await closing;
    assert.equal(redis.state, 'closed');
    assert.deepEqual(
      results.slice().sort((a, b) => a - b),
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    assert.equal(await server.command('GET', 'acked'), '2000');
    await redis.close(); // idempotent
  });

  it('close({ deadlineMs }) returns by the deadline even when Redis is paused', async () => {
    const redis = kitFor(server, { commandTimeoutMs: 10_000, socketTimeoutMs: 10_000 });
    await redis.connect();
    await server.pause();
    try {
      const stuck = settle(redis.get('k'));
      const started = performance.now();
      await redis.close({ deadlineMs: 300 });
      const elapsed = performance.now() - started;
      // A 10x safety net, far below the 10 s command and socket timeouts close would otherwise wait for.
      assert.ok(elapsed >= 295 && elapsed < 3000, `close returned after ${elapsed.toFixed(0)} ms`);
      const result = await stuck;
      assert.ok(!result.ok, 'the stuck command was failed, not left hanging');
      assert.equal(redis.state, 'destroyed');
    } finally {
      await server.resume();
    }
  });

  it('destroy() fails pending work at once', async () => {
    const redis = kitFor(server, { commandTimeoutMs: 10_000 });
    await redis.connect();
    await server.pause();
    try {
      const stuck = settle(redis.get('k'));
      const error = new Error('shutting down now');
      redis.destroy(error);
      const result = await stuck;
      assert.ok(!result.ok);
      redis.destroy(); // idempotent
      await assert.rejects(redis.get('k'), ClosedError);
    } finally {
      await server.resume();
    }
  });
});

describe('faults: credentials', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ['--requirepass', 'right-password'] });
  });
  after(async () => {
    await server.stop();
  });

  it('a wrong password is a typed AuthError, never in a message, with no retry storm', async () => {
    /** When each lane's connection attempts failed, by connection id. */
    const attempts = new Map<number, number[]>();
    const count = (message: unknown) => {
      const { role, id } = message as ConnectionEvent;
      if (role === 'lane') attempts.set(id, [...(attempts.get(id) ?? []), performance.now()]);
    };
    diagnosticsChannel.subscribe(channelNames.connectionFail, count);
    try {
      await using redis = kitFor(server, { password: 'wrong-password-123', retryMaxDelayMs: 1000 });
      const error = await redis.connect().catch((e: unknown) => e);
      assert.ok(error instanceof AuthError, String(error));
      assert.equal(error.code, 'ERR_REDIS_AUTH');
      assert.doesNotMatch(error.message, /wrong-password-123/);
      const command = await redis.get('k').catch((e: unknown) => e);
      assert.ok(command instanceof AuthError, 'commands fail at once with the AuthError');
      // Await the state (every lane retried twice) instead of counting attempts in a fixed sleep;
      // the 10 s bound is a safety net for two retries 1 s apart.
      const lanes = redis.stats().lanes.count;
      await waitFor(() => attempts.size === lanes && [...attempts.values()].every((times) => times.length >= 3), {
        timeoutMs: 10_000,
        what: `each of ${lanes} lanes to retry its AUTH twice`,
      });
      // Retried at the capped delay, not in a loop: a storm would put retries milliseconds apart.
      // (Gaps can only come out longer than the delay on a loaded machine, never shorter.)
      for (const [id, times] of attempts) {
        const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
        for (const gap of gaps) assert.ok(gap >= 900, `lane ${id} retried ${gap.toFixed(0)} ms after a failed AUTH`);
      }
    } finally {
      diagnosticsChannel.unsubscribe(channelNames.connectionFail, count);
    }
  });
});

describe('faults: a failed AUTH abandons the connection', () => {
  let server: RedisServer;
  before(async () => {
    // The default user has no password: an unauthenticated connection would work.
    server = await startRedis();
    await server.command('ACL', 'SETUSER', 'app', 'on', '>app-password', '~*', '+@all');
  });
  after(async () => {
    await server.stop();
  });

  it('never uses a connection whose AUTH failed, even though it would work unauthenticated', async () => {
    await using redis = kitFor(server, { username: 'app', password: 'not-the-app-password' });
    const error = await redis.connect().catch((e: unknown) => e);
    assert.ok(error instanceof AuthError, String(error));
    assert.ok((await settle(redis.set('k', 'v'))).ok === false);
    assert.equal(await server.command('EXISTS', 'k'), '0', 'nothing was written by the unauthenticated connection');
    await waitFor(async () => !(await server.command('CLIENT', 'LIST')).includes('name=redis-kit'), {
      what: 'no redis-kit connection left open',
    });
  });
});

describe('faults: nothing listens', () => {
  it('connect() fails with a diagnostic that says where it looked and what to check', async () => {
    const { freePort } = await import('../helpers/index.js');
    const port = await freePort();
    await using redis = kitFor({ url: `redis://:hunter2-secret@127.0.0.1:${port}` });
    const error = await redis.connect().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, 'ERR_REDIS_CONNECT');
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(error.message, /Check: is Redis running there, and does REDIS_URL point at it\?/);
    assert.doesNotMatch(error.message, /hunter2/);
    assert.ok(error.cause instanceof ConnectError, 'the original error is the cause');
  });
});
