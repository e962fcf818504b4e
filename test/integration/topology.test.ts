import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionLostError, type CreateRedisOptions, createRedis, EngineError, type RedisKit, RedisKitError } from '../../src/index.js';
import { type RespValue, waitFor } from '../helpers/index.js';
import { fastFailover } from '../helpers/failover-load.js';
import { type ClusterLab, labSkipReason, replyText, type SentinelLab, startCluster, startSentinel } from '../helpers/redis-lab.js';

/**
 * The client against real multi-process topologies started by shared/redis-lab: a 6-node
 * Cluster and a Sentinel group (master, replica, 3 sentinels), each with a crash failover.
 * Skipped, with the reason, when the lab scripts are not beside the repository.
 */

const skip = labSkipReason();
const PREFIX = 'topo:';
/** How long a failover may take before the client writes again (the labs fail over in ~3 s). */
const FAILOVER_BOUND_MS = 20_000;

/** Short timeouts and reconnect delays, so a failover shows up as quick typed errors. */
const fast = fastFailover;

/**
 * Runs `op` until it succeeds, for at most `boundMs`. Every failure meanwhile must be a typed
 * redis-kit error; their codes are counted for the report.
 */
async function untilOk<T>(
  what: string,
  boundMs: number,
  op: () => Promise<T>,
): Promise<{ value: T; ms: number; errors: Record<string, number> }> {
  const started = performance.now();
  const errors: Record<string, number> = {};
  for (;;) {
    try {
      return { value: await op(), ms: Math.round(performance.now() - started), errors };
    } catch (error) {
      assert.ok(error instanceof RedisKitError, `${what}: expected only RedisKitErrors, got ${String(error)}`);
      errors[error.code] = (errors[error.code] ?? 0) + 1;
      if (performance.now() - started > boundMs) {
        assert.fail(`${what}: still failing after ${boundMs} ms (${JSON.stringify(errors)}); last: ${error.message}`);
      }
    }
    await sleep(50);
  }
}

/** Closes with a deadline: a test that failed mid-failover must not hang in close(). */
async function closeKit(redis: RedisKit | undefined): Promise<void> {
  await redis?.close({ deadlineMs: 5000 });
}

const text = replyText;

