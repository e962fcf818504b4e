import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { RespEngine } from '../../src/engine/resp-engine.js';
import { LaneTracking } from '../../src/engine/resp/lane-tracking.js';
import { waitFor } from '../helpers/index.js';

/** Splits what a client wrote into commands (arrays of bulk strings; nothing else is sent). */
function* commands(buffer: { data: Buffer }): Generator<string[]> {
  for (;;) {
    const text = buffer.data.toString('latin1');
    if (!text.startsWith('*')) return;
    const lines = text.split('\r\n');
    const count = Number(lines[0]?.slice(1));
    if (lines.length < 1 + 2 * count + 1) return;
    const args: string[] = [];
    for (let i = 0; i < count; i++) args.push(lines[2 + 2 * i] ?? '');
    const used = lines.slice(0, 1 + 2 * count).join('\r\n').length + 2;
    buffer.data = buffer.data.subarray(used);
    yield args;
  }
}

/**
 * A minimal RESP3 server with push frames a real Redis does not send a lane: a pub/sub
 * message pushed before a GET's reply, and an invalidation after it, in one write.
 */
async function fakeServer(): Promise<{ port: number; seen: string[][]; close: () => Promise<void> }> {
  const seen: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const buffer = { data: Buffer.alloc(0) };
    socket.on('data', (chunk: Buffer) => {
      buffer.data = Buffer.concat([buffer.data, chunk]);
      for (const args of commands(buffer)) {
        seen.push(args);
        const name = args[0]?.toUpperCase();
        if (name === 'HELLO') socket.write('%1\r\n+proto\r\n:3\r\n');
        else if (name === 'INFO') socket.write('$9\r\nloading:0\r\n');
        else if (name === 'CLIENT') socket.write('+OK\r\n');
        else if (name === 'GET') {
          socket.write(
            '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n' +
              '$1\r\nv\r\n' +
              '>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n' +
              '>2\r\n$10\r\ninvalidate\r\n_\r\n',
          );
        } else socket.write('+PONG\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('own engine: lane tracking (push frames on a lane)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('turns tracking on in the handshake, hands on invalidations (keys, nil) and ignores other pushes; replies stay in step', async () => {
    const server = await fakeServer();
    cleanups.push(server.close);
    const engine = new RespEngine({
      connection: { host: '127.0.0.1', port: server.port, connectTimeoutMs: 1000 },
      target: `127.0.0.1:${server.port}`,
      keyPrefix: '',
      retryStrategy: null,
      socketTimeoutMs: undefined,
    });
    cleanups.push(() => engine.destroy());
    const invalidated: (string[] | null)[] = [];
    const failures: Error[] = [];
    const tracking = new LaneTracking(engine, {
      invalidated: (keys) => invalidated.push(keys),
      changed: () => undefined,
      lost: () => undefined,
      failed: (error) => failures.push(error),
    });
    tracking.enable();
    await engine.connect(1000);
    assert.equal(tracking.tracking, true);
    const trackingAt = server.seen.findIndex((args) => args[0] === 'CLIENT' && args[1] === 'TRACKING');
    assert.deepEqual(server.seen[trackingAt], ['CLIENT', 'TRACKING', 'ON', 'OPTIN']);
    assert.equal(server.seen.length, trackingAt + 1, 'the last step of the handshake');

    assert.equal(await engine.send('get', ['k']), 'v', 'the push before the reply was not taken for it');
    assert.equal(await engine.send('ping', []), 'PONG', 'and the pushes after it did not shift later replies');
    await waitFor(() => invalidated.length === 2, { what: 'both invalidations' });
    assert.deepEqual(invalidated, [['k'], null]);
    assert.deepEqual(failures, []);
  });
});
