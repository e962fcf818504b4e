import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { hasErrorCode } from '../helpers/errno.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { freePort } from '../helpers/free-port.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { RespClient } from '../helpers/resp-client.js';
import { encodeCommand, RespError, RespParser, replyToText } from '../helpers/resp-protocol.js';
import { once, TimeoutError, waitFor } from '../helpers/wait-for.js';

/**
 * True while the process runs (or is stopped). A zombie counts as dead: servers orphaned by a
 * child test process are reaped by pid 1 whenever it gets round to it, which can take a second.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (hasErrorCode(err, 'ESRCH')) return false;
    throw err;
  }
  if (!existsSync('/proc/self/stat')) return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    // Reaped between kill(0) and the read: gone, which answers the question.
    if (hasErrorCode(err, 'ENOENT')) return false;
    throw err;
  }
  // Format: "pid (comm) STATE ..."; comm may contain spaces or parentheses.
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

/** A plain socket plus everything it received, for byte-exact assertions through the proxy. */
interface RawConnection {
  socket: net.Socket;
  received(): string;
}

async function connectRaw(port: number, opts: { allowHalfOpen?: boolean } = {}): Promise<RawConnection> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false });
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('utf8');
  });
  await once(socket, 'connect', 2000);
  return { socket, received: () => data };
}

