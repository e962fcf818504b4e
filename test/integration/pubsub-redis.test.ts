import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClosedError,
  CommandTimeoutError,
  ConnectError,
  NoPermissionError,
  QueueFullError,
  RedisKitError,
  RedisUnavailableError,
} from '../../src/index.js';
import { createPubSub, PubSubHandlerError, type PubSubMessage, type ResubscribedEvent } from '../../src/pubsub/index.js';
import { once, type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** Collects messages; `until(n)` resolves once n have arrived (no sleeping, no polling), or rejects after 5 s. */
function collector(): { handler: (message: PubSubMessage) => void; messages: PubSubMessage[]; until(count: number): Promise<void> } {
  const messages: PubSubMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    messages,
    handler: (message) => {
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (messages.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    until: (count) =>
      messages.length >= count
        ? Promise.resolve()
        : withTimeout(new Promise<void>((resolve) => waiters.push({ count, resolve })), 5000, `${count} messages`),
  };
}

/** The CLIENT LIST lines of subscriber connections. */
async function subscriberConnections(server: RedisServer): Promise<string[]> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => /\bname=\S*:subscriber\b/.test(line));
}

function field(line: string, name: string): string | undefined {
  return new RegExp(`\\b${name}=(\\S*)`).exec(line)?.[1];
}