describe('topology: Redis Cluster (redis-lab, 3 masters + 3 replicas)', { skip }, () => {
  let lab: ClusterLab;
  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 1000 });
  });
  after(async () => {
    await lab?.down();
  });

  const kit = (options: CreateRedisOptions = {}): RedisKit =>
    createRedis({ ...fast, mode: 'cluster', clusterNodes: lab.nodes, keyPrefix: PREFIX, ...options });

  it('connect() reports serverMode cluster and every lane becomes ready', async () => {
    await using redis = kit({ lanes: 3 });
    const report = await redis.connect();
    assert.equal(report.mode, 'cluster');
    assert.equal(report.serverMode, 'cluster');
    assert.match(report.target, /^cluster 127\.0\.0\.1:\d+/);
    await waitFor(() => redis.stats().lanes.ready === 3, { what: 'all 3 lanes ready' });
    assert.deepEqual(redis.stats().lanes, { count: 3, ready: 3, inFlight: 0, queued: 0 });
    assert.equal((await redis.health()).status, 'healthy');
  });

  it('SET/GET of many keys spreads them over every master, stored under the key prefix', async () => {
    await using redis = kit();
    const keys = Array.from({ length: 300 }, (_, i) => `spread:${i}`);
    assert.deepEqual(
      await Promise.all(keys.map((key, i) => redis.set(key, `v${i}`))),
      keys.map(() => 'OK'),
    );
    assert.deepEqual(
      await Promise.all(keys.map((key) => redis.get(key))),
      keys.map((_, i) => `v${i}`),
    );

    // Each master holds a share, all prefixed; nothing unprefixed was written anywhere.
    const masters = await lab.masters();
    assert.equal(masters.length, 3);
    let total = 0;
    for (const port of masters) {
      const held = (await lab.command(port, 'KEYS', `${PREFIX}spread:*`)) as string[];
      assert.ok(held.length > 0, `master ${port} holds some of the keys`);
      total += held.length;
      assert.deepEqual(await lab.command(port, 'KEYS', 'spread:*'), [], `no unprefixed keys on ${port}`);
    }
    assert.equal(total, keys.length);

    // The node that owns the slot of the *prefixed* name has it (a plain client, no redirects).
    for (const i of [0, 7, 123, 299]) {
      const { master } = await lab.slotOwner(`${PREFIX}spread:${i}`);
      assert.equal(await lab.command(master, 'GET', `${PREFIX}spread:${i}`), `v${i}`);
    }
  });

  it('multi-key commands work on keys that share a hash tag', async () => {
    await using redis = kit();
    assert.equal(await redis.mset({ '{user:1}:name': 'ada', '{user:1}:lang': 'en' }), 'OK');
    assert.deepEqual(await redis.mget('{user:1}:name', '{user:1}:lang', '{user:1}:none'), ['ada', 'en', null]);
    await redis.sadd('{user:1}:a', 'x', 'y');
    await redis.sadd('{user:1}:b', 'y', 'z');
    assert.equal(await redis.sunionstore('{user:1}:all', '{user:1}:a', '{user:1}:b'), 3);
    assert.equal(await redis.rename('{user:1}:lang', '{user:1}:language'), 'OK');
    assert.equal(await redis.del('{user:1}:name', '{user:1}:language', '{user:1}:all'), 3);

    // Keys in different slots: refused (by the engine before sending), as a typed error.
    const crossSlot = await redis.mget('spread:a', 'spread:b', 'spread:c').catch((e: unknown) => e);
    assert.ok(crossSlot instanceof RedisKitError, String(crossSlot));
  });

  it('a cross-slot command is not reported as a lost connection', async () => {
    await using redis = kit();
    const crossSlot = await redis.mget('spread:a', 'spread:b', 'spread:c').catch((e: unknown) => e);
    assert.ok(crossSlot instanceof RedisKitError);
    assert.ok(!(crossSlot instanceof ConnectionLostError), `${crossSlot.name}: ${crossSlot.message}`);
    assert.ok(crossSlot instanceof EngineError, 'refused by the engine before anything was sent');
  });

  it('a pipeline and a MULTI over a lane (one hash tag), without taking a lease', async () => {
    await using redis = kit();
    const replies = await redis
      .pipeline()
      .set('{cart:9}:item', 'apple')
      .incr('{cart:9}:count')
      .hset('{cart:9}:meta', 'owner', 'ada')
      .get('{cart:9}:item')
      .exec();
    assert.deepEqual(replies, [
      [null, 'OK'],
      [null, 1],
      [null, 1],
      [null, 'apple'],
    ]);
    const atomic = await redis.multi().incr('{cart:9}:count').hget('{cart:9}:meta', 'owner').exec();
    assert.deepEqual(atomic, [
      [null, 2],
      [null, 'ada'],
    ]);
    assert.equal(redis.stats().pool.acquired, 0, 'no lease was used');
  });

  it('WATCH/MULTI in a lease on hash-tagged keys commits, and aborts on a conflicting write', async () => {
    await using redis = kit();
    await redis.set('{acct:7}:balance', '10');
    const committed = await redis.lease(async (conn) => {
      await conn.watch('{acct:7}:balance', '{acct:7}:log');
      const balance = Number(await conn.get('{acct:7}:balance'));
      return conn
        .multi()
        .set('{acct:7}:balance', String(balance - 3))
        .rpush('{acct:7}:log', 'debit 3')
        .exec();
    });
    assert.deepEqual(committed, [
      [null, 'OK'],
      [null, 1],
    ]);
    assert.equal(await redis.get('{acct:7}:balance'), '7');

    const aborted = await redis.lease(async (conn) => {
      await conn.watch('{acct:7}:balance');
      await redis.set('{acct:7}:balance', '100'); // another caller, on a lane
      return conn.multi().set('{acct:7}:balance', '0').exec();
    });
    assert.equal(aborted, null, 'EXEC aborted: the watched key changed');
    assert.equal(await redis.get('{acct:7}:balance'), '100');
  });

  it('BLPOP goes to a lease and returns the value another caller RPUSHes', async () => {
    await using redis = kit();
    const { master } = await lab.slotOwner(`${PREFIX}{jobs}:queue`);
    const blockedClients = async () => Number(/blocked_clients:(\d+)/.exec(text(await lab.command(master, 'INFO', 'clients')))?.[1]);
    const baseline = await blockedClients();
    const popped = redis.blpop('{jobs}:queue', 5);
    await waitFor(async () => (await blockedClients()) === baseline + 1, { what: 'BLPOP blocked on the owning master' });
    assert.equal(await redis.rpush('{jobs}:queue', 'job-1'), 1);
    // The reply names the key as the server knows it: with the prefix.
    assert.deepEqual(await popped, [`${PREFIX}{jobs}:queue`, 'job-1']);
    assert.equal(redis.stats().pool.acquired, 1, 'BLPOP took a lease');
  });

  // Last: it leaves the cluster with one master dead.
  it('failover: writes to a killed master’s key succeed again via its promoted replica; other keys keep working', async (t) => {
    const redis = kit({ lanes: 2 });
    try {
      await redis.connect();
      const key = 'failover:{fo}';
      const victim = await lab.slotOwner(`${PREFIX}${key}`);
      assert.equal(victim.replicas.length, 1, `master ${victim.master} has one replica`);
      const [replica] = victim.replicas as [number];

      // One key on each of the two other masters.
      const others = new Map<number, string>();
      for (let i = 0; others.size < 2 && i < 200; i++) {
        const { master } = await lab.slotOwner(`${PREFIX}other:${i}`);
        if (master !== victim.master && !others.has(master)) others.set(master, `other:${i}`);
      }
      assert.equal(others.size, 2, 'found keys on both other masters');
      const otherKeys = [...others.values()];

      assert.equal(await redis.set(key, 'before'), 'OK');
      for (const other of otherKeys) await redis.set(other, 'before');

      await lab.nodeCtl(victim.master, 'kill');
      const killedAt = performance.now();

      // Meanwhile: the other masters' keys (every failure typed, and they end up working), and
      // a write every 100 ms to a fresh key in the victim's slot, to see which of the writes
      // reported as failed are applied anyway.
      let failingOver = true;
      const otherErrors: Record<string, number> = {};
      let otherWrites = 0;
      const otherLoop = (async () => {
        for (let n = 0; failingOver; n++) {
          for (const other of otherKeys) {
            try {
              await redis.set(other, `during-${n}`);
              otherWrites++;
            } catch (error) {
              const code = error instanceof RedisKitError ? error.code : `untyped ${String(error)}`;
              otherErrors[code] = (otherErrors[code] ?? 0) + 1;
            }
          }
          await sleep(50);
        }
      })();
      const probes: { key: string; outcome: string }[] = [];
      const probeLoop = (async () => {
        for (let n = 0; failingOver; n++) {
          const probe = { key: `{fo}:probe:${n}`, outcome: 'pending' };
          probes.push(probe);
          redis.set(probe.key, 'x').then(
            () => {
              probe.outcome = 'ok';
            },
            (error: unknown) => {
              probe.outcome = error instanceof RedisKitError ? error.code : `untyped ${String(error)}`;
            },
          );
          await sleep(100);
        }
      })();

      let attempt = 0;
      const recovered = await untilOk('write to the failed-over key', FAILOVER_BOUND_MS, () => redis.set(key, `after-${++attempt}`));
      const recoveredMs = Math.round(performance.now() - killedAt);
      failingOver = false;
      await Promise.all([otherLoop, probeLoop]);
      await waitFor(() => probes.every((probe) => probe.outcome !== 'pending'), { what: 'every probe write to end' });

      // The replica owns the slot now.
      const survivors = lab.nodePorts.filter((port) => port !== victim.master);
      await waitFor(async () => (await lab.slotOwner(`${PREFIX}${key}`, survivors)).master === replica, {
        timeoutMs: 5000,
        what: `replica ${replica} to own the slot`,
      });

      // The engine may still hold writes it retries on its own (up to 16 x 100 ms): let them
      // run out before reading anything back, so the reads below are stable.
      await sleep(2500);
      const ours = new Set(Array.from({ length: attempt }, (_, i) => `after-${i + 1}`));
      const stored = await lab.command(replica, 'GET', `${PREFIX}${key}`);
      assert.ok(typeof stored === 'string' && ours.has(stored), `the promoted replica holds one of our writes (${String(stored)})`);
      assert.equal(await redis.get(key), stored);
      assert.equal(await redis.set(key, 'final'), 'OK');
      assert.equal(await lab.command(replica, 'GET', `${PREFIX}${key}`), 'final', 'the same client writes to the promoted replica');

      // Other keys: writable and readable through the same client.
      assert.deepEqual(
        Object.keys(otherErrors).filter((code) => code.startsWith('untyped')),
        [],
        'only typed errors on other keys',
      );
      for (const other of otherKeys) {
        await untilOk(`write to ${other}`, 5000, () => redis.set(other, 'final'));
        assert.equal(await redis.get(other), 'final');
      }
      assert.equal(await redis.lease((conn) => conn.get(key)), 'final', 'leases reach the new master too');
      await waitFor(() => redis.stats().lanes.ready === 2, { timeoutMs: 5000, what: 'both lanes ready' });
      assert.notEqual((await redis.health()).status, 'unhealthy', 'Redis answers after the failover');

      assert.deepEqual(
        probes.filter((probe) => probe.outcome.startsWith('untyped')),
        [],
        'probe writes failed only with typed errors',
      );
      const reportedFailed = probes.filter((probe) => probe.outcome !== 'ok');
      const appliedAnyway: string[] = [];
      for (const probe of reportedFailed) {
        if ((await lab.command(replica, 'EXISTS', `${PREFIX}${probe.key}`)) === 1) appliedAnyway.push(`${probe.key} (${probe.outcome})`);
      }
      t.diagnostic(
        `cluster failover: write ok ${recoveredMs} ms after SIGKILL of ${victim.master} (attempt ${attempt}, ` +
          `errors ${JSON.stringify(recovered.errors)}); other keys: ${otherWrites} writes ok, errors ${JSON.stringify(otherErrors)}; ` +
          `probes: ${probes.length}, ${reportedFailed.length} reported failed, ${appliedAnyway.length} of those applied anyway`,
      );

      // Writes issued after the crash that the client reported as failed can only reach the
      // promoted replica if something resent them. redis-kit promises it does not ("a timed-out
      // command ... is not resent"); ioredis Cluster's own retries (retryDelayOnFailover,
      // retryDelayOnClusterDown, maxRedirections 16) still do.
      await t.test('no write reported as failed is applied later', () => {
        assert.deepEqual(appliedAnyway, []);
      });
    } finally {
      await closeKit(redis);
    }
  });
});

