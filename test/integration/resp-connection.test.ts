import assert from 'node:assert/strict';
import net from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { RespConnection, type RespConnectionOptions } from '../../src/engine/resp/resp-connection.js';
import { RespErrorReply } from '../../src/engine/resp/resp-errors.js';
import { AuthError, ClosedError, ConnectError, ConnectionLostError, WrongTypeError } from '../../src/errors.js';
import { once, type RedisServer, startRedis, waitFor } from '../helpers/index.js';

const PASSWORD = 'correct-horse-battery-staple';

/** Every connection a test opens, destroyed after it (a failed assertion must not leak sockets). */
const opened: RespConnection[] = [];

async function open(server: { host: string; port: number }, options: Partial<RespConnectionOptions> = {}): Promise<RespConnection> {
  const connection = new RespConnection({ host: server.host, port: server.port, ...options });
  opened.push(connection);
  await connection.connect();
  return connection;
}

/** Settles every promise and returns the outcomes (so none is left unhandled). */
function settleAll(promises: Promise<unknown>[]): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled(promises);
}

afterEach(() => {
  for (const connection of opened.splice(0)) connection.destroy();
});

describe('RespConnection against redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
    await server.command('ACL', 'SETUSER', 'alice', 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
  });
  after(async () => {
    await server.stop();
  });

  it('speaks RESP3 after HELLO 3: SET/GET as strings and as Buffers, maps as flat arrays, errors typed', async () => {
    const connection = await open(server, { name: 'resp-test' });
    assert.equal(connection.protocol, 3);
    assert.equal(await connection.call('SET', ['greeting', 'hello wörld']), 'OK');
    assert.equal(await connection.call('GET', ['greeting']), 'hello wörld');
    assert.deepStrictEqual(await connection.call('GET', ['greeting'], true), Buffer.from('hello wörld'));
    assert.equal(await connection.call('GET', ['missing']), null);
    assert.equal(await connection.call('CLIENT', ['GETNAME']), 'resp-test');
    await connection.call('HSET', ['h', 'field', 'value', 'n', 1]);
    // RESP3 sends a map; the reply keeps RESP2's (and ioredis's default) flat shape.
    const flat = (await connection.call('HGETALL', ['h'])) as string[];
    assert.deepStrictEqual(
      new Map([
        [flat[0], flat[1]],
        [flat[2], flat[3]],
      ]),
      new Map([
        ['field', 'value'],
        ['n', '1'],
      ]),
    );
    await assert.rejects(
      connection.call('INCR', ['greeting']),
      (error: unknown) => error instanceof Error && /not an integer/.test(error.message),
    );
    await assert.rejects(connection.call('LPUSH', ['greeting', 'x']), WrongTypeError);
  });

  it('leaves an error inside EXEC in place as a value', async () => {
    const connection = await open(server);
    await connection.call('SET', ['text', 'abc']);
    assert.equal(await connection.call('MULTI'), 'OK');
    assert.equal(await connection.call('SET', ['other', '1']), 'QUEUED');
    assert.equal(await connection.call('INCR', ['text']), 'QUEUED');
    const [ok, failed] = (await connection.call('EXEC')) as [string, RespErrorReply];
    assert.equal(ok, 'OK');
    assert.ok(failed instanceof RespErrorReply);
    assert.match(failed.message, /not an integer/);
  });

  it('routes an invalidation push (CLIENT TRACKING on) to the push listener, between replies', async () => {
    const tracked = await open(server);
    const writer = await open(server);
    const pushes: unknown[][] = [];
    tracked.onPush((frame) => pushes.push(frame));
    assert.equal(await tracked.call('CLIENT', ['TRACKING', 'on']), 'OK');
    await writer.call('SET', ['tracked:key', 'v1']);
    assert.equal(await tracked.call('GET', ['tracked:key']), 'v1');
    await writer.call('SET', ['tracked:key', 'v2']);
    await waitFor(() => pushes.length > 0, { what: 'the invalidation push' });
    assert.deepStrictEqual(pushes[0], [Buffer.from('invalidate'), [Buffer.from('tracked:key')]]);
    assert.equal(await tracked.call('GET', ['tracked:key']), 'v2', 'replies stay in step after a push');
  });

  it('authenticates an ACL user with HELLO 3 AUTH', async () => {
    const connection = await open(server, { username: 'alice', password: PASSWORD, db: 2 });
    assert.equal(await connection.call('ACL', ['WHOAMI']), 'alice');
    await connection.call('SET', ['in-db-2', 'x']);
    assert.equal(await connection.call('CLIENT', ['INFO']).then((info) => /\bdb=2\b/.test(String(info))), true, 'SELECT 2 ran');
  });

  it('refuses a wrong password with an AuthError that holds no trace of the password', async () => {
    const secret = 'not-the-password-4711';
    const connection = new RespConnection({ host: server.host, port: server.port, username: 'alice', password: secret });
    opened.push(connection);
    const error = await connection.connect().then(
      () => assert.fail('connect must fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthError, `AuthError, got ${inspect(error)}`);
    assert.equal(error.code, 'ERR_REDIS_AUTH');
    assert.ok(!inspect(error, { depth: Infinity, showHidden: true }).includes(secret), 'no password in the error graph');
    assert.ok(!inspect(connection, { depth: Infinity, showHidden: true }).includes(secret), 'nor on the connection');
  });

  it('resolves a pipeline of 10,000 commands in order, written with one socket write', async () => {
    const connection = await open(server);
    await connection.call('DEL', ['counter']);
    const originalWrite = net.Socket.prototype.write;
    let writes = 0;
    net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>) {
      // Only this connection's socket (the test runner writes to its own pipes).
      if (this.remotePort === server.port) writes++;
      return originalWrite.apply(this, args);
    } as net.Socket['write'];
    let replies: unknown[];
    try {
      const pending = Array.from({ length: 10_000 }, () => connection.call('INCR', ['counter']));
      replies = await Promise.all(pending);
    } finally {
      net.Socket.prototype.write = originalWrite;
    }
    assert.deepStrictEqual(
      replies,
      Array.from({ length: 10_000 }, (_, i) => i + 1),
    );
    assert.equal(writes, 1, 'the tick’s 10,000 commands went out in one socket.write');
  });

  it('round-trips a 10 MB value as a string and as a Buffer', async () => {
    const connection = await open(server);
    const value = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = 0x61 + (i % 26);
    assert.equal(await connection.call('SET', ['big', value]), 'OK');
    const [asString, asBuffer] = await Promise.all([connection.call('GET', ['big']), connection.call('GET', ['big'], true)]);
    assert.equal(asString, value.toString('latin1'));
    assert.ok(Buffer.isBuffer(asBuffer) && asBuffer.equals(value));
    await connection.call('DEL', ['big']);
  });

  it('quit(): what was sent is answered, then close without error; later sends get ClosedError', async () => {
    const connection = await open(server);
    const closed = once<[unknown]>(connection, 'close');
    const set = connection.call('SET', ['q', '1']);
    const get = connection.call('GET', ['q']);
    await connection.quit();
    assert.equal(await set, 'OK');
    assert.equal(await get, '1');
    assert.deepStrictEqual(await closed, [undefined]);
    await assert.rejects(connection.call('PING'), ClosedError);
  });

  it('applies backpressure: past the bound writes are held and send() returns false, until drain', async () => {
    const { PromiseCommand } = await import('../../src/engine/resp/promise-command.js');
    const connection = await open(server, { maxBufferedBytes: 256 * 1024 });
    let drains = 0;
    connection.on('drain', () => {
      if (connection.backedUp)
        drains = Number.NaN; // a drain while still held back would be a lie
      else drains++;
    });
    await server.pause();
    const value = 'v'.repeat(16 * 1024);
    const pending: Promise<unknown>[] = [];
    const send = (): boolean => {
      const command = new PromiseCommand('SET', [`bp:${pending.length % 10}`, value]);
      pending.push(command.promise);
      return connection.send(command);
    };
    let drainsBefore = 0;
    try {
      // The kernel absorbs a few MB before the socket itself backs up; go on until it does.
      while (!connection.backedUp && pending.length < 20_000) {
        for (let i = 0; i < 16; i++) send();
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(connection.backedUp, 'the socket backed up');
      drainsBefore = drains;
      assert.equal(send(), false, 'send() pushes back while backed up');
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(connection.backedUp && drains === drainsBefore, 'no drain while the server reads nothing');
    } finally {
      await server.resume();
    }
    await waitFor(() => drains > drainsBefore && !connection.backedUp, { timeoutMs: 30_000, what: "the connection's drain" });
    const results = await settleAll(pending);
    assert.ok(
      results.every((r) => r.status === 'fulfilled' && r.value === 'OK'),
      'every command was answered, in order',
    );
  });

  it('holds commands sent before the handshake finished and writes them after it, in order', async () => {
    const connection = new RespConnection({ host: server.host, port: server.port, username: 'alice', password: PASSWORD });
    opened.push(connection);
    const early = [connection.call('SET', ['early', '1']), connection.call('INCR', ['early']), connection.call('ACL', ['WHOAMI'])];
    await connection.connect();
    assert.deepStrictEqual(await Promise.all(early), ['OK', 2, 'alice'], 'they ran authenticated, after HELLO');
  });

  it('a server that accepts but never answers: connect() fails after connectTimeoutMs, held commands with ClosedError', async () => {
    await server.pause();
    try {
      const connection = new RespConnection({ host: server.host, port: server.port, connectTimeoutMs: 300 });
      opened.push(connection);
      const held = connection.call('PING');
      await assert.rejects(connection.connect(), (error: unknown) => error instanceof ConnectError && /timed out/.test(error.message));
      await assert.rejects(held, ClosedError);
      assert.equal(connection.pending, 0);
    } finally {
      await server.resume();
    }
  });

  it('destroy() fails every pending command at once: written ones ConnectionLostError, unsent ones ClosedError', async () => {
    const connection = await open(server);
    await server.pause();
    try {
      const written = Array.from({ length: 100 }, (_, i) => connection.call('GET', [`k${i}`]));
      await new Promise((resolve) => setImmediate(resolve)); // the tick's write happened
      const unsent = connection.call('GET', ['late']);
      let settled = 0;
      for (const p of [...written, unsent]) p.catch(() => settled++);
      connection.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(settled, 101, 'all failed before the next turn of the event loop');
      const results = await settleAll(written);
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectionLostError));
      await assert.rejects(unsent, ClosedError);
    } finally {
      await server.resume();
    }
  });
});

