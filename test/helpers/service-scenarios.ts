import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConflictError, type PubSubMessage, type RedisKit, UniqueViolationError } from '../../src/index.js';
import { waitFor } from './wait-for.js';

/**
 * Every service end to end, as application code would use it: each scenario is a function of a
 * connected RedisKit and knows nothing of the topology under it. services-topologies.test.ts
 * runs the same list on a standalone server, the lab Cluster and the lab Sentinel group, with
 * clients configured by environment variables only (issue #9: "the same application code runs
 * unchanged … by changing environment variables only").
 */
export interface ScenarioContext {
  /** Which topology the environment names (only what the application could read from its own config). */
  readonly mode: 'standalone' | 'cluster' | 'sentinel';
  /** Another client made from the same environment: a second process, as far as Redis can tell. */
  another(): RedisKit;
  /**
   * How many keys matching `pattern` (prefix included) each primary holds, read by plain
   * connections outside redis-kit: one entry on standalone and Sentinel, one per master on a
   * Cluster. Lets a scenario check that its data really spread, so that "found everything"
   * means "found it on every node".
   */
  keysPerPrimary(pattern: string): Promise<number[]>;
  /** The client key prefix the environment sets (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
}

export interface ServiceScenario {
  readonly name: string;
  run(redis: RedisKit, context: ScenarioContext): Promise<void>;
}

const sum = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

/** On a Cluster, data written under many keys must be on every master (else a one-node bug could pass). */
function assertSpread(context: ScenarioContext, counts: readonly number[], what: string): void {
  if (context.mode !== 'cluster') return;
  assert.equal(counts.length, 3, `${what}: three masters answered`);
  for (const [i, count] of counts.entries()) assert.ok(count > 0, `${what}: master ${i + 1} of 3 holds some (${counts.join(', ')})`);
}

const Account = z.object({
  email: z.string().email().toLowerCase(),
  name: z.string().min(1),
  balance: z.number().int().default(0),
});

const Note = z.object({ n: z.number().int() });

const ChatEntry = z.object({ from: z.string(), text: z.string() });

export const serviceScenarios: readonly ServiceScenario[] = [
  {
    name: 'cache: get / set / wrap, and concurrent wraps call the loader once',
    async run(redis) {
      const cache = redis.cache<{ v: number }>({ namespace: 'scn-cache' });
      assert.equal(await cache.get('a'), undefined);
      await cache.set('a', { v: 1 });
      assert.deepEqual(await cache.get('a'), { v: 1 });
      assert.equal(await cache.delete('a'), true);
      assert.equal(await cache.get('a'), undefined);

      let loads = 0;
      const loader = async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { v: 42 };
      };
      const values = await Promise.all(Array.from({ length: 20 }, () => cache.wrap('stampede', loader)));
      assert.deepEqual(new Set(values.map((value) => value.v)), new Set([42]));
      assert.equal(loads, 1, 'twenty concurrent wraps, one load');
      assert.deepEqual(await cache.wrap('stampede', loader), { v: 42 });
      assert.equal(loads, 1, 'a later wrap is a hit');
      await cache.close();
    },
  },
  {
    name: "near-cache: served in-process, invalidated by another client's write",
    async run(redis, context) {
      await using other = context.another();
      const cache = redis.cache<string>({ namespace: 'scn-near', nearCache: { maxEntries: 100 } });
      const writer = other.cache<string>({ namespace: 'scn-near' });
      await waitFor(() => cache.stats().nearCache.live, { what: 'the near-cache live' });
      const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
      for (const key of keys) await writer.set(key, `${key}=1`);
      for (const key of keys) assert.equal(await cache.get(key), `${key}=1`);
      const hits = cache.stats().nearHits;
      for (const key of keys) assert.equal(await cache.get(key), `${key}=1`);
      assert.equal(cache.stats().nearHits - hits, keys.length, 'second reads served in-process');

      for (const key of keys) await writer.set(key, `${key}=2`);
      // Entries live 60 s: only an invalidation from the server makes the reader see the new values.
      await waitFor(async () => (await Promise.all(keys.map((key) => cache.get(key)))).every((value, i) => value === `k${i}=2`), {
        what: "every near-cached key invalidated by the other client's write",
      });
      await cache.close();
      await writer.close();
    },
  },
  {
    name: 'cache.clear() is exact: 300 entries gone, another namespace untouched',
    async run(redis, context) {
      const cache = redis.cache<number>({ namespace: 'scn-clear' });
      const neighbour = redis.cache<number>({ namespace: 'scn-clear-not' });
      await Promise.all(Array.from({ length: 300 }, (_, i) => cache.set(`k${i}`, i)));
      await neighbour.set('stay', 1);
      const held = await context.keysPerPrimary(`${context.keyPrefix}scn-clear:*`);
      assert.equal(sum(held), 300);
      assertSpread(context, held, 'cache entries');
      assert.equal(await cache.clear(), 300);
      assert.equal(sum(await context.keysPerPrimary(`${context.keyPrefix}scn-clear:*`)), 0, 'nothing left on any primary');
      assert.equal(await neighbour.get('stay'), 1);
      await cache.close();
      await neighbour.close();
    },
  },
  {
    name: 'session store: set / get / touch / delete / all / length / clear',
    async run(redis, context) {
      const store = redis.sessions({ prefix: 'scn-sess:' });
      const cookie = { expires: new Date(Date.now() + 60_000), originalMaxAge: 60_000, path: '/' };
      await store.set('s-one', { cookie, user: 'ada' });
      assert.equal((await store.get('s-one'))?.user, 'ada');
      assert.equal(await store.touch('s-one', { cookie: { ...cookie, expires: new Date(Date.now() + 120_000) } }), true);
      assert.equal(await store.touch('s-none', { cookie }), false, 'touch of a missing session');
      assert.equal(await store.delete('s-one'), true);
      assert.equal(await store.get('s-one'), undefined);

      await Promise.all(Array.from({ length: 150 }, (_, i) => store.set(`s${i}`, { cookie, n: i })));
      assertSpread(context, await context.keysPerPrimary(`${context.keyPrefix}scn-sess:*`), 'sessions');
      assert.equal(await store.length(), 150);
      const all = await store.all();
      assert.equal(all.size, 150);
      assert.equal(all.get('s77')?.n, 77);
      assert.equal(await store.clear(), 150);
      assert.equal(await store.length(), 0);
      await store.close();
    },
  },
  {
    name: 'rate limiter: every algorithm allows the limit, then refuses',
    async run(redis) {
      for (const algorithm of ['sliding-window', 'sliding-log', 'token-bucket', 'fixed-window'] as const) {
        const limiter = redis.rateLimiter({ prefix: `scn-rl-${algorithm}`, limit: 3, windowMs: 60_000, algorithm });
        for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
          const results = [];
          for (let i = 0; i < 4; i++) results.push(await limiter.consume(user));
          assert.deepEqual(
            results.map((result) => [result.allowed, result.source]),
            [
              [true, 'redis'],
              [true, 'redis'],
              [true, 'redis'],
              [false, 'redis'],
            ],
            `${algorithm} ${user}`,
          );
        }
        await limiter.close();
      }
    },
  },
  {
    name: 'pub/sub: channel and pattern subscriptions get what another client publishes',
    async run(redis, context) {
      await using other = context.another();
      const inbox: PubSubMessage[] = [];
      const channel = await redis.subscribe('scn-news', (message) => void inbox.push(message));
      const pattern = await redis.subscribe({ patterns: ['scn-jobs:*'] }, (message) => void inbox.push(message));
      await other.publish('scn-news', 'hello');
      await other.publish('scn-jobs:7', 'done');
      await other.publish('scn-other', 'nobody');
      await waitFor(() => inbox.length >= 2, { what: 'both messages' });
      assert.deepEqual(
        inbox.map((m) => [m.channel, m.pattern, m.message]).sort(),
        [
          ['scn-jobs:7', 'scn-jobs:*', 'done'],
          ['scn-news', undefined, 'hello'],
        ].sort(),
      );
      await channel.unsubscribe();
      await pattern.unsubscribe();
    },
  },
  {
    name: 'records: create / get / update (conflict) / unique violation / list with cursor / delete',
    async run(redis, context) {
      await using other = context.another();
      const accounts = redis.repository({ namespace: 'scn-accounts', schema: Account, unique: ['email'] });
      const rival = other.repository({ namespace: 'scn-accounts', schema: Account, unique: ['email'] });

      const ada = await accounts.create({ email: 'Ada@Example.com', name: 'Ada' });
      assert.deepEqual(await accounts.get(ada.id), { email: 'ada@example.com', name: 'Ada', balance: 0 });
      assert.deepEqual((await rival.findBy('email', 'ada@example.com'))?.id, ada.id);
      await assert.rejects(rival.create({ email: 'ada@example.com', name: 'Impostor' }), UniqueViolationError);
      const bob = await accounts.create({ email: 'bob@example.com', name: 'Bob' });
      await assert.rejects(
        accounts.update(bob.id, (b) => ({ ...b, email: 'ada@example.com' })),
        UniqueViolationError,
      );

      // Another client writes between our read and our write: the attempt is retried on the new value.
      let calls = 0;
      const updated = await accounts.update(ada.id, async (current) => {
        calls++;
        if (calls === 1) await rival.update(ada.id, (a) => ({ ...a, balance: a.balance + 100 }));
        return { ...current, balance: current.balance + 1 };
      });
      assert.equal(calls, 2, 'the first attempt lost to the rival and ran again');
      assert.equal(updated.balance, 101, 'both increments, none lost');
      const strict = redis.repository({ namespace: 'scn-accounts', schema: Account, unique: ['email'], maxUpdateRetries: 0 });
      await assert.rejects(
        strict.update(ada.id, async (current) => {
          await rival.put(ada.id, { ...current, name: 'Ada L.' });
          return current;
        }),
        ConflictError,
      );
      assert.equal((await accounts.get(ada.id))?.name, 'Ada L.');

      assert.equal(await accounts.delete(bob.id), true);
      assert.equal(await accounts.delete(bob.id), false);
      assert.equal(await accounts.findBy('email', 'bob@example.com'), undefined);
      const again = await rival.create({ email: 'bob@example.com', name: 'Bob again' });
      assert.equal((await accounts.findBy('email', 'bob@example.com'))?.id, again.id, 'a deleted record frees its unique value');

      // list(): every record exactly once, over pages, for a repository with unique fields and one without.
      const notes = redis.repository({ namespace: 'scn-notes', schema: Note });
      const created = await Promise.all(Array.from({ length: 250 }, (_, n) => notes.create({ n })));
      // In bursts of ten: with unique fields each create is a lease (on a Cluster from its node's pool, which opens its connections as they are asked for).
      for (let burst = 0; burst < 6; burst++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => accounts.create({ email: `user${burst * 10 + i}@example.com`, name: `U${burst * 10 + i}` })),
        );
      }
      assertSpread(context, await context.keysPerPrimary(`${context.keyPrefix}scn-notes:r:*`), 'records without unique fields');
      for (const [repository, expected] of [
        [notes, 250],
        [accounts, 62],
      ] as const) {
        const ids: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page: { records: { id: string }[]; cursor: string | undefined } = await repository.list({ cursor, limit: 40 });
          ids.push(...page.records.map((record) => record.id));
          cursor = page.cursor;
          pages++;
          assert.ok(pages < 100, 'the walk ends');
        } while (cursor !== undefined);
        assert.equal(ids.length, expected, `${repository.namespace}: as many as written`);
        assert.equal(new Set(ids).size, expected, `${repository.namespace}: each exactly once`);
        if (repository === notes) assert.deepEqual([...ids].sort(), created.map((record) => record.id).sort());
      }
      await Promise.all([accounts.close(), rival.close(), strict.close(), notes.close()]);
    },
  },
  {
    name: 'message log: append / range / latest / follow',
    async run(redis, context) {
      await using other = context.another();
      const log = redis.log({ namespace: 'scn-chat', schema: ChatEntry });
      const writer = other.log({ namespace: 'scn-chat', schema: ChatEntry });
      const first = await log.append('room-1', { from: 'ada', text: 'hi' });
      const second = await log.append('room-1', { from: 'bob', text: 'hello' });
      const third = await log.append('room-1', { from: 'ada', text: 'how are you' });
      assert.deepEqual(
        (await log.range('room-1', { limit: 10 })).map((entry) => entry.id),
        [first, second, third],
      );
      assert.deepEqual(
        (await log.range('room-1', { after: first, limit: 1 })).map((entry) => entry.value.text),
        ['hello'],
      );
      assert.deepEqual(
        (await log.latest('room-1', 2)).map((entry) => entry.id),
        [second, third],
      );

      // Replays what came after `first`, then what another client appends while it follows.
      const follower = log.follow('room-1', { after: first, blockMs: 500 });
      await follower.ready;
      const texts: string[] = [];
      const reading = (async () => {
        for await (const entry of follower) {
          texts.push(entry.value.text);
          if (texts.length === 4) break;
        }
      })();
      await waitFor(() => texts.length === 2, { what: 'the replayed entries' });
      await writer.append('room-1', { from: 'bob', text: 'fine' });
      await writer.append('room-1', { from: 'bob', text: 'bye' });
      await reading;
      assert.deepEqual(texts, ['hello', 'how are you', 'fine', 'bye']);
      assert.equal(follower.closed, true);
      assert.equal(log.following, 0, 'the follow gave its lease back');
      await log.close();
      await writer.close();
    },
  },
  {
    name: 'health: Redis answers, and a deep report has the topology check of its mode',
    async run(redis, context) {
      const report = await redis.health({ deep: true, timeoutMs: 3000 });
      assert.equal(report.checks.connectivity.status, 'pass', JSON.stringify(report.checks.connectivity));
      // Healthy, or degraded by nothing but latency: a loaded test machine can make PING look slow.
      const warnings = report.warnings.filter((warning) => warning.check !== 'performance');
      assert.deepEqual(warnings, [], 'no warning but latency');
      assert.equal(report.status, report.warnings.length === 0 ? 'healthy' : 'degraded');
      if (context.mode === 'cluster') {
        assert.equal(report.checks.clusterTopology?.status, 'pass', JSON.stringify(report.warnings));
        assert.equal(report.checks.clusterTopology?.state, 'ok');
        assert.equal(report.checks.sentinel, undefined);
      } else if (context.mode === 'sentinel') {
        assert.equal(report.checks.sentinel?.status, 'pass', JSON.stringify(report.warnings));
        assert.equal(report.checks.clusterTopology, undefined);
      } else {
        assert.equal(report.checks.clusterTopology, undefined);
        assert.equal(report.checks.sentinel, undefined);
      }
      assert.deepEqual(
        report.warnings.filter((warning) => warning.check === 'clusterTopology' || warning.check === 'sentinel'),
        [],
        'no topology warning',
      );
    },
  },
  {
    name: 'a pipeline, and a lease with WATCH/MULTI, on hash-tagged keys',
    async run(redis) {
      const replies = await redis
        .pipeline()
        .set('{scn-acct:1}:balance', '10')
        .incrby('{scn-acct:1}:ops', 1)
        .get('{scn-acct:1}:balance')
        .exec();
      assert.deepEqual(replies, [
        [null, 'OK'],
        [null, 1],
        [null, '10'],
      ]);
      const result = await redis.lease('{scn-acct:1}:balance', async (conn) => {
        await conn.watch('{scn-acct:1}:balance');
        const balance = Number(await conn.get('{scn-acct:1}:balance'));
        return conn
          .multi()
          .set('{scn-acct:1}:balance', String(balance - 4))
          .incrby('{scn-acct:1}:ops', 1)
          .rpush('{scn-acct:1}:log', 'debit 4')
          .exec();
      });
      assert.deepEqual(result, [
        [null, 'OK'],
        [null, 2],
        [null, 1],
      ]);
      assert.equal(await redis.get('{scn-acct:1}:balance'), '6');
      // A WATCHed key changed by another writer aborts the EXEC: nothing of it is applied.
      const aborted = await redis.lease('{scn-acct:1}:balance', async (conn) => {
        await conn.watch('{scn-acct:1}:balance');
        await redis.set('{scn-acct:1}:balance', '100');
        return conn.multi().set('{scn-acct:1}:balance', '0').exec();
      });
      assert.equal(aborted, null);
      assert.equal(await redis.get('{scn-acct:1}:balance'), '100');
    },
  },
];
