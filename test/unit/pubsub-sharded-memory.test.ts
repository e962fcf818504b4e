import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClosedError, createRedis, InvalidArgumentError, type RedisKit } from '../../src/index.js';
import { createPubSub, type PubSubMessage } from '../../src/pubsub/index.js';

function memoryClient(): RedisKit {
  return createRedis({ env: {}, url: 'memory://' });
}

describe('sharded pub/sub in memory mode (memory://)', () => {
  it('spublish reaches ssubscribers in this process; sharded and classic channels of one name are apart', async () => {
    await using a = memoryClient();
    await using b = memoryClient();
    await using publisher = createPubSub(a);
    await using subscriber = createPubSub(b);
    const sharded: PubSubMessage[] = [];
    const classic: string[] = [];
    const subscription = await subscriber.ssubscribe(['{o}:eu', '{o}:us'], (m) => void sharded.push(m));
    await subscriber.subscribe('{o}:eu', (m) => void classic.push(m.message));
    assert.deepEqual(subscription.channels, ['{o}:eu', '{o}:us']);
    assert.equal(await publisher.spublish('{o}:eu', 'one'), 1);
    assert.equal(await publisher.spublish('{o}:us', Buffer.from('two')), 1);
    assert.equal(await publisher.spublish('{o}:asia', 'none'), 0);
    assert.deepEqual(
      sharded.map((m) => [m.channel, m.pattern, m.message]),
      [
        ['{o}:eu', undefined, 'one'],
        ['{o}:us', undefined, 'two'],
      ],
    );
    assert.deepEqual(classic, [], 'SPUBLISH does not reach a SUBSCRIBE of the same name');
    assert.equal(await publisher.publish('{o}:eu', 'classic'), 1);
    assert.deepEqual(classic, ['classic']);
    assert.equal(sharded.length, 2, 'PUBLISH does not reach an SSUBSCRIBE');
    assert.equal(subscriber.stats().subscriptions, 2);

    await subscription.unsubscribe();
    assert.equal(await publisher.spublish('{o}:eu', 'after'), 0);
    assert.equal(subscriber.stats().subscriptions, 1);
  });

  it('bad arguments are refused; a closed PubSub refuses both', async () => {
    await using redis = memoryClient();
    const pubsub = createPubSub(redis);
    await assert.rejects(
      pubsub.ssubscribe([], () => undefined),
      InvalidArgumentError,
    );
    await assert.rejects(
      pubsub.ssubscribe({ patterns: ['x*'] } as unknown as string, () => undefined),
      InvalidArgumentError,
    );
    await assert.rejects(pubsub.ssubscribe('x', 'nope' as unknown as () => void), InvalidArgumentError);
    await assert.rejects(pubsub.spublish(1 as unknown as string, 'x'), InvalidArgumentError);
    const seen: string[] = [];
    await pubsub.ssubscribe('x', (m) => void seen.push(m.message));
    await pubsub.close();
    await assert.rejects(
      pubsub.ssubscribe('x', () => undefined),
      ClosedError,
    );
    await assert.rejects(pubsub.spublish('x', 'y'), ClosedError);
    await using other = createPubSub(redis);
    assert.equal(await other.spublish('x', 'after close'), 0, 'the closed handle’s sharded subscriptions are gone');
    assert.deepEqual(seen, []);
  });
});
