import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CommandTimeoutError } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** RespEngine's backpressure bound (RespConnectionOptions.maxBufferedBytes' default). */
const BOUND_BYTES = 4 * 1024 * 1024;
const VALUE_BYTES = 128 * 1024;
const COMMANDS = 1200;

/** The most a socket's kernel buffers may hold here: the send buffer's and the receiver's receive buffer's maxima. */
function kernelBufferBytes(): number {
  const max = (file: string): number => Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1));
  return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem');
}

describe('own engine: backpressure on the write path', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    await server?.stop();
  });

  it('a paused server: large SETs wait in the lanes queue, not in the socket, and end by their deadline', async () => {
    // One lane, so the bound below is one socket's; a socket timeout longer than the deadline, so the deadline ends them.
    await using redis = kitFor(server, { engine: 'resp', lanes: 1, commandTimeoutMs: 1500, socketTimeoutMs: 20_000 });
    await redis.connect();
    const value = 'v'.repeat(VALUE_BYTES);
    await server.pause();
    let peakInFlight = 0;
    try {
      const started = performance.now();
      const outcomes = Array.from({ length: COMMANDS }, (_, i) => settle(redis.set(`big:${i}`, value)));
      // Let the first flush reach the socket and the kernel fill up.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { inFlight, queued } = redis.stats().lanes;
      peakInFlight = inFlight;
      // Every command handed to the engine holds at most its own bytes in the writer, the socket or the kernel,
      // so this bounds writableLength: the bound, one command past it, and what the kernel took.
      const maxInFlight = Math.ceil((BOUND_BYTES + kernelBufferBytes()) / VALUE_BYTES) + 1;
      assert.ok(inFlight <= maxInFlight, `${inFlight} commands handed to the socket (at most ${maxInFlight})`);
      assert.ok(queued > 0, 'the rest wait in the bounded queue');
      assert.equal(inFlight + queued, COMMANDS, 'each command is either queued or in flight');
      const results = await Promise.all(outcomes);
      const elapsed = performance.now() - started;
      for (const result of results) {
        assert.ok(!result.ok && result.error instanceof CommandTimeoutError, String(!result.ok && result.error));
      }
      // 10x the deadline: a safety net for a loaded machine, far below the 20 s socket timeout.
      assert.ok(elapsed < 15_000, `ended after ${elapsed.toFixed(0)} ms`);
      assert.equal(redis.stats().lanes.queued, 0, 'expired commands leave the queue');
    } finally {
      await server.resume();
    }
    // The commands that reached the socket run once the server reads again; those that expired in the queue never went out.
    await waitFor(() => redis.stats().lanes.inFlight === 0, { timeoutMs: 15_000, what: 'the written SETs answered' });
    const written = Number(await server.command('DBSIZE'));
    assert.ok(written <= peakInFlight, `${written} keys written, ${peakInFlight} commands were handed to the socket`);
    assert.equal(await redis.set('after', 'ok'), 'OK', 'the lane carries commands again after the drain');
    assert.equal(await redis.get('after'), 'ok');
  });
});
