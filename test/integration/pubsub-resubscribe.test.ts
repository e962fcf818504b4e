import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RedisKitError } from '../../src/index.js';
import { createPubSub, type PubSubMessage, type ResubscribedEvent } from '../../src/pubsub/index.js';
import { once, type RedisServer, startRedis, withTimeout } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/** `next()` resolves with the next message the handler sees (rejects after 5 s). */
function inbox(): { handler: (message: PubSubMessage) => void; next(): Promise<PubSubMessage> } {
  const queued: PubSubMessage[] = [];
  const waiting: ((message: PubSubMessage) => void)[] = [];
  return {
    handler: (message) => {
      const waiter = waiting.shift();
      if (waiter === undefined) queued.push(message);
      else waiter(message);
    },
    next: () => {
      const message = queued.shift();
      if (message !== undefined) return Promise.resolve(message);
      return withTimeout(new Promise<PubSubMessage>((resolve) => waiting.push(resolve)), 5000, 'the next message');
    },
  };
}

/**
 * A TCP proxy that drops a connection the moment it carries a SUBSCRIBE while `armed`: a
 * connection lost in the middle of the resubscription, which a real server cannot be made to
 * do on cue.
 */
async function subscribeDropper(target: RedisServer): Promise<{ url: string; arm(): void; drops: number } & AsyncDisposable> {
  let armed = false;
  let drops = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      // A destroyed peer's ECONNRESET is the fault under test, not a failure of the proxy.
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      // The command name as RESP puts it: the connection name (…:subscriber) must not match.
      if (armed && /\$9\r\nsubscribe\r\n/i.test(chunk.toString('latin1'))) {
        armed = false;
        drops++;
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    arm: () => {
      armed = true;
    },
    get drops() {
      return drops;
    },
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function subscriberLines(server: RedisServer, name: string): Promise<string[]> {
  const list = await server.command('CLIENT', 'LIST');
  return list.split('\n').filter((line) => line.includes(`name=${name}:subscriber `));
}

describe('pub/sub: subscriptions survive the connection', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('CLIENT KILL TYPE pubsub: "disconnected", then every subscription restored with "resubscribed"', async () => {
    await using redis = kitFor(server, { connectionName: 'killed' });
    await using pubsub = createPubSub(redis);
    const channel = inbox();
    const pattern = inbox();
    await pubsub.subscribe(['orders', 'payments'], channel.handler);
    await pubsub.subscribe({ patterns: ['audit:*'] }, pattern.handler);
    await using iterator = pubsub.messages('progress:7');
    await iterator.ready;
    const before = (await subscriberLines(server, 'killed'))[0];

    const disconnected = once<[RedisKitError]>(pubsub, 'disconnected');
    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed');
    assert.equal(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub'), '1');
    const [lost] = await disconnected;
    assert.ok(lost instanceof RedisKitError, 'a typed error says why');
    const [event] = await resubscribed;
    assert.deepEqual([...event.channels].sort(), ['orders', 'payments', 'progress:7']);
    assert.deepEqual(event.patterns, ['audit:*']);
    assert.ok(event.downtimeMs >= 0);

    assert.equal(await pubsub.publish('orders', 'o1'), 1);
    assert.equal(await pubsub.publish('audit:login', 'a1'), 1);
    assert.equal(await pubsub.publish('progress:7', 'p1'), 1);
    assert.equal((await channel.next()).message, 'o1');
    assert.equal((await pattern.next()).message, 'a1');
    assert.equal(((await iterator.next()).value as PubSubMessage).message, 'p1', 'an iterator keeps going across the reconnect');

    const lines = await subscriberLines(server, 'killed');
    assert.equal(lines.length, 1, 'still exactly one subscriber connection');
    assert.notEqual(lines[0], before, 'a new one');
    assert.match(lines[0] ?? '', / sub=3 psub=1 /, 'subscribed to everything again');
    assert.equal(pubsub.stats().resubscribes, 1);
  });

  it('server restart (same port, empty dataset): resubscribed, and messages flow again', async () => {
    await using redis = kitFor(server, { connectionName: 'restarted' });
    await using pubsub = createPubSub(redis);
    const channel = inbox();
    await pubsub.subscribe('deploys', channel.handler);
    assert.equal(await pubsub.publish('deploys', 'before'), 1);
    assert.equal((await channel.next()).message, 'before');

    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 15_000);
    const lanesBack = once(redis, 'ready', 15_000);
    await server.restart();
    const [[event]] = await Promise.all([resubscribed, lanesBack]);
    assert.deepEqual(event.channels, ['deploys']);
    assert.ok(event.downtimeMs > 0, `downtime reported (${event.downtimeMs} ms)`);

    assert.equal(await pubsub.publish('deploys', 'after'), 1);
    assert.equal((await channel.next()).message, 'after');
    assert.equal((await subscriberLines(server, 'restarted')).length, 1);
  });

  it('subscribe() while the server is down resolves once it is back; unsubscribe() meanwhile is honoured', async () => {
    // A high breaker threshold: this test is about waiting, not failing fast.
    await using redis = kitFor(server, { connectionName: 'waiting', breakerFailureThreshold: 1000 });
    await using pubsub = createPubSub(redis, { subscribeTimeoutMs: 20_000 });
    const kept = inbox();
    const dropped = await pubsub.subscribe('dropped-while-down', () => undefined);
    await pubsub.subscribe('kept', kept.handler);

    const disconnected = once(pubsub, 'disconnected');
    await server.kill();
    await disconnected;
    const late = inbox();
    const lateSubscription = pubsub.subscribe('late', late.handler);
    await dropped.unsubscribe();
    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 15_000);
    await server.restart();

    const subscription = await lateSubscription;
    assert.deepEqual(subscription.channels, ['late']);
    const [event] = await resubscribed;
    assert.deepEqual([...event.channels].sort(), ['kept', 'late']);
    assert.equal(await server.command('PUBSUB', 'NUMSUB', 'dropped-while-down', 'kept', 'late'), 'dropped-while-down\n0\nkept\n1\nlate\n1');
    assert.equal(await server.command('PUBLISH', 'late', 'l1'), '1');
    assert.equal((await late.next()).message, 'l1');
  });

  it('the connection lost again during the resubscription: no unhandled rejection, the next round restores', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await using proxy = await subscribeDropper(server);
      await using redis = kitFor(proxy, { connectionName: 'dropped-twice' });
      await using pubsub = createPubSub(redis);
      const channel = inbox();
      await pubsub.subscribe(['first', 'second'], channel.handler);

      const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 10_000);
      let disconnects = 0;
      pubsub.on('disconnected', () => disconnects++);
      proxy.arm();
      await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const [event] = await resubscribed;
      assert.equal(proxy.drops, 1, 'the first resubscription was cut off');
      assert.equal(disconnects, 2, 'lost twice: the kill, then the cut');
      assert.deepEqual(event.channels, ['first', 'second']);
      assert.equal(pubsub.stats().resubscribes, 1, 'reported once, when it succeeded');
      assert.equal(await pubsub.publish('second', 'through'), 1);
      assert.equal((await channel.next()).message, 'through');
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a silent server (SIGSTOP) is noticed by the PING, and the subscriptions come back after SIGCONT', async () => {
    await using redis = kitFor(server, { connectionName: 'silent', socketTimeoutMs: 1000 });
    await using pubsub = createPubSub(redis, { pingIntervalMs: 200 });
    const channel = inbox();
    await pubsub.subscribe('heartbeat', channel.handler);

    const disconnected = once<[RedisKitError]>(pubsub, 'disconnected', 10_000);
    // Listening before SIGCONT: the resubscription can complete before resume() returns.
    const resubscribed = once(pubsub, 'resubscribed', 20_000);
    await server.pause();
    try {
      const [error] = await disconnected;
      assert.ok(error instanceof RedisKitError);
    } finally {
      await server.resume();
    }
    await resubscribed;
    assert.equal(await server.command('PUBLISH', 'heartbeat', 'alive'), '1');
    assert.equal((await channel.next()).message, 'alive');
  });
});