describe('topology: Redis Sentinel (redis-lab, master + replica + 3 sentinels)', { skip }, () => {
  let lab: SentinelLab;
  before(async () => {
    lab = await startSentinel({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
  });
  after(async () => {
    await lab?.down();
  });

  const kit = (options: CreateRedisOptions = {}): RedisKit =>
    createRedis({ ...fast, mode: 'sentinel', sentinels: lab.sentinels, sentinelMaster: lab.masterName, ...options });

  it('connect() finds the master through the sentinels; writes and reads land on it', async () => {
    await using redis = kit({ lanes: 2 });
    const report = await redis.connect();
    assert.equal(report.mode, 'sentinel');
    assert.equal(report.serverMode, 'standalone', 'a sentinel-managed master runs in standalone mode');
    assert.ok(report.target.includes(lab.masterName), report.target);

    assert.equal(await redis.set('greeting', 'hello'), 'OK');
    assert.equal(await redis.get('greeting'), 'hello');
    assert.equal(await lab.command(lab.masterPort, 'GET', 'greeting'), 'hello');
    assert.equal(((await lab.command(lab.masterPort, 'ROLE')) as RespValue[])[0], 'master');
    assert.match(text(await lab.command(lab.masterPort, 'CLIENT', 'LIST')), /name=redis-kit:lane/, 'the lanes are connected to the master');
    await waitFor(() => redis.stats().lanes.ready === 2, { what: 'both lanes ready' });
  });

  it('failover: after SIGKILL of the master the client writes to the promoted replica; a WAITed value survives', async (t) => {
    const redis = kit({ lanes: 2 });
    const events: string[] = [];
    redis.on('unavailable', (error) => events.push(`unavailable:${error.code}`));
    redis.on('ready', () => events.push('ready'));
    try {
      await redis.connect();
      assert.equal(await redis.set('before', 'kept'), 'OK');
      const acked = await redis.lease((conn) => conn.wait(1, 1000));
      assert.equal(acked, 1, 'the replica acknowledged the write');
      assert.equal(await lab.command(lab.replicaPort, 'GET', 'before'), 'kept');

      await lab.nodeCtl(lab.masterPort, 'kill');
      const killedAt = performance.now();
      let attempt = 0;
      const recovered = await untilOk('write after the master was killed', FAILOVER_BOUND_MS, () => redis.set('after', `v${++attempt}`));
      t.diagnostic(
        `sentinel failover: write ok ${Math.round(performance.now() - killedAt)} ms after SIGKILL; ` +
          `errors ${JSON.stringify(recovered.errors)}; events ${events.join(',')}`,
      );

      // The write went to the promoted replica, which the sentinels now name as master.
      const role = (await lab.command(lab.replicaPort, 'ROLE')) as RespValue[];
      assert.equal(role[0], 'master', `replica ${lab.replicaPort} was promoted`);
      assert.equal(await lab.command(lab.replicaPort, 'GET', 'after'), `v${attempt}`);
      for (const sentinel of lab.sentinelPorts) {
        const named = async () => (await lab.command(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', lab.masterName)) as string[];
        await waitFor(async () => Number((await named())[1]) === lab.replicaPort, {
          timeoutMs: 5000,
          what: `sentinel ${sentinel} to name ${lab.replicaPort} as master`,
        });
      }

      assert.equal(await redis.get('before'), 'kept', 'the value replicated before the crash is still there');
      assert.equal(await redis.get('after'), `v${attempt}`);
      assert.equal(await redis.lease((conn) => conn.get('after')), `v${attempt}`, 'leases reach the new master too');
      if (events.some((event) => event.startsWith('unavailable'))) assert.equal(events.at(-1), 'ready', `events: ${events.join(',')}`);
      await waitFor(() => redis.stats().lanes.ready === 2, { timeoutMs: 5000, what: 'both lanes ready' });
      assert.notEqual((await redis.health()).status, 'unhealthy', 'Redis answers after the failover');
    } finally {
      await closeKit(redis);
    }
  });
});
