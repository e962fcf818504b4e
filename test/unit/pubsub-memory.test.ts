import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClosedError, ConfigError, createRedis, InvalidArgumentError, QueueFullError, type RedisKit } from '../../src/index.js';
import { createPubSub, PubSubHandlerError, type PubSubMessage } from '../../src/pubsub/index.js';

function memoryClient(): RedisKit {
  return createRedis({ env: {}, url: 'memory://' });
}

describe('pub/sub in memory mode (memory://): an in-process bus with the same API', () => {
  it('publish delivers to subscribers in this process, counted like Redis counts receivers', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    const seen: PubSubMessage[] = [];
    await pubsub.subscribe('news', (m) => {
      seen.push(m);
    });
    await pubsub.subscribe({ patterns: ['n*', 'x*'] }, (m) => {
      seen.push(m);
    });
    assert.equal(await pubsub.publish('news', 'hello'), 2, 'the channel and one matching pattern');
    // Delivery happens before `await publish()` returns: no waiting needed in memory mode.
    assert.deepEqual(
      seen.map((m) => [m.channel, m.pattern, m.message]),
      [
        ['news', undefined, 'hello'],
        ['news', 'n*', 'hello'],
      ],
    );
    assert.equal(await pubsub.publish('other', 'x'), 0);
    assert.equal(pubsub.stats().mode, 'memory');
    assert.equal(pubsub.stats().connected, true);
  });

  it('two PubSubs (two clients) in one process hear each other, like clients of one server', async () => {
    await using a = memoryClient();
    await using b = memoryClient();
    await using publisher = createPubSub(a);
    await using subscriber = createPubSub(b);
    const seen: string[] = [];
    await subscriber.subscribe('cross', (m) => {
      seen.push(m.message);
    });
    assert.equal(await publisher.publish('cross', 'over the bus'), 1);
    assert.deepEqual(seen, ['over the bus']);
  });

  it('unsubscribe stops delivery; binary payloads are copied, so the publisher may reuse its buffer', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    const seen: Buffer[] = [];
    const subscription = await pubsub.subscribe('bin', (m) => {
      seen.push(m.buffer);
    });
    const payload = Buffer.from([1, 2, 3]);
    const published = pubsub.publish('bin', payload);
    payload.fill(0);
    assert.equal(await published, 1);
    assert.deepEqual(seen, [Buffer.from([1, 2, 3])]);
    await subscription.unsubscribe();
    assert.equal(await pubsub.publish('bin', 'x'), 0);
    assert.equal(seen.length, 1);
  });

  it('a handler never runs inside publish(): one that publishes does not recurse', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    const order: string[] = [];
    await pubsub.subscribe('ping', async (m) => {
      order.push(`handled ${m.message}`);
      if (m.message === '1') await pubsub.publish('ping', '2');
    });
    const published = pubsub.publish('ping', '1');
    order.push('publish returned');
    await published;
    await pubsub.publish('ping', '3');
    assert.deepEqual(order, ['publish returned', 'handled 1', 'handled 2', 'handled 3']);
  });

  it('handler failures go to "error" with the cause, or are only counted with no listener', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    const cause = new Error('boom');
    await pubsub.subscribe('bad', () => {
      throw cause;
    });
    await pubsub.publish('bad', 'unheard');
    assert.equal(pubsub.stats().handlerErrors, 1);
    const errors: unknown[] = [];
    pubsub.on('error', (error) => errors.push(error));
    await pubsub.publish('bad', 'heard');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof PubSubHandlerError);
    assert.equal(errors[0].cause, cause);
    assert.equal(errors[0].channel, 'bad');
    assert.match(errors[0].message, /boom/);
  });

  it('a handler returning something that is not a promise (plain JavaScript) is not a failure', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    // biome-ignore lint/suspicious/noThenProperty: the point is an object whose `then` is not callable.
    const values: unknown[] = [null, 42, 'text', { then: 'not a function' }];
    for (const value of values) await pubsub.subscribe('loose', () => value as undefined);
    assert.equal(await pubsub.publish('loose', 'x'), 1);
    assert.equal(pubsub.stats().received, 1);
    assert.equal(pubsub.stats().handlerErrors, 0);
  });

  it('messages(): iterates, ends on break, on close and on the client closing', async () => {
    const redis = memoryClient();
    const pubsub = createPubSub(redis);
    const first = pubsub.messages({ patterns: ['job:*'] });
    await first.ready;
    for (const n of ['1', '2', '3']) await pubsub.publish(`job:${n}`, n);
    const seen: string[] = [];
    for await (const message of first) {
      seen.push(message.channel);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, ['job:1', 'job:2']);
    assert.equal(await pubsub.publish('job:4', '4'), 0, 'break unsubscribed');

    const second = pubsub.messages('tail');
    const waiting = second.next();
    await redis.close(); // closes the PubSub with it
    assert.deepEqual(await waiting, { done: true, value: undefined });
    await assert.rejects(pubsub.publish('tail', 'x'), ClosedError);
  });

  it('messages(): overflow drops the oldest by default, or errors', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis, { maxBuffered: 2 });
    const dropping = pubsub.messages('burst');
    const strict = pubsub.messages('burst', { overflow: 'error', maxBuffered: 1 });
    for (const n of ['a', 'b', 'c']) await pubsub.publish('burst', n);
    assert.equal(dropping.dropped, 1);
    assert.equal(dropping.buffered, 2);
    assert.equal(((await dropping.next()).value as PubSubMessage).message, 'b');
    assert.equal(((await strict.next()).value as PubSubMessage).message, 'a');
    await assert.rejects(strict.next(), QueueFullError);
    assert.deepEqual(await strict.next(), { done: true, value: undefined });
  });

  it('rejects bad arguments with typed errors', async () => {
    await using redis = memoryClient();
    await using pubsub = createPubSub(redis);
    await assert.rejects(
      pubsub.subscribe([], () => undefined),
      InvalidArgumentError,
    );
    await assert.rejects(pubsub.subscribe('x', 'not a function' as unknown as () => void), InvalidArgumentError);
    await assert.rejects(pubsub.publish('x', 42 as unknown as string), InvalidArgumentError);
    assert.throws(() => pubsub.messages('x', { maxBuffered: -1 }), ConfigError, 'options fail as the configuration does');
    assert.throws(() => createPubSub(redis, { nope: true } as object), /pubsub\.nope=true: expected a known option/);
  });
});
