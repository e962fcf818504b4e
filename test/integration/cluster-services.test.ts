import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from '../../src/cache/index.js';
import { type CreateRedisOptions, CrossSlotError, createRedis, type RedisKit } from '../../src/index.js';
import { createRateLimiter } from '../../src/rate-limit/index.js';
import { createSessionStore } from '../../src/session/index.js';
import { createPubSub, type PubSubMessage, type ResubscribedEvent } from '../../src/pubsub/index.js';
import { once, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';
import { type ClusterLab, labClientOptions, labSkipReason, replyText, startCluster } from '../helpers/redis-lab.js';

/**
 * The services on a real 6-node Cluster (shared/redis-lab): SCAN of every
 * primary (also across a failover mid-scan), cache clear and session
 * all/length/clear, leases pinned to a key's node, the cross-slot refusal, and
 * the one-slot scripts of the rate limiter and the cache lock.
 */
const skip = labSkipReason();
const PREFIX = 'svc:';

const fast = labClientOptions;

const text = replyText;

describe('services on Redis Cluster (redis-lab, 3 masters + 3 replicas)', { skip }, () => {
  let lab: ClusterLab;
  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 1000 });
  });
  after(async () => {
    await lab?.down();
  });

  const kit = (options: CreateRedisOptions = {}): RedisKit =>
    createRedis({ ...fast, mode: 'cluster', clusterNodes: lab.nodes, keyPrefix: PREFIX, ...options });

  /** Keys matching a pattern on each master, read by plain connections (no redis-kit). */
  async function keysPerMaster(pattern: string): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (const port of await lab.masters()) out.set(port, (await lab.command(port, 'KEYS', pattern)) as string[]);
    return out;
  }

  it('scanKeys visits every primary: 400 keys, each yielded once, prefix removed', async () => {
    await using redis = kit();
    const keys = Array.from({ length: 400 }, (_, i) => `scan:${i}`);
    await Promise.all(keys.map((key) => redis.set(key, 'x')));
    const perMaster = await keysPerMaster(`${PREFIX}scan:*`);
    assert.equal(perMaster.size, 3);
    for (const [port, held] of perMaster) assert.ok(held.length > 50, `master ${port} holds a share (${held.length})`);

    const seen: string[] = [];
    for await (const key of redis.scanKeys('scan:*', { count: 25 })) seen.push(key);
    assert.equal(seen.length, keys.length, 'no key repeated');
    assert.deepEqual(seen.sort(), [...keys].sort());
  });

  it('cache.clear() removes all 300 entries on every master; session all/length/clear are exact', async () => {
    await using redis = kit();
    const cache = createCache<number>(redis, { namespace: 'c' });
    await Promise.all(Array.from({ length: 300 }, (_, i) => cache.set(`k${i}`, i)));
    const before = [...(await keysPerMaster(`${PREFIX}c:*`)).values()].flat();
    assert.equal(before.length, 300);
    assert.equal(await cache.clear(), 300);
    assert.deepEqual([...(await keysPerMaster(`${PREFIX}c:*`)).values()].flat(), [], 'nothing left on any master');

    const store = createSessionStore(redis);
    const cookie = { expires: new Date(Date.now() + 60_000), originalMaxAge: 60_000, path: '/' };
    await Promise.all(Array.from({ length: 320 }, (_, i) => store.set(`s${i}`, { cookie, n: i })));
    assert.equal(await store.length(), 320);
    const all = await store.all();
    assert.equal(all.size, 320);
    assert.equal((all.get('s123') as { n?: number } | undefined)?.n, 123);
    assert.equal(await store.clear(), 320);
    assert.equal(await store.length(), 0);
    assert.deepEqual([...(await keysPerMaster(`${PREFIX}sess:*`)).values()].flat(), []);
  });

  it('lease(key, fn) runs on the node that owns the key; WATCH/MULTI on one hash tag commits', async () => {
    await using redis = kit({ minConnections: 0 });
    const key = '{acct:1}:balance';
    await redis.set(key, '10');
    const { master } = await lab.slotOwner(`${PREFIX}${key}`);
    const clientsOn = async (port: number) =>
      text(await lab.command(port, 'CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => / name=\S*:lease /.test(line)).length;
    const result = await redis.lease(key, async (conn) => {
      // Before any command of ours, the lease already holds a connection on the owning master.
      assert.ok((await clientsOn(master)) >= 1, `a lease connection on ${master}`);
      await conn.watch(key);
      const balance = Number(await conn.get(key));
      return conn
        .multi()
        .set(key, String(balance - 4))
        .rpush('{acct:1}:log', 'debit 4')
        .exec();
    });
    assert.deepEqual(result, [
      [null, 'OK'],
      [null, 1],
    ]);
    assert.equal(await lab.command(master, 'GET', `${PREFIX}${key}`), '6');
  });

  it('a transaction whose keys span slots fails before anything is sent, naming the keys', async () => {
    await using redis = kit();
    const multis = async () => {
      let total = 0;
      for (const port of await lab.masters()) {
        total += Number(/cmdstat_multi:calls=(\d+)/.exec(text(await lab.command(port, 'INFO', 'commandstats')))?.[1] ?? 0);
      }
      return total;
    };
    const before = await multis();

    // The lease's key and the transaction's keys differ in slot.
    const pinned = await redis
      .lease('{a}:x', (conn) => conn.multi().set('{a}:x', '1').set('{b}:y', '2').exec())
      .catch((error: unknown) => error);
    assert.ok(pinned instanceof CrossSlotError, String(pinned));
    assert.equal(pinned.code, 'ERR_REDIS_CROSS_SLOT');
    assert.deepEqual([...pinned.keys].sort(), ['{a}:x', '{b}:y']);
    assert.match(pinned.message, /hash tag/);

    // Without a key: the transaction's own keys, and a WATCHed key, count.
    const unpinned = await redis.lease((conn) => conn.multi().set('plain:1', '1').set('plain:2', '2').exec()).catch((e: unknown) => e);
    assert.ok(unpinned instanceof CrossSlotError, String(unpinned));
    const watched = await redis
      .lease(async (conn) => {
        await conn.watch('{a}:x');
        return conn.multi().set('{b}:y', '1').exec();
      })
      .catch((e: unknown) => e);
    assert.ok(watched instanceof CrossSlotError, String(watched));
    assert.deepEqual([...watched.keys].sort(), ['{a}:x', '{b}:y']);

    assert.equal(await multis(), before, 'no MULTI reached any master');
    assert.equal(await redis.exists('{a}:x', '{a}:x'), 0, 'nothing was written');
    // The lease is usable again after the refusal (it was not left inside a MULTI).
    assert.deepEqual(await redis.lease('{a}:x', (conn) => conn.multi().set('{a}:x', '1').incr('{a}:n').exec()), [
      [null, 'OK'],
      [null, 1],
    ]);
  });

  it('rate limiter scripts touch one key, so run on any slot: every algorithm, keys on all masters', async () => {
    await using redis = kit();
    for (const algorithm of ['sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'] as const) {
      const limiter = createRateLimiter(redis, { prefix: `rl-${algorithm}`, limit: 2, windowMs: 60_000, algorithm });
      for (let user = 0; user < 12; user++) {
        const results = [await limiter.consume(`u${user}`), await limiter.consume(`u${user}`), await limiter.consume(`u${user}`)];
        assert.deepEqual(
          results.map((r) => [r.allowed, r.source]),
          [
            [true, 'redis'],
            [true, 'redis'],
            [false, 'redis'],
          ],
          `${algorithm} u${user}`,
        );
      }
      const held = await keysPerMaster(`${PREFIX}*rl-${algorithm}*`);
      assert.equal([...held.values()].filter((keys) => keys.length > 0).length, 3, `${algorithm}: keys on every master`);
      await limiter.close();
    }
  });

  it('the cache lock (SET NX, release and extend scripts) works for keys on every master', async () => {
    await using redis = kit();
    const cache = createCache<string>(redis, { namespace: 'lock', lockTtlMs: 300 });
    let loads = 0;
    const values = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        cache.wrap(`item${i % 12}`, async () => {
          loads++;
          // Longer than a third of lockTtlMs: the extend script runs while the loader holds the lock.
          await new Promise((resolve) => setTimeout(resolve, 250));
          return `v${i % 12}`;
        }),
      ),
    );
    assert.deepEqual(
      values,
      Array.from({ length: 24 }, (_, i) => `v${i % 12}`),
    );
    assert.equal(loads, 12, 'one load per key (the concurrent second call joined it)');
    const data = await keysPerMaster(`${PREFIX}lock:*`);
    assert.equal([...data.values()].filter((keys) => keys.length > 0).length, 3, 'entries on every master');
    // The release script deleted every lock it held.
    assert.deepEqual([...(await keysPerMaster(`${PREFIX}lock#lock:*`)).values()].flat(), []);
  });

  /** Sharded channel names, at least `perMaster` on each master (by the slot of the prefixed name). */
  async function channelsPerMaster(perMaster: number): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (let i = 0; i < 300 && [...out.values()].filter((list) => list.length >= perMaster).length < 3; i++) {
      const { master } = await lab.slotOwner(`${PREFIX}shard:${i}`);
      const list = out.get(master) ?? [];
      if (list.length < perMaster) list.push(`shard:${i}`);
      out.set(master, list);
    }
    assert.equal(out.size, 3);
    return out;
  }

  /** Per master: how many sharded channels its redis-kit subscriber connections hold (CLIENT LIST ssub). */
  async function ssubsPerMaster(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const port of await lab.masters()) {
      let total = 0;
      for (const line of text(await lab.command(port, 'CLIENT', 'LIST')).split('\n')) {
        if (/ name=redis-kit:subscriber /.test(line)) total += Number(/ ssub=(\d+)/.exec(line)?.[1] ?? 0);
      }
      out.set(port, total);
    }
    return out;
  }

  it('sharded pub/sub: ssubscribe places each channel on its slot’s master; spublish reaches it, also from another client', async () => {
    await using redis = kit();
    await using pubsub = createPubSub(redis);
    const byMaster = await channelsPerMaster(2);
    const channels = [...byMaster.values()].flat();
    const inbox: PubSubMessage[] = [];
    const subscription = await pubsub.ssubscribe(channels, (m) => void inbox.push(m));
    assert.deepEqual(subscription.channels, channels);
    assert.deepEqual(
      [...(await ssubsPerMaster())].sort(),
      [...byMaster].map(([port, list]) => [port, list.length]).sort(),
      'each master holds its own channels',
    );

    for (const channel of channels) assert.equal(await pubsub.spublish(channel, `to ${channel}`), 1);
    // Another client publishes on the owning master, under the prefixed name.
    const [[port, [first]]] = [...byMaster] as [[number, [string]]];
    assert.equal(await lab.command(port, 'SPUBLISH', `${PREFIX}${first}`, 'outside'), 1);
    await waitFor(() => inbox.length === channels.length + 1, { what: 'every sharded message' });
    assert.deepEqual(
      inbox.map((m) => [m.channel, m.message]).sort(),
      [...channels.map((c) => [c, `to ${c}`]), [first, 'outside']].sort(),
      'channel names without the prefix, each message once',
    );
    // A classic PUBLISH of the same name does not reach a sharded subscriber.
    await pubsub.publish(first, 'classic');
    assert.equal(await pubsub.spublish(first, 'last'), 1);
    await waitFor(() => inbox.some((m) => m.message === 'last'), { what: 'the last sharded message' });
    assert.ok(!inbox.some((m) => m.message === 'classic'));

    await subscription.unsubscribe();
    await waitFor(async () => [...(await ssubsPerMaster()).values()].every((n) => n === 0), { what: 'every SSUBSCRIBE undone' });
    assert.equal(await pubsub.spublish(first, 'after'), 0);
  });

  // Last two: they leave the cluster with masters dead.
  it('a failover in the middle of scanKeys: every key yielded, none twice', async (t) => {
    await using redis = kit();
    const keys = Array.from({ length: 600 }, (_, i) => `fo:${i}`);
    await Promise.all(keys.map((key) => redis.set(key, 'x')));
    // Every replica holds every key before the crash (a SIGKILL loses what was not replicated).
    const nodes = await lab.clusterNodes();
    for (const master of nodes.filter((node) => node.flags.includes('master'))) {
      const count = ((await lab.command(master.port, 'KEYS', `${PREFIX}fo:*`)) as string[]).length;
      for (const replica of nodes.filter((node) => node.masterId === master.id)) {
        await waitFor(async () => ((await lab.command(replica.port, 'KEYS', `${PREFIX}fo:*`)) as string[]).length === count, {
          what: `replica ${replica.port} in sync with ${master.port}`,
        });
      }
    }

    const seen: string[] = [];
    let victim: number | undefined;
    for await (const key of redis.scanKeys('fo:*', { count: 10 })) {
      seen.push(key);
      if (victim === undefined) {
        // The master being scanned now (it just yielded this key) dies mid-scan.
        victim = (await lab.slotOwner(`${PREFIX}${key}`)).master;
        await lab.nodeCtl(victim, 'kill');
      }
    }
    t.diagnostic(`killed ${victim} after the first key; ${seen.length} keys yielded`);
    assert.equal(new Set(seen).size, seen.length, 'no key yielded twice');
    assert.deepEqual(seen.sort(), [...keys].sort(), 'every key yielded');
  });

  it('a master dies: sharded subscriptions and near-cache tracking both move to the promoted replica', async () => {
    await using redis = kit();
    await using other = kit();
    await using pubsub = createPubSub(redis);
    const [[victim, [channel]]] = [...(await channelsPerMaster(1))] as [[number, [string]]];
    const inbox: string[] = [];
    await pubsub.ssubscribe(channel, (m) => void inbox.push(m.message));
    assert.equal(await pubsub.spublish(channel, 'before'), 1);
    await waitFor(() => inbox.includes('before'), { what: 'the first message' });

    // A near-cached key on the victim.
    const cache = createCache<string>(redis, { namespace: 'nc', nearCache: { maxEntries: 10 } });
    const writer = createCache<string>(other, { namespace: 'nc' });
    let key = '';
    for (let i = 0; key === '' && i < 300; i++) if ((await lab.slotOwner(`${PREFIX}nc:k${i}`)).master === victim) key = `k${i}`;
    await waitFor(() => cache.stats().nearCache.live, { what: 'the near-cache live' });
    await cache.set(key, 'v1');
    assert.equal(await cache.get(key), 'v1');
    // The victim's replica has the value before the crash (a SIGKILL loses what was not replicated).
    const offset = (info: unknown, field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(String(info))?.[1] ?? -1);
    const written = offset(await lab.command(victim, 'INFO', 'replication'), 'master_repl_offset');
    const victimId = (await lab.clusterNodes()).find((node) => node.port === victim)?.id;
    const replicas = (await lab.clusterNodes()).filter((node) => victimId !== undefined && node.masterId === victimId);
    assert.ok(replicas.length > 0, `the victim ${victim} has a replica to promote`);
    for (const replica of replicas) {
      await waitFor(async () => offset(await lab.command(replica.port, 'INFO', 'replication'), 'slave_repl_offset') >= written, {
        what: `replica ${replica.port} in sync with ${victim}`,
      });
    }
    const nearLive: boolean[] = [];
    cache.on('nearCache', (live) => nearLive.push(live));

    const disconnected = once(pubsub, 'disconnected', 30_000);
    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 30_000);
    await lab.nodeCtl(victim, 'kill');
    await disconnected;
    const [event] = await resubscribed;
    assert.deepEqual(event.channels, [channel]);
    const survivors = lab.nodePorts.filter((port) => port !== victim);
    // The survivors may still name the victim for a moment after the subscription moved (their views
    // of the promotion converge over the cluster bus): ask until they name the new owner.
    let owner = victim;
    await waitFor(
      async () => {
        owner = (await lab.slotOwner(`${PREFIX}${channel}`, survivors)).master;
        return owner !== victim;
      },
      { timeoutMs: 20_000, what: 'the survivors to name the promoted replica as the owner' },
    );
    await waitFor(async () => (await lab.command(owner, 'SPUBLISH', `${PREFIX}${channel}`, 'after')) === 1, {
      timeoutMs: 20_000,
      what: 'the sharded subscription on the new owner',
    });
    await waitFor(() => inbox.includes('after'), { what: 'the message after the failover' });

    // The near-cache was bypassed while the victim's tracking was gone, and is live again on the new primary.
    await waitFor(() => nearLive.includes(false) && cache.stats().nearCache.live, { timeoutMs: 20_000, what: 'near-cache live again' });
    // Until the lanes' slot map names the new owner, a read for the victim's slots fails fast and the
    // cache answers from its fallback (a miss): the value must come back once the map has moved, unchanged.
    await waitFor(async () => (await cache.get(key)) === 'v1', {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'the replicated value, read again from the promoted replica',
    });
    await untilWritten(() => writer.set(key, 'v2'));
    // Served in-process until then: only an invalidation from the new primary makes it see v2 (the entry's TTL is 60 s).
    await waitFor(async () => (await cache.get(key)) === 'v2', { what: 'the invalidation from the new primary' });
    await cache.close();
  });
});

/** Writes, retrying typed failures for a while (right after a failover some nodes still learn the new map). */
async function untilWritten(write: () => Promise<unknown>): Promise<void> {
  await waitFor(
    async () => {
      try {
        await write();
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000, what: 'a write after the failover' },
  );
}

describe('sharded pub/sub on a standalone server', () => {
  it('ssubscribe / spublish, and resubscribed after the server dropped the connection', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    await using pubsub = createPubSub(redis);
    const inbox: string[] = [];
    await pubsub.ssubscribe(['a', 'b'], (m) => void inbox.push(`${m.channel}=${m.message}`));
    assert.equal(await pubsub.spublish('a', '1'), 1);
    assert.equal(await server.command('SPUBLISH', 'app:b', '2'), '1', 'the prefixed name on the server');
    await waitFor(() => inbox.length === 2, { what: 'both messages' });
    assert.deepEqual(inbox.sort(), ['a=1', 'b=2']);

    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 10_000);
    await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    const [event] = await resubscribed;
    assert.deepEqual([...event.channels].sort(), ['a', 'b']);
    assert.equal(await pubsub.spublish('b', '3'), 1);
    await waitFor(() => inbox.includes('b=3'), { what: 'a message after the resubscription' });
  });
});