/** Runs a Node.js ESM snippet in a child process; resolves with its stdout once it exits. */
async function runNode(source: string, onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    onStdout?.(stdout, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const [code, signal] = await once<[number | null, NodeJS.Signals | null]>(child, 'exit', 15_000);
  return { code, signal, stdout, stderr };
}

const redisServerModule = new URL('../helpers/redis-server.js', import.meta.url).href;

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `port ${port}`);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('RESP protocol', () => {
  it('encodes commands as arrays of bulk strings', () => {
    assert.equal(encodeCommand(['SET', 'k', 'é']).toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  });

  it('decodes replies split across arbitrary chunks', () => {
    const wire = Buffer.from(
      '+OK\r\n-ERR boom\r\n:42\r\n$5\r\na\r\nbc\r\n$-1\r\n*3\r\n:1\r\n*2\r\n$1\r\nx\r\n-WRONGTYPE nested\r\n*-1\r\n*0\r\n',
    );
    const parser = new RespParser();
    const replies = [];
    for (const byte of wire) replies.push(...parser.push(Buffer.from([byte])));
    assert.equal(parser.buffered, 0);
    assert.equal(replies.length, 7);
    assert.equal(replies[0], 'OK');
    assert.ok(replies[1] instanceof RespError);
    assert.equal(replies[1].message, 'ERR boom');
    assert.equal(replies[1].code, 'ERR');
    assert.equal(replies[2], 42);
    assert.equal(replies[3], 'a\r\nbc');
    assert.equal(replies[4], null);
    const nested = replies[5];
    assert.deepEqual(nested, [1, ['x', new RespError('WRONGTYPE nested')], null]);
    assert.ok(Array.isArray(nested) && Array.isArray(nested[1]) && nested[1][1] instanceof RespError);
    assert.equal(replyToText(nested ?? null), '1\nx\nWRONGTYPE nested\n');
    assert.deepEqual(replies[6], []);
  });

  it('rejects input that is not RESP', () => {
    assert.throws(() => new RespParser().push(Buffer.from('HTTP/1.1 400\r\n')), { name: 'RespProtocolError' });
  });
});

describe('startRedis', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    await server?.stop();
  });

  it('exposes host, port, url and a live pid', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.ok(isAlive(server.pid));
    assert.equal(server.running, true);
    assert.ok(existsSync(server.dir));
  });

  it('runs commands and returns redis-cli style text', async () => {
    assert.equal(await server.command('PING'), 'PONG');
    assert.equal(await server.command('SET', 'greeting', 'hello world'), 'OK');
    assert.equal(await server.command('GET', 'greeting'), 'hello world');
    assert.equal(await server.command('GET', 'missing'), '');
    assert.equal(await server.command('RPUSH', 'list', 'a', 'b'), '2');
    assert.equal(await server.command('LRANGE', 'list', '0', '-1'), 'a\nb');
    assert.deepEqual(await server.call('LRANGE', 'list', '0', '-1'), ['a', 'b']);
  });

  it('starts with persistence off and DEBUG enabled', async () => {
    assert.deepEqual(await server.call('CONFIG', 'GET', 'save'), ['save', '']);
    assert.deepEqual(await server.call('CONFIG', 'GET', 'appendonly'), ['appendonly', 'no']);
    assert.deepEqual(await server.call('CONFIG', 'GET', 'dir'), ['dir', server.dir]);
    assert.equal(await server.command('DEBUG', 'SLEEP', '0'), 'OK');
  });

  it('rejects with the server error text', async () => {
    await assert.rejects(server.command('INCR'), (err: unknown) => {
      assert.ok(err instanceof RespError);
      assert.match(err.message, /^ERR wrong number of arguments for 'incr' command/);
      return true;
    });
  });

  it('kill() SIGKILLs the process and restart() brings it back on the same port', async () => {
    const { port, pid } = server;
    await server.command('SET', 'before-kill', '1');
    await server.kill();
    assert.equal(isAlive(pid), false);
    assert.equal(server.running, false);
    await assert.rejects(server.command('PING'), { code: 'ECONNREFUSED' });

    await server.restart();
    assert.equal(server.port, port);
    assert.notEqual(server.pid, pid);
    assert.ok(isAlive(server.pid));
    assert.equal(await server.command('PING'), 'PONG');
    assert.equal(await server.command('EXISTS', 'before-kill'), '0', 'nothing is persisted across restarts');
  });

  it('restart() of a running server replaces the process and drops its connections', async () => {
    const { port, pid } = server;
    const client = await server.connect();
    assert.equal(await client.command('PING'), 'PONG');
    await server.restart();
    assert.equal(server.port, port);
    assert.notEqual(server.pid, pid);
    assert.equal(isAlive(pid), false);
    await assert.rejects(client.command('PING'));
    assert.equal(await server.command('PING'), 'PONG');
  });

  it('pause() freezes the server and resume() lets queued requests through', async () => {
    const client = await server.connect();
    try {
      await server.pause();
      assert.equal(server.paused, true);
      await assert.rejects(client.send(['PING'], { timeoutMs: 300 }), TimeoutError);

      // Connects still succeed while paused (the kernel completes the handshake).
      const queued = await server.connect();
      let answered = false;
      const reply = queued.send(['PING'], { timeoutMs: 5000 }).finally(() => {
        answered = true;
      });
      await sleep(200);
      assert.equal(answered, false, 'a paused server must not answer');
      await server.resume();
      assert.equal(server.paused, false);
      assert.equal(await reply, 'PONG');
      queued.destroy();
    } finally {
      await server.resume();
      client.destroy();
    }
  });

  it('RespClient.close() gives up on a server that never answers the FIN', async () => {
    const client = await server.connect();
    assert.equal(await client.command('PING'), 'PONG');
    await server.pause();
    try {
      const started = performance.now();
      await client.close(200);
      const took = performance.now() - started;
      assert.ok(took >= 190 && took < 2000, `close took ${took.toFixed(1)} ms (at most 10x its 200 ms)`);
      assert.equal(client.isOpen, false);
    } finally {
      await server.resume();
    }
  });
});

