import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { kOwnedResourceCount } from '../../src/client/internal.js';
import {
  ClosedError,
  ConfigError,
  createMessageLog,
  createRedis,
  InvalidArgumentError,
  type LogEntry,
  type LogFollower,
  msgpackCodec,
  RedisUnavailableError,
  ValidationError,
} from '../../src/index.js';
import { type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

const message = z.object({ from: z.string(), text: z.string().min(1), n: z.number().int().optional() });

/** Takes `count` entries from a follow, bounded by a wide safety net. */
async function take<T>(follower: LogFollower<T>, count: number, timeoutMs = 20_000): Promise<LogEntry<T>[]> {
  const got: LogEntry<T>[] = [];
  await withTimeout(
    (async () => {
      while (got.length < count) {
        const next = await follower.next();
        if (next.done) throw new Error(`the follow ended after ${got.length} of ${count} entries`);
        got.push(next.value);
      }
    })(),
    timeoutMs,
    `${count} entries`,
  );
  return got;
}

/** Waits until `count` clients are blocked server-side (a follow's XREAD BLOCK). */
async function blockedClients(server: RedisServer, count: number): Promise<void> {
  await waitFor(async () => /blocked_clients:(\d+)/.exec(await server.command('INFO', 'clients'))?.[1] === String(count), {
    what: `${count} blocked client(s)`,
    timeoutMs: 10_000,
  });
}

describe('message logs on Redis Streams', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('append, range and latest: ids in order, exclusive bounds, latest oldest-first, keys namespaced and encoded', async () => {
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    const log = redis.log({ namespace: 'chat', schema: message });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await log.append('room:1', { from: 'ada', text: `hello ${n}`, n }));
    assert.deepEqual([...ids].sort(compareIds), ids, 'ids increase in append order');
    assert.equal(await server.command('XLEN', 'app:chat:room%3A1'), '5', 'the key is <keyPrefix><namespace>:<encoded id>');

    const all = await log.range('room:1', { limit: 100 });
    assert.deepEqual(
      all.map((e) => e.value.n),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      all.map((e) => e.id),
      ids,
    );
    assert.ok(all.every((e) => Math.abs(e.timestamp - Date.now()) < 60_000 && e.id.startsWith(`${e.timestamp}-`)));

    const middle = await log.range('room:1', { after: ids[0], before: ids[4], limit: 100 });
    assert.deepEqual(
      middle.map((e) => e.value.n),
      [1, 2, 3],
      'after and before are exclusive',
    );
    const page = await log.range('room:1', { after: ids[1], limit: 2 });
    assert.deepEqual(
      page.map((e) => e.value.n),
      [2, 3],
      'limit caps the page',
    );

    const latest = await log.latest('room:1', 2);
    assert.deepEqual(
      latest.map((e) => e.value.n),
      [3, 4],
      'latest returns the newest n, oldest first',
    );
    assert.deepEqual(await log.range('nobody-here', { limit: 10 }), [], 'a missing log is empty');
    assert.deepEqual(await log.latest('nobody-here', 10), []);
  });

  it('refuses bad arguments with InvalidArgumentError and bad options with ConfigError', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'args', schema: message });
    await assert.rejects(log.append('', { from: 'a', text: 'b' }), InvalidArgumentError);
    await assert.rejects(log.range('x', { limit: 0 }), InvalidArgumentError);
    await assert.rejects(log.range('x', { after: '12', limit: 1 }), InvalidArgumentError, 'incomplete ids are refused');
    await assert.rejects(log.latest('x', 10_001), InvalidArgumentError);
    assert.throws(() => log.follow('x', { after: 'nope' }), InvalidArgumentError);
    assert.throws(() => log.follow('x', { blockMs: 5 }), ConfigError);
    assert.throws(() => redis.log({ schema: message, maxLen: 0 }), ConfigError);
    assert.throws(() => redis.log({ schema: { not: 'a schema' } as never }), ConfigError);
    assert.throws(
      () => redis.log({ schema: message, ttl: 5 } as never),
      (error: unknown) => error instanceof ConfigError && /did you mean ttlMs/.test(error.message),
    );
  });

  it('validates on append (nothing written) and on read (corrupt data, schema drift: typed errors)', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'val', schema: message });
    const refused = await log.append('r', { from: 'ada', text: '' }).catch((error: unknown) => error);
    assert.ok(refused instanceof ValidationError, 'a refused entry is a ValidationError');
    assert.equal(refused.code, 'ERR_REDIS_VALIDATION');
    assert.deepEqual(refused.issues[0]?.path, ['text']);
    assert.equal(await server.command('EXISTS', 'val:r'), '0', 'nothing was written');

    // The schema's output is what is stored: a default applies before writing.
    const withDefault = redis.log({ namespace: 'val', schema: message.extend({ lang: z.string().default('en') }) });
    await withDefault.append('d', { from: 'ada', text: 'hi' });
    assert.equal((await withDefault.latest('d', 1))[0]?.value.lang, 'en');
    assert.match(await server.command('XRANGE', 'val:d', '-', '+'), /"lang":"en"/);

    await log.append('r', { from: 'ada', text: 'fine' });
    await server.command('XADD', 'val:r', '*', 'v', '{"from":"bob"}');
    const drift = await log.range('r', { limit: 10 }).catch((error: unknown) => error);
    assert.ok(drift instanceof ValidationError, 'stored data the schema refuses is a ValidationError');
    assert.match(drift.message, /no longer matches the schema: text/);
    await assert.rejects(log.latest('r', 1), ValidationError);
    assert.equal((await log.range('r', { limit: 1 }))[0]?.value.text, 'fine', 'entries before the bad one still read');

    await server.command('XADD', 'val:bad-json', '*', 'v', '{not json');
    await assert.rejects(
      log.latest('bad-json', 1),
      (error: unknown) => error instanceof ValidationError && /not json data/.test(error.message),
    );
    await server.command('XADD', 'val:no-field', '*', 'other', 'x');
    await assert.rejects(
      log.latest('no-field', 1),
      (error: unknown) => error instanceof ValidationError && /no value field/.test(error.message),
    );
  });

  it('maxLen trims approximately: the log stays bounded and latest() still has the newest', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'trim', schema: message, maxLen: 10 });
    for (let n = 0; n < 1000; n++) await log.append('t', { from: 'a', text: 'x', n });
    const length = Number(await server.command('XLEN', 'trim:t'));
    // `~` trims whole radix-tree nodes (stream-node-max-entries, 100): at least maxLen stay, at most a node more.
    assert.ok(length >= 10 && length <= 10 + 100, `length ${length} is within maxLen and one node over`);
    assert.deepEqual(
      (await log.latest('t', 3)).map((e) => e.value.n),
      [997, 998, 999],
    );
  });

  it('ttlMs expires the whole log and is refreshed by every append in the same round trip', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'ttl', schema: message, ttlMs: 60_000 });
    await log.append('t', { from: 'a', text: 'x' });
    const first = Number(await server.command('PTTL', 'ttl:t'));
    assert.ok(first > 50_000 && first <= 60_000, `PTTL ${first}`);
    await server.command('PEXPIRE', 'ttl:t', '5000');
    await log.append('t', { from: 'a', text: 'y' });
    const refreshed = Number(await server.command('PTTL', 'ttl:t'));
    assert.ok(refreshed > 50_000, `PTTL ${refreshed} was refreshed by the append`);

    const short = redis.log({ namespace: 'ttl', schema: message, ttlMs: 50 });
    await short.append('gone', { from: 'a', text: 'x' });
    await waitFor(async () => (await server.command('EXISTS', 'ttl:gone')) === '0', { what: 'the log to expire' });
    assert.deepEqual(await short.latest('gone', 5), []);
  });

  it('a binary codec (msgpack) round-trips entries', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'bin', schema: message, codec: msgpackCodec() });
    const id = await log.append('b', { from: 'ada', text: 'über ✓', n: 7 });
    const [entry] = await log.range('b', { limit: 1 });
    assert.deepEqual(entry, { id, timestamp: Number(id.split('-')[0]), value: { from: 'ada', text: 'über ✓', n: 7 } });
  });

  it('follow receives entries appended by another client, on a lease (not a lane), and replays after `after`', async () => {
    await using reader = kitFor(server, { lanes: 1 });
    await using writer = kitFor(server);
    const readLog = reader.log({ namespace: 'f', schema: message });
    const writeLog = createMessageLog(writer, { namespace: 'f', schema: message });
    const before = await writeLog.append('room', { from: 'ada', text: 'old' });

    const follower = readLog.follow('room');
    await follower.ready;
    await blockedClients(server, 1);
    assert.equal(reader.stats().pool.active, 1, 'the follow holds one lease');
    // The reader's only lane is free while the follow blocks.
    assert.equal(await reader.ping(), 'PONG');
    const ids = [await writeLog.append('room', { from: 'bob', text: 'one' }), await writeLog.append('room', { from: 'bob', text: 'two' })];
    const got = await take(follower, 2);
    assert.deepEqual(
      got.map((e) => [e.id, e.value.text]),
      [
        [ids[0], 'one'],
        [ids[1], 'two'],
      ],
      'only what was appended after ready, in order',
    );
    assert.equal(follower.lastId, ids[1]);
    await follower.return();

    const replay = readLog.follow('room', { after: before });
    assert.deepEqual(
      (await take(replay, 2)).map((e) => e.value.text),
      ['one', 'two'],
      'after: the backlog first',
    );
    const next = writeLog.append('room', { from: 'bob', text: 'three' });
    assert.equal((await take(replay, 1))[0]?.id, await next, 'then live');
    await replay.close();
  });

  it('follow ends on break and on abort, releasing its lease', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'end', schema: message });
    await log.append('e', { from: 'a', text: 'first' });

    const seen: string[] = [];
    for await (const entry of log.follow('e', { after: '0-0' })) {
      seen.push(entry.value.text);
      break;
    }
    assert.deepEqual(seen, ['first']);
    assert.equal(redis.stats().pool.active, 0, 'break gave the lease back');
    assert.equal(log.following, 0);

    const controller = new AbortController();
    const follower = log.follow('e', { signal: controller.signal });
    await follower.ready;
    await blockedClients(server, 1);
    assert.equal(redis.stats().pool.active, 1);
    const pending = follower.next();
    controller.abort();
    assert.deepEqual(await withTimeout(pending, 10_000, 'the aborted read'), { done: true, value: undefined });
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to come back' });
    assert.equal(follower.closed, true);
    assert.equal(log.following, 0);
    await blockedClients(server, 0);
    // The blocked XREAD was woken (CLIENT UNBLOCK), not cut off: its connection came back clean and stays in the pool.
    assert.deepEqual(redis.stats().pool.destroyed, {}, 'no connection was destroyed');
    assert.equal(redis.stats().pool.idle, 1);

    const already = log.follow('e', { signal: AbortSignal.abort() });
    assert.deepEqual(await already.next(), { done: true, value: undefined }, 'an aborted signal ends it at once');
  });

  it('a log registers with its client and unregisters when closed or destroyed', async () => {
    await using redis = kitFor(server);
    const before = redis[kOwnedResourceCount];
    {
      await using scoped = redis.log({ schema: message });
      await scoped.append('x', { from: 'a', text: 'b' });
      assert.equal(redis[kOwnedResourceCount], before + 1);
    }
    assert.equal(redis[kOwnedResourceCount], before, '`await using` closed and unregistered it');
    const destroyed = redis.log({ schema: message });
    const follower = destroyed.follow('x', { after: '0-0' });
    destroyed.destroy();
    assert.equal(redis[kOwnedResourceCount], before);
    assert.equal(follower.closed, true);
    await assert.rejects(follower.next(), ClosedError);
    await assert.rejects(destroyed.latest('x', 1), ClosedError);
    assert.throws(() => destroyed.follow('x'), ClosedError);
  });

  it('closing the log or the client ends open follows; the client closes without waiting for their leases', async () => {
    const redis = kitFor(server);
    const log = redis.log({ namespace: 'close', schema: message });
    const byLog = log.follow('c');
    await byLog.ready;
    await log.close();
    assert.deepEqual(await byLog.next(), { done: true, value: undefined });
    assert.equal(redis.stats().pool.active, 0);
    await assert.rejects(log.append('c', { from: 'a', text: 'x' }), ClosedError);

    const other = redis.log({ namespace: 'close', schema: message });
    const byClient = other.follow('c', { blockMs: 60_000 });
    await byClient.ready;
    await blockedClients(server, 1);
    const pending = byClient.next();
    const started = performance.now();
    await withTimeout(redis.close(), 10_000, 'the client to close');
    assert.ok(performance.now() - started < 5000, 'close did not wait for the XREAD BLOCK 60000');
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(other.closed, true);
  });

  it('destroying the client fails an open follow with its error at once', async () => {
    const redis = kitFor(server);
    const log = redis.log({ namespace: 'destroy', schema: message });
    const follower = log.follow('d', { blockMs: 60_000 });
    await follower.ready;
    await blockedClients(server, 1);
    const pending = follower.next();
    redis.destroy(new Error('going away'));
    await assert.rejects(withTimeout(pending, 10_000, 'the failed read'), ClosedError);
    assert.equal(follower.closed, true);
  });

  it('a slow consumer holds the backlog in Redis: at most batchSize entries are buffered', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'slow', schema: message });
    for (let n = 0; n < 20; n++) await log.append('s', { from: 'a', text: 't', n });
    const follower = log.follow('s', { after: '0-0', batchSize: 3 });
    assert.equal((await take(follower, 1))[0]?.value.n, 0);
    await waitFor(() => follower.buffered === 3, { what: 'the buffer to fill' });
    // A follow that ignored the limit would have read more by now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(follower.buffered, 3);
    assert.deepEqual(
      (await take(follower, 19)).map((e) => e.value.n),
      Array.from({ length: 19 }, (_, i) => i + 1),
      'everything still arrives, in order',
    );
    await follower.close();
  });

  it('a stored entry the schema refuses ends a follow after the entries before it', async () => {
    await using redis = kitFor(server);
    const log = redis.log({ namespace: 'fbad', schema: message });
    const follower = log.follow('x', { after: '0-0' });
    await log.append('x', { from: 'a', text: 'good' });
    await server.command('XADD', 'fbad:x', '*', 'v', '{"text":1}');
    assert.equal((await take(follower, 1))[0]?.value.text, 'good');
    await assert.rejects(withTimeout(follower.next(), 10_000, 'the failure'), ValidationError);
    assert.deepEqual(await follower.next(), { done: true, value: undefined });
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to come back' });
  });

  it('while Redis is down, append and reads fail with RedisUnavailableError', async () => {
    const down = await startRedis();
    const redis = kitFor(down, { breakerFailureThreshold: 1 });
    try {
      const log = redis.log({ namespace: 'down', schema: message });
      await log.append('d', { from: 'a', text: 'x' });
      await down.kill();
      // Down, as the client knows it: its breaker is open (an append racing the kill may have been
      // written and stays a ConnectionLostError, "may have run"; records test that window).
      await waitFor(() => redis.isUnavailable, { what: 'the breaker to open' });
      const errors = [
        await log.append('d', { from: 'a', text: 'y' }).catch((e: unknown) => e),
        await log.range('d', { limit: 1 }).catch((e: unknown) => e),
        await log.latest('d', 1).catch((e: unknown) => e),
      ];
      for (const error of errors) assert.ok(error instanceof RedisUnavailableError, `got ${String(error)}`);
    } finally {
      redis.destroy();
      await down.stop();
    }
  });
});