describe('RespConnection: the server dies mid-reply, or is not Redis', () => {
  it('server killed in the middle of a reply: ConnectionLostError for every pending command', async () => {
    const server = await startRedis();
    try {
      const connection = await open(server);
      // Far larger than the kernel's socket buffers: the server cannot have written it all when it dies.
      assert.equal(await connection.call('SET', ['huge', Buffer.alloc(32 * 1024 * 1024, 0x78)]), 'OK');
      const closed = once<[unknown]>(connection, 'close', 30_000);
      const before = connection.bytesReceived;
      const pending = [
        connection.call('GET', ['huge']),
        connection.call('PING'),
        connection.call('GET', ['huge'], true),
        connection.call('PING'),
      ];
      // Settled from the start: they reject while kill() waits for the process to exit.
      const settled = settleAll(pending);
      await waitFor(() => connection.bytesReceived > before, { intervalMs: 1, what: 'the first bytes of the reply' });
      await server.kill();
      const results = await settled;
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.ok(result.reason instanceof ConnectionLostError, inspect(result.reason));
      }
      const [reason] = await closed;
      assert.ok(reason instanceof ConnectionLostError);
    } finally {
      await server.stop();
    }
  });

  it('a refused port: ConnectError naming the target', async () => {
    const server = await startRedis();
    const { host, port } = server;
    await server.stop();
    const connection = new RespConnection({ host, port });
    opened.push(connection);
    await assert.rejects(connection.connect(), (error: unknown) => error instanceof ConnectError && error.target === `${host}:${port}`);
  });

  it('a peer that is not Redis: ConnectError caused by a protocol error, no hang', async () => {
    const fake = net.createServer((socket) => {
      socket.resume(); // read, so the client's FIN closes it and fake.close() can finish
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const address = fake.address() as net.AddressInfo;
      const connection = new RespConnection({ host: '127.0.0.1', port: address.port });
      opened.push(connection);
      await assert.rejects(connection.connect(), (error: unknown) => error instanceof ConnectError && /not RESP/.test(error.message));
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});

describe('RespConnection: a server without HELLO (RESP2 fallback)', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ['--rename-command', 'HELLO', ''] });
    await server.command('ACL', 'SETUSER', 'alice', 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
  });
  after(async () => {
    await server.stop();
  });

  it('falls back to AUTH + CLIENT SETNAME over RESP2; replies have the same shape', async () => {
    const connection = await open(server, { username: 'alice', password: PASSWORD, name: 'fallback' });
    assert.equal(connection.protocol, 2);
    assert.equal(await connection.call('ACL', ['WHOAMI']), 'alice');
    assert.equal(await connection.call('CLIENT', ['GETNAME']), 'fallback');
    await connection.call('HSET', ['h2', 'a', '1']);
    assert.deepStrictEqual(await connection.call('HGETALL', ['h2']), ['a', '1']);
  });

  it('a wrong password over RESP2: AuthError without the password', async () => {
    const secret = 'wrong-0815';
    const connection = new RespConnection({ host: server.host, port: server.port, username: 'alice', password: secret });
    opened.push(connection);
    const error = await connection.connect().then(
      () => assert.fail('connect must fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthError);
    assert.ok(!inspect(error, { depth: Infinity, showHidden: true }).includes(secret));
  });
});