describe('startRedis options and lifecycle', () => {
  it('passes extra args and authenticates its own commands with --requirepass', async () => {
    await using server = await startRedis({ args: ['--requirepass', 's3cret', '--maxmemory', '1mb'] });
    assert.equal(await server.command('CONFIG', 'GET', 'maxmemory'), 'maxmemory\n1048576');
    const anonymous = await server.connect({ auth: undefined });
    await assert.rejects(anonymous.command('GET', 'x'), { name: 'RespError', message: /^NOAUTH/ });
    anonymous.destroy();
  });

  it('authenticates as an ACL user given via auth', async () => {
    await using server = await startRedis({
      args: ['--user', 'default', 'off', '--user', 'alice', 'on', '>pw', '~*', '&*', '+@all'],
      auth: { username: 'alice', password: 'pw' },
    });
    assert.equal(await server.command('ACL', 'WHOAMI'), 'alice');
  });

  it('listens on a requested port', async () => {
    const port = await freePort();
    await using server = await startRedis({ port });
    assert.equal(server.port, port);
    assert.equal(await server.command('PING'), 'PONG');
  });

  it('rejects quickly with the server log when redis-server refuses its arguments', async () => {
    const started = performance.now();
    await assert.rejects(startRedis({ args: ['--maxmemory-policy', 'bogus'], readyTimeoutMs: 30_000 }), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /exited with code 1 during startup/);
      assert.match(err.message, /FATAL CONFIG FILE ERROR/);
      return true;
    });
    // Wide: anything well short of the 30 s readiness deadline shows it did not wait for it.
    assert.ok(performance.now() - started < 10_000, 'fails fast instead of waiting for the deadline');
  });

  it('rejects with ENOENT when redis-server is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startRedis(), { code: 'ENOENT' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('stop() is idempotent, kills the process and removes the temp dir', async () => {
    const server = await startRedis();
    const { pid, dir } = server;
    await server.pause();
    await Promise.all([server.stop(), server.stop()]);
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(dir), false);
    await server.stop();
    await assert.rejects(server.restart(), /stopped/);
  });

  it('await using stops the server', async () => {
    let pid = 0;
    {
      await using server = await startRedis();
      pid = server.pid;
      assert.ok(isAlive(pid));
    }
    assert.equal(isAlive(pid), false);
  });

  it('kills servers a test process left behind when it exits, even paused ones', async () => {
    const { code, stdout, stderr } = await runNode(`
      import { startRedis } from ${JSON.stringify(redisServerModule)};
      const running = await startRedis();
      const paused = await startRedis();
      await paused.pause();
      console.log(JSON.stringify([running.pid, running.dir, paused.pid, paused.dir]));
      // No stop(): the process must still exit on its own and take the servers with it.
    `);
    assert.equal(code, 0, stderr);
    const [runningPid, runningDir, pausedPid, pausedDir] = JSON.parse(stdout) as [number, string, number, string];
    await waitFor(() => !isAlive(runningPid) && !isAlive(pausedPid), { timeoutMs: 2000, what: 'orphans to die' });
    assert.equal(existsSync(runningDir), false);
    assert.equal(existsSync(pausedDir), false);
  });

  it('kills servers when the test process is terminated by SIGTERM', async () => {
    let reported = '';
    const { signal } = await runNode(
      `
      import { startRedis } from ${JSON.stringify(redisServerModule)};
      const server = await startRedis();
      console.log(server.pid);
      setInterval(() => {}, 1000);
    `,
      (text, child) => {
        if (reported === '' && text.endsWith('\n')) {
          reported = text.trim();
          child.kill('SIGTERM');
        }
      },
    );
    assert.equal(signal, 'SIGTERM', 'the default signal behaviour is preserved');
    const pid = Number(reported);
    assert.ok(pid > 0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 2000, what: `redis-server ${pid} to die` });
  });
});