describe('a follow across a server restart', () => {
  let server: RedisServer;
  before(async () => {
    // AOF, so the log is still there after the restart: a resume from the wrong id would repeat or skip entries.
    server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  });
  after(async () => {
    await server.stop();
  });

  it('resumes after the last entry it delivered: nothing missed, nothing repeated', async () => {
    await using reader = kitFor(server);
    await using writer = kitFor(server);
    const log = reader.log({ namespace: 'rs', schema: message });
    const writeLog = writer.log({ namespace: 'rs', schema: message });
    const follower = log.follow('r', { blockMs: 1000 });
    await follower.ready;
    const appended: string[] = [];
    for (let n = 0; n < 3; n++) appended.push(await writeLog.append('r', { from: 'w', text: 't', n }));
    const got = await take(follower, 3);
    const leasesBefore = reader.stats().pool.acquired;

    await server.restart();
    // Appends as soon as the writer gets through again; the follow is reconnecting meanwhile.
    for (let n = 3; n < 6; n++) {
      let id: string | undefined;
      await waitFor(
        async () => {
          id = await writeLog.append('r', { from: 'w', text: 't', n });
          return true;
        },
        { what: 'an append after the restart', timeoutMs: 20_000, intervalMs: 50 },
      );
      if (id !== undefined) appended.push(id);
    }
    got.push(...(await take(follower, 3)));
    assert.deepEqual(
      got.map((e) => e.id),
      appended,
      'every entry once, in order',
    );
    assert.deepEqual(
      got.map((e) => e.value.n),
      [0, 1, 2, 3, 4, 5],
    );
    assert.ok(reader.stats().pool.acquired > leasesBefore, 'the follow lost its connection and leased another');
    assert.equal(follower.lastError, undefined, 'reading again');
    await follower.return();
    assert.equal(reader.stats().pool.active, 0);
  });

  it('waits out an outage long enough to open the breaker, retrying the lease, then resumes', async () => {
    // The reader only ever leases: its breaker, opened by failed leases, must still close (the lanes' probes).
    await using reader = kitFor(server, { breakerFailureThreshold: 2 });
    await using writer = kitFor(server);
    const log = reader.log({ namespace: 'outage', schema: message });
    const writeLog = writer.log({ namespace: 'outage', schema: message });
    const first = await writeLog.append('o', { from: 'w', text: 't', n: 0 });
    const follower = log.follow('o', { after: '0-0', blockMs: 1000 });
    assert.equal((await take(follower, 1))[0]?.id, first);

    await server.kill();
    await waitFor(() => reader.isUnavailable, { what: "the reader's breaker to open", timeoutMs: 20_000 });
    await waitFor(() => follower.lastError !== undefined, { what: 'the follow to report why it waits', timeoutMs: 20_000 });
    assert.equal(follower.closed, false, 'an outage does not end the follow');
    await server.restart();

    let second: string | undefined;
    await waitFor(
      async () => {
        second = await writeLog.append('o', { from: 'w', text: 't', n: 1 });
        return true;
      },
      { what: 'an append after the restart', timeoutMs: 20_000, intervalMs: 50 },
    );
    const [next] = await take(follower, 1);
    assert.equal(next?.id, second, 'the entry after the outage, and not the one before again');
    assert.equal(next?.value.n, 1);
    await follower.return();
  });
});

