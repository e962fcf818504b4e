import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CreateRedisOptions, createRedis, type RedisKit, RedisKitError, SlotMovedError } from '../../src/index.js';
import { createMetrics } from '../../src/observability/prometheus/index.js';
import { waitFor } from '../helpers/index.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { type ClusterLab, labClientOptions, keysByMaster, labSkipReason, startCluster } from '../helpers/redis-lab.js';

/**
 * On a real 6-node Cluster (shared/redis-lab): a lease with a key comes from
 * the pool of the primary that serves the key's slot, so the pool's limits
 * hold per node, a node that hangs holds up only the leases for its slots,
 * and a slot that moves while a lease is on its old node is a typed error,
 * never a command run on the wrong node.
 */
const skip = labSkipReason();
const PREFIX = 'leasepools:';

describe('lease pools per Cluster node (redis-lab)', { skip }, () => {
  let lab: ClusterLab;
  /** Two keys per master port. */
  let keys: Map<number, string[]>;

  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 1000 });
    // A master paused with no failover must not make the cluster refuse every slot (CLUSTERDOWN).
    for (const port of lab.nodePorts) await lab.command(port, 'CONFIG', 'SET', 'cluster-require-full-coverage', 'no');
    keys = await keysByMaster(lab, PREFIX, 2);
  });
  after(async () => {
    await lab?.down();
  });

  const kit = (options: CreateRedisOptions = {}): RedisKit =>
    createRedis({ ...labClientOptions, mode: 'cluster', clusterNodes: lab.nodes, keyPrefix: PREFIX, ...options });
  const address = (port: number): string => `127.0.0.1:${port}`;
  const keyOf = (port: number): string => keys.get(port)?.[0] as string;
  const masters = (): number[] => [...keys.keys()];

  it('maxConnections holds per node: a full node makes its own callers wait, the others lease at once', async () => {
    await using redis = kit({ maxConnections: 5, acquireTimeoutMs: 500 });
    await redis.connect();
    const [full, other] = masters() as [number, number];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const held = Array.from({ length: 5 }, () =>
      redis.lease(keyOf(full), async (conn) => {
        await conn.get(keyOf(full));
        await gate;
      }),
    );
    await waitFor(() => redis.stats().connections.nodes?.[address(full)]?.leasePool?.active === 5, {
      what: 'five leases on the full node',
    });
    // The other node's pool is its own: five leases there at once, while the full node has none to give.
    await Promise.all(Array.from({ length: 5 }, () => redis.lease(keyOf(other), (conn) => conn.set(keyOf(other), 'v'))));
    const refused = await redis
      .lease(keyOf(full), (conn) => conn.get(keyOf(full)))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof RedisKitError, String(refused));
    assert.equal(refused.code, 'ERR_REDIS_POOL_TIMEOUT');
    assert.match(refused.message, /max 5/);
    const stats = redis.stats();
    assert.deepEqual(
      { ...stats.connections.nodes?.[address(full)]?.leasePool },
      { active: 5, idle: 0, waiting: 0, pendingCreates: 0, max: 5 },
    );
    assert.equal(stats.connections.nodes?.[address(full)]?.lease, 5, 'five lease connections open on the full node');
    assert.equal(stats.connections.nodes?.[address(other)]?.leasePool?.active, 0);
    assert.equal(stats.pool.active, 5, 'stats().pool sums the node pools');
    // The same per node in Prometheus, while one more caller waits on the full node.
    const waiting = redis.lease(keyOf(full), (conn) => conn.get(keyOf(full)), { timeoutMs: 10_000 });
    await waitFor(() => redis.stats().connections.nodes?.[address(full)]?.leasePool?.waiting === 1, { what: 'a waiter on the full node' });
    const metrics = createMetrics(redis);
    try {
      const text = await metrics.exposition();
      const series = (line: string): boolean => text.split('\n').includes(line);
      assert.ok(series(`redis_kit_node_lease_pool_connections{node="${address(full)}",state="used"} 5`), text);
      assert.ok(series(`redis_kit_node_lease_pool_waiting{node="${address(full)}"} 1`), text);
      assert.ok(series(`redis_kit_node_lease_pool_waiting{node="${address(other)}"} 0`), text);
      const { code, output } = await promtoolCheck(text);
      assert.equal(output.trim(), '', 'promtool printed no lint problem');
      assert.equal(code, 0);
    } finally {
      await metrics.close();
    }
    open();
    await waiting;
    await Promise.all(held);
    assert.deepEqual(
      { ...redis.stats().connections.nodes?.[address(full)]?.leasePool },
      { active: 0, idle: 5, waiting: 0, pendingCreates: 0, max: 5 },
    );
    assert.ok(redis.stats().pool.acquired >= 10, JSON.stringify(redis.stats().pool));
  });

  it('minConnections opens that many lease connections on every primary at connect()', async () => {
    await using redis = kit({ minConnections: 2 });
    await redis.connect();
    const nodes = redis.stats().connections.nodes ?? {};
    for (const port of masters()) {
      assert.deepEqual(
        { ...nodes[address(port)]?.leasePool },
        { active: 0, idle: 2, waiting: 0, pendingCreates: 0, max: 50 },
        address(port),
      );
      assert.equal(nodes[address(port)]?.lease, 2, `${address(port)} holds two lease connections`);
    }
    assert.equal(redis.stats().pool.idle, 6, 'no warm lease without a key: the client-wide pool keeps none');
  });

  it('a blocking command waits on its key node, over that node pool', async () => {
    await using redis = kit();
    await redis.connect();
    const [port] = masters() as [number];
    const key = keys.get(port)?.[1] as string;
    const popped = redis.blpop(key, 5);
    await waitFor(() => redis.stats().connections.nodes?.[address(port)]?.leasePool?.active === 1, { what: 'the BLPOP on its node' });
    await redis.rpush(key, 'woken');
    assert.deepEqual(await popped, [`${PREFIX}${key}`, 'woken']);
    assert.equal(await redis.blpop(key, 0.05), null);
    assert.equal(redis.stats().connections.nodes?.[address(port)]?.leasePool?.idle, 1);
  });

  it('close() with a deadline during a BLPOP 0 on a node pool: close returns, the BLPOP fails typed, the node connection is gone', async () => {
    const redis = kit();
    await redis.connect();
    const [port] = masters() as [number];
    const key = keys.get(port)?.[1] as string;
    const blocked = redis.blpop(key, 0).then(
      () => undefined,
      (error: unknown) => error,
    );
    await waitFor(() => redis.stats().connections.nodes?.[address(port)]?.leasePool?.active === 1, { what: 'the BLPOP on its node' });
    const started = performance.now();
    await redis.close({ deadlineMs: 300 });
    const error = await blocked;
    // A wide safety net around the 300 ms deadline, not a measurement.
    assert.ok(performance.now() - started < 3000, `close returned after ${Math.round(performance.now() - started)} ms`);
    assert.ok(error instanceof RedisKitError, String(error));
    await waitFor(async () => !String(await lab.command(port, 'CLIENT', 'LIST')).includes('cmd=blpop'), {
      what: 'the blocked connection closed on the server',
    });
  });

  it('a hung node: sixty new leases for its slots fail typed by the acquire timeout, the others all succeed, the client-wide breaker stays closed', async (t) => {
    const ACQUIRE_MS = 2000;
    await using redis = kit({ acquireTimeoutMs: ACQUIRE_MS, maxConnections: 10, breakerFailureThreshold: 3 });
    await redis.connect();
    const [victim, ...others] = masters() as [number, ...number[]];
    const { replicas } = await lab.slotOwner(`${PREFIX}${keyOf(victim)}`);
    for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');
    t.after(async () => {
      for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no');
    });
    await lab.nodeCtl(victim, 'stop');
    try {
      const started = performance.now();
      const attempt = (port: number) =>
        redis
          .lease(keyOf(port), (conn) => conn.set(keyOf(port), 'v'))
          .then(
            () => ({ port, ok: true, code: undefined as string | undefined, ms: performance.now() - started }),
            (error: unknown) => ({
              port,
              ok: false,
              code: error instanceof RedisKitError ? error.code : String(error),
              ms: performance.now() - started,
            }),
          );
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => [attempt(victim), attempt(others[i % others.length] as number)]).flat(),
      );
      const hung = outcomes.filter((outcome) => outcome.port === victim);
      const healthy = outcomes.filter((outcome) => outcome.port !== victim);
      const codes: Record<string, number> = {};
      for (const outcome of hung) codes[String(outcome.code)] = (codes[String(outcome.code)] ?? 0) + 1;
      t.diagnostic(`hung node's leases: ${JSON.stringify(codes)}; slowest ${Math.round(Math.max(...hung.map((o) => o.ms)))} ms`);
      assert.ok(
        healthy.every((outcome) => outcome.ok),
        JSON.stringify(healthy.filter((o) => !o.ok)),
      );
      assert.ok(hung.every((outcome) => !outcome.ok));
      for (const code of Object.keys(codes)) assert.ok(['ERR_REDIS_POOL_TIMEOUT', 'ERR_REDIS_NODE_UNAVAILABLE'].includes(code), code);
      // A wide safety net around the acquire bound, not a measurement.
      assert.ok(
        hung.every((outcome) => outcome.ms < ACQUIRE_MS + 5000),
        'every lease ended by its acquire timeout',
      );
      const leasePool = redis.stats().connections.nodes?.[address(victim)]?.leasePool;
      assert.ok((leasePool?.active ?? 0) + (leasePool?.pendingCreates ?? 0) <= 10, JSON.stringify(leasePool));
      assert.equal(redis.stats().breaker.timesOpened, 0, 'the client-wide breaker stayed closed');
    } finally {
      await lab.nodeCtl(victim, 'cont');
    }
    // It comes back by itself: the node's breaker closes at its next probe or connection.
    await waitFor(
      () =>
        redis
          .lease(keyOf(victim), (conn) => conn.get(keyOf(victim)))
          .then(
            (value) => value === 'v' || value === null,
            () => false,
          ),
      { timeoutMs: 20_000, intervalMs: 200, what: 'a lease on the resumed node' },
    );
  });

  it('a slot moved while a lease is on its old node: SlotMovedError (nothing runs there), then leases follow the slot', async () => {
    await using redis = kit();
    await redis.connect();
    const [from, to] = masters() as [number, number];
    // A key nobody else writes, in a slot with no keys: it can move with no MIGRATE.
    let key = '';
    for (let i = 0; key === ''; i++) {
      const candidate = `moving${i}`;
      if ((await lab.slotOwner(`${PREFIX}${candidate}`)).master === from) key = candidate;
    }
    const slot = await lab.keySlot(`${PREFIX}${key}`);
    const nodes = await lab.clusterNodes();
    const idOf = (port: number): string => nodes.find((node) => node.port === port)?.id as string;
    const moveSlot = async (source: number, target: number): Promise<void> => {
      await lab.command(target, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', idOf(source));
      await lab.command(source, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', idOf(target));
      for (const port of [target, source, ...masters().filter((p) => p !== source && p !== target)]) {
        await lab.command(port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', idOf(target));
      }
    };
    let moved = false;
    try {
      const result = await redis.lease(key, async (conn) => {
        assert.equal(await conn.get(key), null);
        await moveSlot(from, to);
        moved = true;
        return conn.set(key, 'on the old node?').then(
          () => 'written',
          (error: unknown) => error,
        );
      });
      assert.ok(result instanceof SlotMovedError, String(result));
      assert.equal(result.code, 'ERR_REDIS_SLOT_MOVED');
      assert.equal(await lab.command(from, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot)), 0, 'nothing was written on the old node');
      // The lane reads the slot map again on its MOVED; the next lease for the key is on the new owner.
      await waitFor(
        () =>
          redis
            .lease(key, (conn) => conn.set(key, 'moved'))
            .then(
              () => true,
              () => false,
            ),
        { timeoutMs: 10_000, intervalMs: 100, what: 'a lease on the slot owner' },
      );
      assert.equal(await lab.command(to, 'GET', `${PREFIX}${key}`), 'moved');
      assert.equal(redis.stats().connections.nodes?.[address(to)]?.leasePool?.idle, 1);
      await redis.del(key);
    } finally {
      if (moved) await moveSlot(to, from);
    }
  });
});