describe('fault proxy', () => {
  let server: RedisServer;
  let proxy: FaultProxy;

  before(async () => {
    server = await startRedis();
  });

  beforeEach(async () => {
    proxy = await startFaultProxy({ host: server.host, port: server.port });
  });

  afterEach(async () => {
    await proxy.close();
  });

  after(async () => {
    await server?.stop();
  });

  it('forwards commands and replies', async () => {
    assert.equal(proxy.url, `redis://127.0.0.1:${proxy.port}`);
    assert.notEqual(proxy.port, server.port);
    const client = await RespClient.connect({ port: proxy.port });
    assert.equal(await client.command('PING'), 'PONG');
    assert.equal(await client.command('SET', 'via-proxy', 'yes'), 'OK');
    assert.equal(await server.command('GET', 'via-proxy'), 'yes');
    assert.equal(proxy.connections, 1);
    await client.close();
    await waitFor(() => proxy.connections === 0, { what: 'the proxy to forget the closed connection' });
  });

  it('setLatency() delays each direction', async () => {
    const client = await RespClient.connect({ port: proxy.port });
    assert.equal(await client.command('PING'), 'PONG');
    proxy.setLatency(100);
    let started = performance.now();
    assert.equal(await client.command('PING'), 'PONG');
    const slow = performance.now() - started;
    assert.ok(slow >= 200, `round trip took ${slow.toFixed(1)} ms, expected >= 2 x 100 ms`);

    proxy.setLatency(0);
    started = performance.now();
    assert.equal(await client.command('PING'), 'PONG');
    const fast = performance.now() - started;
    // Still delayed would mean at least 200 ms again; below that, however loaded the machine is.
    assert.ok(fast < 200, `round trip took ${fast.toFixed(1)} ms after removing latency`);
    client.destroy();
  });

  it('keeps byte order when latency shrinks mid-stream', async () => {
    const client = await RespClient.connect({ port: proxy.port });
    await client.command('DEL', 'order');
    proxy.setLatency(80);
    const replies = [client.command('INCR', 'order'), client.command('INCR', 'order')];
    proxy.setLatency(0);
    replies.push(client.command('INCR', 'order'), client.command('INCR', 'order'));
    assert.deepEqual(await Promise.all(replies), [1, 2, 3, 4]);
    client.destroy();
  });

  it('blackhole() swallows traffic of existing and new connections until switched off', async () => {
    const existing = await connectRaw(proxy.port);
    existing.socket.write('PING\r\n');
    await waitFor(() => existing.received() === '+PONG\r\n', { what: 'PONG before the blackhole' });

    proxy.blackhole();
    existing.socket.write('PING\r\n');
    const fresh = await connectRaw(proxy.port);
    fresh.socket.write('PING\r\n');
    await sleep(300);
    assert.equal(existing.received(), '+PONG\r\n', 'no reply while blackholed');
    assert.equal(fresh.received(), '', 'no reply while blackholed');
    assert.equal(proxy.connections, 2, 'new connections are still accepted');

    proxy.blackhole(false);
    existing.socket.write('ECHO after\r\n');
    fresh.socket.write('ECHO fresh\r\n');
    await waitFor(() => fresh.received() === '$5\r\nfresh\r\n', { what: 'reply on the fresh connection' });
    await waitFor(() => existing.received().endsWith('$5\r\nafter\r\n'), { what: 'reply on the old connection' });
    // The PING sent during the blackhole was dropped, not replayed.
    assert.equal(existing.received(), '+PONG\r\n$5\r\nafter\r\n');
    existing.socket.destroy();
    fresh.socket.destroy();
  });

  it('resetAll() makes clients read ECONNRESET and closes the upstream connection', async () => {
    const raw = await connectRaw(proxy.port);
    raw.socket.write('CLIENT SETNAME victim\r\n');
    await waitFor(() => raw.received() === '+OK\r\n', { what: 'CLIENT SETNAME' });
    assert.match(await server.command('CLIENT', 'LIST'), /name=victim/);

    const failure = once<[Error]>(raw.socket, 'error', 2000);
    proxy.resetAll();
    const [err] = await failure;
    assert.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET');
    await waitFor(() => proxy.connections === 0, { what: 'proxy connections to drop' });
    await waitFor(async () => !/name=victim/.test(await server.command('CLIENT', 'LIST')), {
      what: 'the upstream connection to close',
    });
  });

  it('halfCloseAll() sends FIN but keeps forwarding what the client writes', async () => {
    const raw = await connectRaw(proxy.port, { allowHalfOpen: true });
    const ended = once(raw.socket, 'end', 2000);
    proxy.halfCloseAll();
    await ended;
    assert.equal(raw.socket.writable, true);
    raw.socket.write('SET half-closed yes\r\n');
    await waitFor(async () => (await server.command('GET', 'half-closed')) === 'yes', {
      what: 'the write after the FIN to reach the server',
    });
    assert.equal(raw.received(), '', 'replies after the FIN are dropped');
    raw.socket.destroy();
  });

  it('refuse() resets new connections while existing ones keep working', async () => {
    const existing = await RespClient.connect({ port: proxy.port });
    proxy.refuse();
    // The RST may arrive before or after the client saw its connect complete; either way the
    // socket must die with ECONNRESET without a single byte of reply.
    const refused = net.connect({ port: proxy.port, host: '127.0.0.1' });
    let received = '';
    refused.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    refused.write('PING\r\n');
    const [err] = await once<[Error]>(refused, 'error', 2000);
    assert.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET');
    assert.equal(refused.destroyed, true);
    assert.equal(received, '');
    assert.equal(proxy.connections, 1);
    assert.equal(await existing.command('PING'), 'PONG');

    proxy.refuse(false);
    const accepted = await RespClient.connect({ port: proxy.port });
    assert.equal(await accepted.command('PING'), 'PONG');
    existing.destroy();
    accepted.destroy();
  });

  it('resets clients when the upstream is unreachable', async () => {
    // Not a freePort(): a parallel test file could start a server on it in the meantime.
    // Port 1 (tcpmux) is privileged and unused, so connecting to it is refused.
    const dead = await startFaultProxy({ host: '127.0.0.1', port: 1 });
    try {
      const raw = await connectRaw(dead.port);
      const [err] = await once<[Error]>(raw.socket, 'error', 2000);
      assert.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET');
      assert.ok(dead.errors.some((e) => hasErrorCode(e, 'ECONNREFUSED')));
    } finally {
      await dead.close();
    }
  });

  it('close() is idempotent and closes client connections', async () => {
    const raw = await connectRaw(proxy.port);
    const closed = once(raw.socket, 'close', 2000);
    await Promise.all([proxy.close(), proxy.close()]);
    await closed;
    await assert.rejects(RespClient.connect({ port: proxy.port, connectTimeoutMs: 1000 }), { code: 'ECONNREFUSED' });
  });
});

