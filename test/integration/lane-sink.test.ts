import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClosedError, CommandTimeoutError, ConnectionLostError } from '../../src/index.js';
import { type FaultProxy, type RedisServer, startFaultProxy, startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/**
 * The lanes hand the engine a reply receiver per send (no promise per queued command): what the
 * promise chain used to guarantee must still hold. A receiver can now be called synchronously,
 * from inside the engine's socket read or while a lost connection fails its commands, so the
 * order of "fail the commands" and "the engine is not ready" matters here. Leases use the same
 * receiver and count their commands in flight in an array.
 */
for (const engine of ['resp', 'ioredis'] as const) {
  describe(`lanes over the reply receiver (engine '${engine}')`, () => {
    let server: RedisServer;
    before(async () => {
      server = await startRedis();
    });
    after(async () => {
      await server.stop();
    });

    it('a reply after the deadline: the caller gets CommandTimeoutError, the lane counts the command until the reply lands', async () => {
      await using slow: FaultProxy = await startFaultProxy({ host: server.host, port: server.port });
      await using redis = kitFor(slow, { engine, lanes: 1, commandTimeoutMs: 100, socketTimeoutMs: 20_000 });
      await redis.connect();
      await redis.set('sink:late', 'v');
      slow.setLatency(600);
      const result = await settle(redis.get('sink:late'));
      assert.ok(!result.ok && result.error instanceof CommandTimeoutError, String(!result.ok && result.error));
      // The reply is still ~500 ms away: the lane must not look idle yet.
      assert.equal(redis.stats().lanes.inFlight, 1, 'still in flight after the caller was answered');
      await waitFor(() => redis.stats().lanes.inFlight === 0, { what: 'the late reply to land', timeoutMs: 6000 });
      slow.setLatency(0);
      assert.equal(await redis.get('sink:late'), 'v', 'the connection is in step after the late reply');
    });

    it("reads in flight on the only lane when its connection is reset: each is resent after the reconnect and gets its own key's value; writes fail in doubt", async () => {
      await using proxy: FaultProxy = await startFaultProxy({ host: server.host, port: server.port });
      await using redis = kitFor(proxy, { engine, lanes: 1, commandTimeoutMs: 5000, socketTimeoutMs: 20_000 });
      await redis.connect();
      const keys = Array.from({ length: 50 }, (_, i) => `sink:own:${i}`);
      for (const key of keys) await server.command('SET', key, `value-of=${key}`);
      proxy.setLatency(300);
      const reads = keys.map((key) => settle(redis.get(key)));
      const write = settle(redis.incr('sink:counter'));
      // Let them reach the socket (written, unanswered), then cut the connection under them.
      await waitFor(() => proxy.connections > 0 && redis.stats().lanes.inFlight === keys.length + 1, {
        what: 'the commands to be on the wire',
        timeoutMs: 3000,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      proxy.resetAll();
      proxy.setLatency(0);
      const outcomes = await Promise.all(reads);
      assert.deepEqual(
        outcomes.map((outcome) => (outcome.ok ? outcome.value : `${outcome.error.name}: ${outcome.error.message}`)),
        keys.map((key) => `value-of=${key}`),
      );
      const written = await write;
      assert.ok(!written.ok && written.error instanceof ConnectionLostError, `the write in doubt fails typed: ${String(written)}`);
      assert.equal(redis.stats().lanes.inFlight, 0);
    });
    it('a lease whose commands all landed, in any number, is lent again; one ended with a reply owed is replaced and the reply fails typed', async () => {
      await using slow: FaultProxy = await startFaultProxy({ host: server.host, port: server.port });
      await using redis = kitFor(slow, { engine, maxConnections: 5, commandTimeoutMs: 5000 });
      await redis.connect();
      await redis.set('sink:lease', 'v');
      const first = await redis.lease(async (c) => {
        const replies = await Promise.all([c.get('sink:lease'), c.ping(), c.get('sink:lease'), c.echo('e')]);
        assert.deepEqual(replies, ['v', 'PONG', 'v', 'e']);
        return c.connectionId;
      });
      const again = await redis.lease(async (c) => {
        assert.equal(await c.get('sink:lease'), 'v');
        return c.connectionId;
      });
      assert.equal(again, first, 'nothing was owed: the same connection was lent again');
      slow.setLatency(300);
      let owed: Promise<unknown> | undefined;
      const ended = await redis.lease(async (c) => {
        await c.ping();
        owed = settle(c.get('sink:lease'));
        return c.connectionId;
      });
      slow.setLatency(0);
      const result = (await owed) as Awaited<ReturnType<typeof settle>>;
      assert.ok(!result.ok && result.error instanceof ClosedError, `the owed reply fails typed: ${String(!result.ok && result.error)}`);
      assert.equal(ended, first);
      const next = await redis.lease(async (c) => c.connectionId);
      assert.notEqual(next, ended, 'the connection that still owed a reply was destroyed, not lent');
    });
  });
}