describe('message logs with memory://', () => {
  it('the same API in-process: append, range, latest, trimming, validation, follow', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const log = redis.log({ namespace: 'mem', schema: message, maxLen: 3 });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await log.append('m', { from: 'a', text: 't', n }));
    assert.deepEqual([...ids].sort(compareIds), ids);
    assert.deepEqual(
      (await log.range('m', { limit: 10 })).map((e) => e.value.n),
      [2, 3, 4],
      'trimmed to maxLen',
    );
    assert.deepEqual(
      (await log.range('m', { after: ids[2], limit: 10 })).map((e) => e.value.n),
      [3, 4],
    );
    assert.deepEqual(
      (await log.latest('m', 2)).map((e) => e.value.n),
      [3, 4],
    );
    await assert.rejects(log.append('m', { from: 'a', text: '' }), ValidationError);

    const sameClient = redis.log({ namespace: 'mem', schema: message });
    assert.equal((await sameClient.latest('m', 1))[0]?.id, ids[4], 'logs on one client share their data');

    const follower = log.follow('m');
    await follower.ready;
    const id = await sameClient.append('m', { from: 'b', text: 'live', n: 9 });
    assert.deepEqual(
      (await take(follower, 1)).map((e) => [e.id, e.value.n]),
      [[id, 9]],
    );
    const pending = follower.next();
    await log.close();
    assert.deepEqual(await pending, { done: true, value: undefined }, 'closing the log ends the follow');
  });

  it('ttlMs expires an in-process log', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const log = redis.log({ namespace: 'mem', schema: message, ttlMs: 30 });
    await log.append('t', { from: 'a', text: 'x' });
    assert.equal((await log.latest('t', 1)).length, 1);
    await waitFor(async () => (await log.latest('t', 1)).length === 0, { what: 'the in-process log to expire' });
  });
});

function compareIds(a: string, b: string): number {
  const [ma = 0, sa = 0] = a.split('-').map(Number);
  const [mb = 0, sb = 0] = b.split('-').map(Number);
  return ma - mb || sa - sb;
}
