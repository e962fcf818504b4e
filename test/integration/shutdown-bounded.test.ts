import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClosedError, RedisKitError } from '../../src/index.js';
import { type RedisServer, startRedis, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

describe('shutdown is bounded, with or without a deadline', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('close() without a deadline returns on a paused server with an idle pooled connection', async () => {
    const redis = kitFor(server, { minConnections: 1, connectTimeoutMs: 1000, socketTimeoutMs: 1000 });
    await redis.connect();
    assert.equal(redis.stats().pool.idle, 1);
    await server.pause();
    try {
      // QUIT is bounded by the connect/socket timeouts (1 s here); the net is 10x that.
      await withTimeout(redis.close(), 10_000, 'close() on a paused server');
      assert.equal(redis.state, 'closed');
    } finally {
      await server.resume();
    }
  });

  it('destroy() fails a pending lease batch and a blocking command at once, with typed errors', async () => {
    const redis = kitFor(server, { commandTimeoutMs: 10_000 });
    await redis.connect();
    const blocked = settle(redis.blpop('nothing-here', 0));
    let batch: Promise<{ ok: boolean; error?: Error }> | undefined;
    const lease = settle(
      redis.lease(async (c) => {
        await c.ping();
        await server.pause();
        const exec = c.multi().set('a', '1').exec();
        batch = settle(exec);
        return exec;
      }),
    );
    try {
      while (batch === undefined) await new Promise((resolve) => setImmediate(resolve));
      const destroyedAt = performance.now();
      redis.destroy();
      const results = await withTimeout(Promise.all([blocked, batch, lease]), 1000, 'pending work to fail after destroy()');
      const elapsed = performance.now() - destroyedAt;
      for (const result of results) {
        assert.ok(!result.ok, 'failed');
        assert.ok(result.error instanceof RedisKitError, `typed: ${String(result.error)}`);
        assert.equal(typeof (result.error as RedisKitError).code, 'string');
      }
      const [blockedResult] = results;
      assert.ok(!blockedResult.ok && blockedResult.error instanceof ClosedError, String(!blockedResult.ok && blockedResult.error));
      assert.ok(elapsed < 1000, `failed after ${elapsed.toFixed(0)} ms`);
    } finally {
      await server.resume();
    }
  });

  it('the close deadline fails a pending blocking command and a lease batch at once, with typed errors', async () => {
    const redis = kitFor(server, { commandTimeoutMs: 10_000 });
    await redis.connect();
    const blocked = settle(redis.blpop('nothing-here', 0));
    await waitForBlockedClients(server, 1);
    let batch: Promise<{ ok: boolean; error?: Error }> | undefined;
    const lease = settle(
      redis.lease(async (c) => {
        await c.ping();
        await server.pause();
        const exec = c.pipeline().get('a').exec();
        batch = settle(exec);
        return exec;
      }),
    );
    try {
      while (batch === undefined) await new Promise((resolve) => setImmediate(resolve));
      const closing = redis.close({ deadlineMs: 200 });
      // 10x the deadline; before the fix the batch had no deadline and waited for the engine's disconnect timeout.
      const results = await withTimeout(Promise.all([blocked, batch, lease]), 2000, 'pending work to fail at the close deadline');
      for (const result of results) {
        assert.ok(!result.ok && result.error instanceof RedisKitError, String(!result.ok && result.error));
        assert.equal(typeof (result.error as RedisKitError).code, 'string');
      }
      await closing;
    } finally {
      await server.resume();
    }
  });
});

async function waitForBlockedClients(server: RedisServer, count: number): Promise<void> {
  const { waitFor } = await import('../helpers/index.js');
  await waitFor(async () => /blocked_clients:(\d+)/.exec(await server.command('INFO', 'clients'))?.[1] === String(count), {
    what: `${count} blocked client(s)`,
  });
}