describe('pub/sub over a real server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('subscribe, publish, unsubscribe: delivery is confirmed by the receiver count', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const inbox = collector();
    const subscription = await pubsub.subscribe('news', inbox.handler);
    assert.deepEqual(subscription.channels, ['news']);
    assert.equal(subscription.active, true);

    assert.equal(await pubsub.publish('news', 'first'), 1, 'one subscriber connection received it');
    assert.equal(await pubsub.publish('news', Buffer.from([0, 1, 2, 255])), 1);
    await inbox.until(2);
    const [first, binary] = inbox.messages;
    assert.equal(first?.channel, 'news');
    assert.equal(first?.pattern, undefined);
    assert.equal(first?.message, 'first');
    assert.deepEqual(binary?.buffer, Buffer.from([0, 1, 2, 255]), 'binary payloads arrive byte for byte');

    await subscription.unsubscribe();
    assert.equal(subscription.active, false);
    assert.equal(await pubsub.publish('news', 'after'), 0, 'Redis no longer sends it anywhere');
    assert.equal(inbox.messages.length, 2);
    assert.equal(pubsub.stats().subscriptions, 0);
    await subscription.unsubscribe(); // idempotent
  });

  it('patterns: only through { patterns }, with the matched pattern on the message; strings stay literal', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const byPattern = collector();
    const literal = collector();
    await pubsub.subscribe({ patterns: ['progress:*', 'job:?'] }, byPattern.handler);
    await pubsub.subscribe('progress:*', literal.handler);

    assert.equal(await pubsub.publish('progress:42', '50%'), 1);
    assert.equal(await pubsub.publish('job:7', 'done'), 1);
    assert.equal(await pubsub.publish('job:77', 'not matched'), 0);
    assert.equal(await pubsub.publish('progress:*', 'to the literal channel'), 2, 'the literal channel and the pattern');
    await byPattern.until(3);
    await literal.until(1);
    assert.deepEqual(
      byPattern.messages.map((m) => [m.pattern, m.channel, m.message]),
      [
        ['progress:*', 'progress:42', '50%'],
        ['job:?', 'job:7', 'done'],
        ['progress:*', 'progress:*', 'to the literal channel'],
      ],
    );
    assert.deepEqual(
      literal.messages.map((m) => [m.pattern, m.channel]),
      [[undefined, 'progress:*']],
    );
  });

  it('every subscription shares one subscriber connection, named …:subscriber', async () => {
    await using redis = kitFor(server, { connectionName: 'pubsub-shared' });
    await using pubsub = createPubSub(redis);
    const a = collector();
    const b = collector();
    const c = collector();
    await Promise.all([
      pubsub.subscribe('shared:a', a.handler),
      pubsub.subscribe(['shared:a', 'shared:b'], b.handler),
      pubsub.subscribe({ channels: ['shared:c'], patterns: ['shared:*'] }, c.handler),
    ]);
    await using iterator = pubsub.messages('shared:d');
    await iterator.ready;

    const lines = (await subscriberConnections(server)).filter((line) => line.includes('name=pubsub-shared:'));
    assert.equal(lines.length, 1, lines.join('\n'));
    const [line = ''] = lines;
    assert.equal(field(line, 'name'), 'pubsub-shared:subscriber');
    assert.equal(field(line, 'sub'), '4', 'shared:a, shared:b, shared:c, shared:d');
    assert.equal(field(line, 'psub'), '1');

    assert.equal(await pubsub.publish('shared:a', 'x'), 2, 'the channel and the pattern, one connection');
    await Promise.all([a.until(1), b.until(1), c.until(1)]);
    assert.deepEqual(pubsub.stats(), {
      mode: 'redis',
      connected: true,
      subscriptions: 4,
      channels: 4,
      patterns: 1,
      received: 2,
      handlerErrors: 0,
      errors: 0,
      dropped: 0,
      resubscribes: 0,
    });
  });

  it('unsubscribing one of two subscriptions keeps the channel for the other', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const stays = collector();
    const leaves = collector();
    await pubsub.subscribe('refcount', stays.handler);
    const leaving = await pubsub.subscribe('refcount', leaves.handler);
    await leaving.unsubscribe();
    assert.equal(await pubsub.publish('refcount', 'still here'), 1);
    await stays.until(1);
    assert.equal(leaves.messages.length, 0, 'the unsubscribed handler is not called');
    assert.equal(await server.command('PUBSUB', 'NUMSUB', 'refcount'), 'refcount\n1');
  });

  it('await using: the subscription ends with the block', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    {
      await using _subscription = await pubsub.subscribe('scoped', () => undefined);
      assert.equal(await server.command('PUBSUB', 'NUMSUB', 'scoped'), 'scoped\n1');
    }
    assert.equal(await server.command('PUBSUB', 'NUMSUB', 'scoped'), 'scoped\n0');
  });

  it('channels are not keys: the client keyPrefix is not applied to them', async () => {
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    await using pubsub = createPubSub(redis);
    const inbox = collector();
    await pubsub.subscribe('events', inbox.handler);
    assert.equal(await server.command('PUBSUB', 'NUMSUB', 'events', 'app:events'), 'events\n1\napp:events\n0');
    assert.equal(await server.command('PUBLISH', 'events', 'from outside'), '1', 'a publisher without the prefix reaches it');
    assert.equal(await pubsub.publish('events', 'from redis-kit'), 1);
    await inbox.until(2);
    assert.deepEqual(
      inbox.messages.map((m) => m.channel),
      ['events', 'events'],
    );
  });

  it('a handler that throws or rejects is reported through "error"; the others and the connection carry on', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const errors: unknown[] = [];
    const twoErrors = new Promise<void>((resolve) => {
      pubsub.on('error', (error) => {
        errors.push(error);
        if (errors.length === 2) resolve();
      });
    });
    const healthy = collector();
    await pubsub.subscribe('fragile', () => {
      throw new Error('sync boom');
    });
    await pubsub.subscribe('fragile', async () => {
      throw new Error('async boom');
    });
    await pubsub.subscribe('fragile', healthy.handler);

    assert.equal(await pubsub.publish('fragile', 'one'), 1);
    await Promise.all([twoErrors, healthy.until(1)]);
    for (const error of errors) {
      assert.ok(error instanceof PubSubHandlerError);
      assert.equal(error.code, 'ERR_REDIS_PUBSUB_HANDLER');
      assert.equal(error.channel, 'fragile');
      assert.ok(error.cause instanceof Error);
    }
    assert.deepEqual(errors.map((e) => ((e as Error).cause as Error).message).sort(), ['async boom', 'sync boom']);

    assert.equal(await pubsub.publish('fragile', 'two'), 1);
    await healthy.until(2);
    assert.equal(pubsub.stats().handlerErrors, 4, 'two handlers failed on each of two messages');
  });

  it('with no "error" listener a failing handler is only counted: no crash, nothing logged', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const healthy = collector();
    await pubsub.subscribe('unheard', () => {
      throw new Error('nobody listens');
    });
    await pubsub.subscribe('unheard', healthy.handler);
    await pubsub.publish('unheard', 'a');
    await pubsub.publish('unheard', 'b');
    await healthy.until(2);
    assert.equal(pubsub.stats().handlerErrors, 2);
    assert.equal(pubsub.listenerCount('error'), 0);
  });

  it('messages(): for await until break, which unsubscribes', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const iterator = pubsub.messages('progress:42');
    await iterator.ready;
    for (const step of ['10%', '50%', '100%', 'after the end']) assert.equal(await pubsub.publish('progress:42', step), 1);
    const seen: string[] = [];
    for await (const message of iterator) {
      seen.push(message.message);
      if (message.message === '100%') break;
    }
    assert.deepEqual(seen, ['10%', '50%', '100%']);
    assert.equal(await pubsub.publish('progress:42', 'nobody'), 0, 'break unsubscribed');
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    assert.equal(pubsub.stats().subscriptions, 0);
  });

  it('messages(): a waiting for-await ends cleanly when the PubSub closes, and when the client closes', async () => {
    for (const closer of ['pubsub', 'client'] as const) {
      const redis = kitFor(server);
      const pubsub = createPubSub(redis);
      const iterator = pubsub.messages({ patterns: ['closing:*'] });
      await iterator.ready;
      await pubsub.publish('closing:1', 'buffered before close');
      const consumed = (async () => {
        const seen: string[] = [];
        for await (const message of iterator) seen.push(message.message);
        return seen;
      })();
      await waitFor(() => iterator.buffered === 0 && pubsub.stats().received === 1, { what: 'the message consumed' });
      if (closer === 'pubsub') await pubsub.close();
      await redis.close();
      assert.deepEqual(await consumed, ['buffered before close'], `${closer}: iteration ended without an error`);
      await waitFor(async () => (await subscriberConnections(server)).length === 0, {
        what: `${closer}: the subscriber connection closed`,
      });
      await assert.rejects(
        pubsub.subscribe('x', () => undefined),
        ClosedError,
      );
      await assert.rejects(pubsub.publish('x', 'y'), ClosedError);
      await assert.rejects(pubsub.messages('x').next(), ClosedError);
    }
  });

  it('messages(): return(), dispose and an abort signal end the iteration', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    const returned = pubsub.messages('ending');
    await returned.ready;
    assert.deepEqual(await returned.return(), { done: true, value: undefined });

    {
      await using disposed = pubsub.messages('ending');
      await disposed.ready;
      assert.equal(await pubsub.publish('ending', 'x'), 1);
    }
    assert.equal(await pubsub.publish('ending', 'y'), 0, 'disposal unsubscribed');

    const controller = new AbortController();
    const aborted = pubsub.messages('ending', { signal: controller.signal });
    await aborted.ready;
    const pending = aborted.next();
    controller.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });
    await waitFor(async () => (await pubsub.publish('ending', 'z')) === 0, { what: 'the aborted iterator to unsubscribe' });
  });

  it('messages(): bounded buffer drops the oldest and counts, or fails with QueueFullError', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis, { maxBuffered: 3 });
    const dropping = pubsub.messages('flood');
    const failing = pubsub.messages('flood', { overflow: 'error', maxBuffered: 2 });
    await Promise.all([dropping.ready, failing.ready]);
    for (let i = 1; i <= 5; i++) await pubsub.publish('flood', String(i));
    // The last publish's reply comes after its delivery on the other connection is queued, not
    // necessarily after it was read: wait for the receive count, an observable state.
    await waitFor(() => pubsub.stats().received === 5, { what: 'all five messages received' });

    assert.equal(dropping.dropped, 2);
    assert.equal(pubsub.stats().dropped, 2);
    const kept: string[] = [];
    for (let i = 0; i < 3; i++) kept.push(((await dropping.next()).value as PubSubMessage).message);
    assert.deepEqual(kept, ['3', '4', '5'], 'the newest are kept');

    assert.equal(((await failing.next()).value as PubSubMessage).message, '1');
    assert.equal(((await failing.next()).value as PubSubMessage).message, '2');
    await assert.rejects(failing.next(), (error: unknown) => error instanceof QueueFullError && error.limit === 2);
    assert.deepEqual(await failing.next(), { done: true, value: undefined });
  });

  it('subscribe() fails fast while the breaker is open, times out with the connection error when Redis is gone, and keeps nothing', async () => {
    const doomed = await startRedis();
    const redis = kitFor(doomed, { breakerFailureThreshold: 1 });
    const pubsub = createPubSub(redis, { subscribeTimeoutMs: 300 });
    try {
      await pubsub.subscribe('alive', () => undefined);
      await doomed.stop();

      const started = performance.now();
      const timedOut = await settle(pubsub.subscribe('while-down', () => undefined));
      const elapsed = performance.now() - started;
      assert.ok(!timedOut.ok);
      assert.ok(timedOut.error instanceof ConnectError || timedOut.error instanceof CommandTimeoutError, String(timedOut.error));
      assert.ok(elapsed >= 290, `waited for subscribeTimeoutMs (${elapsed.toFixed(0)} ms)`);

      const unavailable = once(redis, 'unavailable');
      await settle(redis.get('k'));
      await unavailable;
      const fast = performance.now();
      await assert.rejects(
        pubsub.subscribe('breaker-open', () => undefined),
        RedisUnavailableError,
      );
      // At once: far below the 300 ms subscribeTimeoutMs it would otherwise wait (a safety net).
      assert.ok(performance.now() - fast < 250, 'at once');
      assert.equal(pubsub.stats().subscriptions, 1, 'failed subscriptions were not kept');
      assert.equal(pubsub.stats().channels, 1);
    } finally {
      await redis.close({ deadlineMs: 1000 });
      await doomed.stop();
    }
  });

  it('ACL: a refused channel rejects subscribe() with NoPermissionError; one refused on resubscription goes to "error"', async () => {
    await server.command('ACL', 'SETUSER', 'limited', 'on', '>secret', '~*', 'resetchannels', '&allowed:*', '&other:*', '+@all');
    try {
      await using redis = kitFor(server, { username: 'limited', password: 'secret', connectionName: 'limited' });
      await using pubsub = createPubSub(redis);
      const errors: Error[] = [];
      pubsub.on('error', (error) => errors.push(error));
      // The first subscribe also opens the connection: refused as part of the first round.
      await assert.rejects(
        pubsub.subscribe(['allowed:1', 'forbidden'], () => undefined),
        NoPermissionError,
      );
      assert.equal(pubsub.stats().subscriptions, 0, 'nothing kept');
      await assert.rejects(
        pubsub.subscribe({ patterns: ['forbidden:*'] }, () => undefined),
        NoPermissionError,
        'and when connected',
      );
      assert.equal(errors.length, 0, 'the callers were told; nothing else to report');
      const survivor = collector();
      await pubsub.subscribe('allowed:1', () => undefined);
      await pubsub.subscribe('other:1', survivor.handler);

      // Not the helpers' once(): it rejects on the 'error' event this test expects first.
      const resubscribed = withTimeout(
        new Promise<ResubscribedEvent>((resolve) => pubsub.once('resubscribed', resolve)),
        10_000,
        'resubscribed',
      );
      // Redis drops subscribers of channels no longer allowed; only other:1 can be restored.
      await server.command('ACL', 'SETUSER', 'limited', 'resetchannels', '&other:*');
      const event = await resubscribed;
      assert.deepEqual(event.channels, ['other:1']);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof NoPermissionError, String(errors[0]));
      assert.equal(pubsub.stats().errors, 1);
      assert.equal(await server.command('PUBLISH', 'other:1', 'still here'), '1');
      await survivor.until(1);
    } finally {
      await server.command('ACL', 'DELUSER', 'limited');
    }
  });

  it('publish() fails like any command when Redis is down: there is no fallback across processes', async () => {
    const doomed = await startRedis();
    await using redis = kitFor(doomed, { breakerFailureThreshold: 1 });
    await using pubsub = createPubSub(redis);
    assert.equal(await pubsub.publish('void', 'x'), 0);
    await doomed.stop();
    const failed = await settle(pubsub.publish('void', 'x'));
    assert.ok(!failed.ok && failed.error instanceof RedisKitError, `a typed error: ${!failed.ok && failed.error}`);
    await assert.rejects(pubsub.publish('void', 'y'), RedisUnavailableError);
  });
});
