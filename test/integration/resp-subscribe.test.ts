import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RespConnection } from '../../src/engine/resp/resp-connection.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

describe('own engine: the SUBSCRIBE family on a connection that is not a subscriber', () => {
  let server: RedisServer;
  const opened: RespConnection[] = [];

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    for (const connection of opened) connection.destroy();
    await server?.stop();
  });

  for (const protocol of [2, 3] as const) {
    it(`RESP${protocol}: confirmations settle the command, messages go to the push listener, replies stay in step`, async () => {
      const connection = new RespConnection({ host: server.host, port: server.port, protocol });
      opened.push(connection);
      await connection.connect();
      assert.equal(connection.protocol, protocol);
      const pushes: string[] = [];
      connection.onPush((frame) => pushes.push(frame.map((part) => String(part)).join(' ')));
      // Two channels, two confirmations: settled once, with the count of the last, as ioredis does.
      const [subscribed, patterns] = await Promise.all([connection.call('SUBSCRIBE', ['a', 'b']), connection.call('PSUBSCRIBE', ['p*'])]);
      assert.equal(subscribed, 2);
      assert.equal(patterns, 3);
      assert.equal(await server.command('PUBLISH', 'a', 'hello'), '1');
      await waitFor(() => pushes.some((push) => push.startsWith('message a hello')), { what: 'the message' });
      if (protocol === 3) {
        // RESP3 allows any command while subscribed; its reply is not mistaken for a confirmation or a message.
        assert.equal(await connection.call('SET', ['k', 'v']), 'OK');
        assert.deepEqual(await connection.call('LRANGE', ['nothing', '0', '-1']), []);
      }
      assert.equal(await connection.call('PUNSUBSCRIBE', []), 2, 'all patterns gone, two channels left');
      assert.equal(await connection.call('UNSUBSCRIBE', []), 0, 'UNSUBSCRIBE with no channels ends with the count 0');
      assert.equal(await connection.call('UNSUBSCRIBE', []), 0, 'and with nothing subscribed, with one confirmation of no channel');
      // Out of subscriber mode: an array that looks like a message is a reply again.
      await connection.call('RPUSH', [`list${protocol}`, 'message', 'x', 'y']);
      assert.deepEqual(await connection.call('LRANGE', [`list${protocol}`, '0', '-1']), ['message', 'x', 'y']);
      assert.equal(connection.pending, 0);
    });
  }

  it('a lease that subscribes gets its count and is replaced on release (on the engine under test)', async () => {
    await using redis = kitFor(server);
    const id = await redis.lease(async (conn) => {
      assert.equal(await conn.sendCommand('subscribe', ['x', 'y']), 2);
      return conn.connectionId;
    });
    assert.notEqual(await redis.lease(async (conn) => conn.connectionId), id);
    assert.equal(await redis.set('after-subscribe', '1'), 'OK', 'the lanes are unaffected');
  });
});
