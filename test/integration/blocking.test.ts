import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

describe('blocking commands go to a lease, not a lane', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('BLPOP blocking for 2 s on one caller does not delay GETs issued by others', async () => {
    // One lane only: if BLPOP were sent on it, every GET would wait behind it.
    await using redis = kitFor(server, { lanes: 1, commandTimeoutMs: 1000 });
    await redis.set('k', 'v');
    const started = performance.now();
    const blocked = redis.blpop('empty-list', 2).then((reply) => ({ reply, at: performance.now() - started }));
    const gets: number[] = [];
    for (let i = 0; i < 20; i++) {
      assert.equal(await redis.get('k'), 'v');
      gets.push(performance.now() - started);
    }
    const { reply, at } = await blocked;
    assert.equal(reply, null, 'BLPOP timed out server-side');
    assert.ok(at >= 1900, `BLPOP held for its 2 s (${at.toFixed(0)} ms), longer than commandTimeoutMs`);
    assert.ok((gets.at(-1) ?? Number.POSITIVE_INFINITY) < at, 'all 20 GETs completed while BLPOP was blocking');
    assert.equal(redis.stats().pool.acquired, 1, 'BLPOP took a lease');
  });

  it('BLPOP gets the value pushed by another caller; XREAD BLOCK too', async () => {
    await using redis = kitFor(server);
    const popped = redis.blpop('jobs', 5);
    await waitForBlocked(server, 1);
    await redis.rpush('jobs', 'job-1');
    assert.deepEqual(await popped, ['jobs', 'job-1']);

    const read = redis.xread('BLOCK', 5000, 'STREAMS', 'events', '$');
    await waitForBlocked(server, 1);
    await redis.xadd('events', '*', 'type', 'created');
    const streams = await read;
    assert.equal(streams?.[0]?.[0], 'events');
    assert.deepEqual(streams?.[0]?.[1][0]?.[1], ['type', 'created']);
  });
});

/** Waits until `count` clients are blocked server-side (INFO clients: blocked_clients). */
async function waitForBlocked(server: RedisServer, count: number): Promise<void> {
  const { waitFor } = await import('../helpers/index.js');
  await waitFor(async () => /blocked_clients:(\d+)/.exec(await server.command('INFO', 'clients'))?.[1] === String(count), {
    what: `${count} blocked client(s)`,
  });
}
