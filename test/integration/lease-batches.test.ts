import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandTimeoutError, InvalidArgumentError } from '../../src/index.js';
import { type RedisServer, startRedis, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

describe("a lease's pipeline() and multi() go through the same bookkeeping as its commands", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('SELECT in a lease pipeline does not leak into the next lease', async () => {
    // One pooled connection: the second lease gets the same one (or its replacement).
    await using redis = kitFor(server);
    await redis.lease((c) => c.pipeline().select(3).set('leak', 'db3').exec());
    assert.equal(await redis.lease((c) => c.get('leak')), null, 'the next lease reads db 0');
    assert.equal(await redis.get('leak'), null);
    await redis.lease((c) => c.multi().select(4).set('leak-multi', 'db4').exec());
    assert.equal(await redis.lease((c) => c.get('leak-multi')), null, 'SELECT inside MULTI/EXEC is undone too');
    await server.command('FLUSHALL');
  });

  it('WATCH in a lease pipeline does not make the next holder’s EXEC abort', async () => {
    await using redis = kitFor(server);
    await redis.lease((c) => c.pipeline().watch('watched').exec());
    await server.command('SET', 'watched', 'changed');
    const replies = await redis.lease((c) => c.multi().set('other', '1').exec());
    assert.notEqual(replies, null, 'EXEC of the next lease ran');
  });

  it('CLIENT SETNAME in a lease pipeline: the connection is not lent again renamed', async () => {
    await using redis = kitFor(server);
    const original = await redis.lease((c) => c.client('GETNAME'));
    await redis.lease((c) => c.pipeline().client('SETNAME', 'hijacked').exec());
    assert.equal(await redis.lease((c) => c.client('GETNAME')), original);
  });

  it('SUBSCRIBE in a lease pipeline: the connection is not lent again subscribed', async () => {
    await using redis = kitFor(server);
    const first = await redis.lease(async (c) => {
      await settle(c.pipeline().subscribe('lease-channel').exec());
      return c.connectionId;
    });
    const next = await redis.lease(async (c) => ({ id: c.connectionId, reply: await c.set('after-subscribe', '1') }));
    assert.notEqual(next.id, first, 'a fresh connection');
    assert.equal(next.reply, 'OK', 'it takes ordinary commands');
  });

  it("a lease command's timeoutMs that is not a finite number ≥ 0 is refused, also on a paused server", async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 300 });
    await redis.lease(async (c) => {
      await c.ping();
      await server.pause();
      try {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -5, '100']) {
          // Before the check this hung: a non-finite deadline is never armed.
          const result = await withTimeout(settle(c.sendCommand('get', ['k'], { timeoutMs: bad as number })), 3000, `timeoutMs ${bad}`);
          assert.ok(!result.ok && result.error instanceof InvalidArgumentError, String(!result.ok && result.error));
          assert.match(result.error.message, /timeoutMs/);
        }
      } finally {
        await server.resume();
      }
    });
  });

  it('a lease batch on a paused server ends at its deadline, and its connection is destroyed', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 300, socketTimeoutMs: 5000 });
    let firstId = -1;
    let batch: { ok: boolean; error?: Error } | undefined;
    try {
      const lease = redis.lease(async (c) => {
        firstId = c.connectionId;
        await c.ping();
        await server.pause();
        const multi = await settle(c.multi().set('a', '1').exec());
        const pipeline = await settle(c.pipeline().get('a').exec());
        return { multi, pipeline };
      });
      // A wide safety net (10x the deadline): before the fix the batch was still pending after 6 s.
      const { multi, pipeline } = await withTimeout(lease, 3000, 'lease batches to end at their deadline');
      assert.ok(!multi.ok && multi.error instanceof CommandTimeoutError, String(!multi.ok && multi.error));
      assert.ok(!pipeline.ok && pipeline.error instanceof CommandTimeoutError, String(!pipeline.ok && pipeline.error));
      batch = multi;
    } finally {
      await server.resume();
    }
    assert.ok(batch !== undefined);
    const nextId = await redis.lease(async (c) => {
      assert.equal(await c.ping(), 'PONG');
      return c.connectionId;
    });
    assert.notEqual(nextId, firstId, 'the connection that still owed a batch reply was destroyed, not lent');
  });

  it('the batch deadline is counted in flight: a lease ended while its batch is owed discards the connection', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 2000 });
    let firstId = -1;
    let pending: Promise<unknown> | undefined;
    try {
      await redis.lease(async (c) => {
        firstId = c.connectionId;
        await c.ping();
        await server.pause();
        pending = settle(c.pipeline().get('x').exec());
      });
    } finally {
      await server.resume();
    }
    const result = (await pending) as { ok: boolean };
    assert.equal(result.ok, false, 'the batch still owed when the lease ended fails');
    const nextId = await redis.lease(async (c) => c.connectionId);
    assert.notEqual(nextId, firstId);
  });
});