describe('waitFor and once', () => {
  it('waitFor resolves as soon as the predicate holds', async () => {
    let calls = 0;
    await waitFor(async () => ++calls === 3, { intervalMs: 1 });
    assert.equal(calls, 3);
  });

  it('waitFor rejects naming what it waited for, with the last error as cause', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      waitFor(
        () => {
          throw boom;
        },
        { timeoutMs: 50, what: 'the impossible' },
      ),
      (err: unknown) => {
        assert.ok(err instanceof TimeoutError);
        assert.match(err.message, /waiting for the impossible; last error: Error: boom/);
        assert.equal(err.cause, boom);
        return true;
      },
    );
  });

  it('waitFor does not hang on a predicate that never settles', async () => {
    const started = performance.now();
    await assert.rejects(
      waitFor(
        () =>
          new Promise<boolean>(() => {
            // Never settles, like a probe stuck on a dead connection.
          }),
        { timeoutMs: 50, what: 'a stuck predicate' },
      ),
      TimeoutError,
    );
    assert.ok(performance.now() - started < 1000);
  });

  it('once resolves with the event arguments or times out', async () => {
    const socket = new net.Socket();
    queueMicrotask(() => socket.emit('custom', 1, 'two'));
    assert.deepEqual(await once(socket, 'custom', 100), [1, 'two']);
    await assert.rejects(once(socket, 'never', 30), { name: 'TimeoutError', message: /'never' event/ });
    socket.destroy();
  });
});
