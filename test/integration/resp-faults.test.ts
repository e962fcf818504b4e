import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommandTimeoutError,
  type ConnectionEvent,
  ConnectionLostError,
  type CreateRedisOptions,
  channelNames,
  RedisKitError,
} from '../../src/index.js';
import { type FaultProxy, type RedisServer, startFaultProxy, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';
import { type ReplyCutProxy, startReplyCutProxy } from '../helpers/reply-cut-proxy.js';
import { seededRandom } from '../helpers/seeded-random.js';

/**
 * Faults inside the reply stream (issue #8), on the own engine and, for comparison, on ioredis:
 * each ends as the README's "When Redis is down" table promises — reads resent within their
 * deadline, writes in doubt failed with ConnectionLostError, a silent server ending at the
 * deadline with CommandTimeoutError — and no caller ever gets another caller's reply.
 */

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name} (${(error as { code?: string }).code}): ${error.message}` : String(error);
}

/** Counts lanes destroyed as broken from now on; stop() unsubscribes. */
function countBrokenLanes(): { readonly count: number; stop(): void } {
  let count = 0;
  const listener = (message: unknown) => {
    const event = message as ConnectionEvent;
    if (event.role === 'lane' && event.reason === 'broken') count++;
  };
  diagnosticsChannel.subscribe(channelNames.connectionDestroy, listener);
  return {
    get count() {
      return count;
    },
    stop: () => diagnosticsChannel.unsubscribe(channelNames.connectionDestroy, listener),
  };
}

for (const engine of ['resp', 'ioredis'] as const) {
  describe(`faults in the reply stream (engine '${engine}')`, () => {
    let server: RedisServer;
    let proxy: ReplyCutProxy;
    const clientFor = (options: CreateRedisOptions = {}) => kitFor(proxy, { engine, ...options });
    before(async () => {
      server = await startRedis();
    });
    after(async () => {
      await server.stop();
    });
    beforeEach(async () => {
      proxy = await startReplyCutProxy({ host: server.host, port: server.port });
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('a reply cut in the middle of a bulk string: the read is resent and gets the whole value; a write fails typed', async () => {
      await using redis = clientFor({ lanes: 1, commandTimeoutMs: 3000 });
      await redis.connect();
      const value = `${'a'.repeat(30_000)}MIDDLE${'b'.repeat(30_000)}`;
      await redis.set('cut:big', value);

      let cut = proxy.cutAt('MIDDLE', 3);
      const read = await settle(redis.get('cut:big'));
      await withTimeout(cut, 3000, 'the cut');
      assert.ok(read.ok, `the read was resent, not failed: ${describeError(!read.ok && read.error)}`);
      assert.equal(read.value, value, 'the whole value, not the part before the cut');

      cut = proxy.cutAt('MIDDLE', 1000);
      const bytes = await settle(redis.getBuffer('cut:big'));
      await withTimeout(cut, 3000, 'the second cut');
      assert.ok(bytes.ok, describeError(!bytes.ok && bytes.error));
      assert.ok(bytes.value !== null && Buffer.from(value).equals(bytes.value), 'the whole value as a Buffer');

      // SET … GET replies with the old value, a bulk string: cut inside it, the write is in doubt.
      cut = proxy.cutAt('MIDDLE', 2);
      const write = await settle(redis.set('cut:big', 'replaced', 'GET'));
      await withTimeout(cut, 3000, 'the third cut');
      assert.ok(!write.ok && write.error instanceof ConnectionLostError, describeError(!write.ok && write.error));
      assert.equal(write.error.code, 'ERR_REDIS_CONNECTION_LOST');
      assert.equal(await server.command('GET', 'cut:big'), 'replaced', 'the write in doubt did run: it must not be resent');

      assert.equal(proxy.cuts, 3);
      assert.equal(await redis.get('cut:big'), 'replaced', 'the lane reconnected');
      assert.equal(redis.stats().breaker.state, 'closed');
    });

    it('a reset between two replies of a pipeline and inside an EXEC reply: ConnectionLostError, nothing resent', async () => {
      await using redis = clientFor({ lanes: 1, commandTimeoutMs: 3000 });
      await redis.connect();
      const first = 'FIRST-REPLY-END';
      await redis.set('pl:first', first);
      await redis.set('pl:n', '0');

      // Cut right after the first reply's CRLF: the GET has its reply, the rest have none.
      let cut = proxy.cutAt(first, first.length + 2);
      const pipeline = await settle(redis.pipeline().get('pl:first').incr('pl:n').get('pl:n').exec());
      await withTimeout(cut, 3000, 'the pipeline cut');
      assert.ok(!pipeline.ok && pipeline.error instanceof ConnectionLostError, describeError(!pipeline.ok && pipeline.error));
      assert.equal(pipeline.error.code, 'ERR_REDIS_CONNECTION_LOST');
      assert.equal(await server.command('GET', 'pl:n'), '1', 'the INCR ran once: the batch was not sent again');

      // Inside EXEC's array, between its first and second element: the transaction ran whole.
      cut = proxy.cutAt(first, first.length + 2);
      const multi = await settle(redis.multi().get('pl:first').incr('pl:n').exec());
      await withTimeout(cut, 3000, 'the EXEC cut');
      assert.ok(!multi.ok && multi.error instanceof ConnectionLostError, describeError(!multi.ok && multi.error));
      assert.equal(await server.command('GET', 'pl:n'), '2', 'the transaction ran once');

      const again = await redis.pipeline().get('pl:first').get('pl:n').exec();
      assert.deepEqual(again, [
        [null, first],
        [null, '2'],
      ]);
    });

    it('a blackhole after the request was written: CommandTimeoutError at the deadline, the write ran, the lane is replaced', async () => {
      await using redis = clientFor({ lanes: 1, commandTimeoutMs: 300, socketTimeoutMs: 1000 });
      await redis.connect();
      await redis.set('bh:n', '0');
      const broken = countBrokenLanes();
      try {
        proxy.dropReplies();
        const started = performance.now();
        const [write, read] = await Promise.all([settle(redis.incr('bh:n')), settle(redis.get('bh:n'))]);
        const elapsed = performance.now() - started;
        for (const result of [write, read]) {
          assert.ok(!result.ok && result.error instanceof CommandTimeoutError, describeError(!result.ok && result.error));
          assert.equal(result.error.code, 'ERR_REDIS_COMMAND_TIMEOUT');
          assert.equal(result.error.timeoutMs, 300);
        }
        assert.ok(elapsed >= 295 && elapsed < 3000, `ended after ${elapsed.toFixed(0)} ms, not at the 300 ms deadline`);
        assert.equal(await server.command('GET', 'bh:n'), '1', 'the request reached the server: only its reply was lost');

        proxy.dropReplies(false);
        // The socket timeout drops the silent lane; its replacement answers.
        await waitFor(() => broken.count >= 1, { what: 'the silent lane to be dropped', timeoutMs: 5000 });
        await waitFor(() => redis.stats().lanes.ready === 1, { what: 'the lane to reconnect', timeoutMs: 5000 });
        assert.equal(await redis.get('bh:n'), '1');
        assert.equal(await redis.incr('bh:n'), 2);
      } finally {
        broken.stop();
      }
    });

    it('replies arriving after their deadline go to nobody: the next callers on the same connection get their own', async () => {
      // A slow path instead of a cut one: the timed-out commands' replies still come, late, ahead
      // of the next commands' replies. An engine that forgot the timed-out commands would hand
      // those late replies to the next callers in line.
      await using slow: FaultProxy = await startFaultProxy({ host: server.host, port: server.port });
      await using redis = kitFor(slow, { engine, lanes: 1, commandTimeoutMs: 150, socketTimeoutMs: 10_000 });
      await redis.connect();
      const keys = Array.from({ length: 60 }, (_, i) => `late:${i}`);
      for (const key of keys) await server.command('SET', key, `value-of=${key}`);
      const broken = countBrokenLanes();
      try {
        slow.setLatency(250);
        const early = await Promise.all(keys.slice(0, 30).map((key) => settle(redis.get(key))));
        for (const result of early) {
          assert.ok(!result.ok && result.error instanceof CommandTimeoutError, describeError(!result.ok && result.error));
        }
        // Sent on the same connection while the late replies are still on their way (the proxy keeps order).
        slow.setLatency(0);
        const next = await Promise.all(keys.slice(30).map((key) => settle(redis.sendCommand('get', [key], { timeoutMs: 5000 }))));
        assert.deepEqual(
          next.map((result) => (result.ok ? result.value : describeError(result.error))),
          keys.slice(30).map((key) => `value-of=${key}`),
        );
        assert.equal(broken.count, 0, 'the same connection carried both waves');
      } finally {
        broken.stop();
      }
    });

    it('no reply reaches the wrong caller: 100 callers on their own keys while connections are cut mid-reply and reset', async () => {
      await using redis = clientFor({ lanes: 2, commandTimeoutMs: 3000 });
      await redis.connect();
      const random = seededRandom(8);
      const keys = Array.from({ length: 100 }, (_, i) => `owner:${i}`);
      // Each value names its key and has its own length, so replies end at every place in a chunk.
      const ownValue = (key: string) => `value-of=${key};${'x'.repeat((key.length * 997 + Number(key.slice(6)) * 131) % 4000)}`;
      for (const key of keys) await server.command('SET', key, ownValue(key));
      const broken = countBrokenLanes();
      const mismatches: string[] = [];
      const untyped: string[] = [];
      let resolved = 0;
      let failed = 0;
      let running = true;

      const caller = async (key: string): Promise<void> => {
        for (let i = 0; running; i++) {
          // Mostly reads (resent after a loss), some writes (failed typed when in doubt).
          const result = await settle(i % 5 === 4 ? redis.set(key, ownValue(key), 'GET') : redis.get(key));
          if (result.ok) {
            resolved++;
            if (result.value !== ownValue(key)) mismatches.push(`${key} got ${String(result.value).slice(0, 40)}`);
          } else {
            failed++;
            const { error } = result;
            if (!(error instanceof RedisKitError) || !['ERR_REDIS_CONNECTION_LOST', 'ERR_REDIS_COMMAND_TIMEOUT'].includes(error.code)) {
              untyped.push(describeError(error));
            }
          }
        }
      };
      const faults = async (): Promise<void> => {
        for (let round = 0; round < 12; round++) {
          await sleep(30 + random() * 40);
          if (round % 3 === 2) {
            proxy.resetAll();
            continue;
          }
          // Mid-reply: somewhere inside one caller's value, whichever connection carries it.
          const key = keys[Math.floor(random() * keys.length)] ?? 'owner:0';
          await Promise.race([proxy.cutAt(`value-of=${key};`, 1 + Math.floor(random() * 200)), sleep(1000)]);
        }
      };

      try {
        const callers = Promise.all(keys.map((key) => caller(key)));
        await faults();
        await sleep(100);
        running = false;
        await withTimeout(callers, 10_000, 'the callers to finish');
      } finally {
        running = false;
        broken.stop();
      }
      assert.deepEqual(mismatches, [], 'every resolved value is the one its caller asked for');
      assert.deepEqual(untyped, [], 'every failure is a typed ConnectionLostError or CommandTimeoutError');
      assert.ok(proxy.cuts >= 4, `connections were cut mid-reply (${proxy.cuts})`);
      assert.ok(broken.count >= 4, `lanes were lost under load (${broken.count})`);
      assert.ok(resolved > 1000, `resolved ${resolved}, failed ${failed}`);
      await waitFor(() => redis.stats().lanes.ready === 2, { what: 'both lanes back', timeoutMs: 5000 });
      for (const key of keys.slice(0, 10)) assert.equal(await redis.get(key), ownValue(key));
    });
  });
}
