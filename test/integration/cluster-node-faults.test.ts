import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CreateRedisOptions, createRedis, type RedisKit, RedisKitError } from '../../src/index.js';
import { debugResponse } from '../../src/observability/health-http.js';
import { createMetrics } from '../../src/observability/prometheus/index.js';
import { waitFor } from '../helpers/index.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { type ClusterLab, labClientOptions, keysByMaster, labSkipReason, startCluster } from '../helpers/redis-lab.js';

/**
 * One node of a real 6-node Cluster (shared/redis-lab) stops answering while
 * its replica is told not to fail over: the other masters' slots must keep
 * working under load (no client-wide breaker), and the dead node's slots must
 * fail by their deadline with typed errors, then at once (the node's own
 * breaker, naming `host:port`) once it has failed often enough in a row.
 *
 * `cluster-require-full-coverage no` on every node: with Redis's default
 * (yes), a master flagged FAIL with no failover makes the whole cluster
 * refuse every command (CLUSTERDOWN), which no client can work around.
 */
const skip = labSkipReason();
const PREFIX = 'faults:';
const COMMAND_TIMEOUT_MS = 500;

interface Outcome {
  port: number;
  ok: boolean;
  code: string | undefined;
  message: string;
  ms: number;
}

describe('a Cluster node that stops answering, with no failover (redis-lab)', { skip }, () => {
  let lab: ClusterLab;
  /** Three keys per master port. */
  let keys: Map<number, string[]>;

  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 1000 });
    for (const port of lab.nodePorts) await lab.command(port, 'CONFIG', 'SET', 'cluster-require-full-coverage', 'no');
    keys = await keysByMaster(lab, PREFIX, 3);
  });
  after(async () => {
    await lab?.down();
  });

  const kit = (options: CreateRedisOptions = {}): RedisKit =>
    createRedis({
      ...labClientOptions,
      mode: 'cluster',
      clusterNodes: lab.nodes,
      keyPrefix: PREFIX,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      breakerFailureThreshold: 3,
      ...options,
    });

  /** `callers` loops of GET over every key until `stop()`; each outcome recorded with its master. */
  function load(redis: RedisKit, callers: number): { outcomes: Outcome[]; stop: () => Promise<void> } {
    const outcomes: Outcome[] = [];
    const all = [...keys].flatMap(([port, list]) => list.map((key) => ({ port, key })));
    let running = true;
    const loops = Array.from({ length: callers }, async (_, caller) => {
      for (let i = caller; running; i++) {
        const { port, key } = all[i % all.length] as { port: number; key: string };
        const started = performance.now();
        try {
          await redis.get(key);
          outcomes.push({ port, ok: true, code: undefined, message: '', ms: performance.now() - started });
        } catch (error) {
          const typed = error instanceof RedisKitError ? error : undefined;
          outcomes.push({ port, ok: false, code: typed?.code, message: String(error), ms: performance.now() - started });
        }
      }
    });
    return {
      outcomes,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  it('the clusterTopology check is reachable as /debug/health/redis/cluster-topology', async () => {
    await using redis = kit();
    const response = await debugResponse(redis, 'cluster-topology');
    assert.equal(response.statusCode, 200);
    const body = response.body as { check: { status: string; slotsAssigned?: number; nodes?: unknown[] } | null };
    assert.equal(body.check?.slotsAssigned, 16384, JSON.stringify(body));
    assert.equal(body.check?.nodes?.length, 6);
  });

  it('a paused master: the other slots keep working under load, its slots fail typed, then fast, naming the node', async (t) => {
    await using redis = kit();
    await redis.connect();
    for (const list of keys.values()) for (const key of list) await redis.set(key, 'v');
    const [victim] = [...keys.keys()] as [number];
    const { replicas } = await lab.slotOwner(`${PREFIX}${keys.get(victim)?.[0]}`);
    for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');

    const running = load(redis, 20);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await lab.nodeCtl(victim, 'stop');
    const pausedAt = running.outcomes.length;
    const victimAddress = `127.0.0.1:${victim}`;
    const [victimKey, otherKey] = [keys.get(victim)?.[0] as string, [...keys].find(([port]) => port !== victim)?.[1][0] as string];
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await running.stop();
      const nodes = redis.stats().connections.nodes ?? {};
      assert.equal(nodes[victimAddress]?.breaker.state, 'open', `the paused node's breaker: ${JSON.stringify(nodes)}`);
      for (const [address, figures] of Object.entries(nodes)) {
        if (address !== victimAddress) assert.equal(figures.breaker.state, 'closed', `${address}'s breaker`);
      }
      // A health report (shallow: no command) says so.
      const report = await redis.health();
      assert.deepEqual(report.checks.connectionPool?.openNodes, [victimAddress]);
      assert.ok(
        report.warnings.some((w) => w.code === 'node-breaker-open' && w.message.includes(victimAddress)),
        JSON.stringify(report.warnings),
      );
      // The same per node in Prometheus: labelled node="host:port", one series per node and role.
      const metrics = createMetrics(redis);
      try {
        const text = await metrics.exposition();
        const { code, output } = await promtoolCheck(text);
        assert.equal(output.trim(), '', 'promtool printed no lint problem');
        assert.equal(code, 0);
        assert.match(text, new RegExp(`^redis_kit_node_breaker_open\\{node="${victimAddress}"\\} 1$`, 'm'));
        const breakerSeries = text.split('\n').filter((line) => line.startsWith('redis_kit_node_breaker_open{'));
        assert.equal(breakerSeries.length, Object.keys(nodes).length, 'one breaker series per node');
        assert.ok(breakerSeries.length <= lab.nodePorts.length, `bounded by the cluster's nodes: ${breakerSeries.join(', ')}`);
        for (const port of await lab.masters([...lab.nodePorts].filter((p) => p !== victim))) {
          if (port === victim) continue;
          assert.match(text, new RegExp(`^redis_kit_node_connections\\{node="127\\.0\\.0\\.1:${port}",role="lane"\\} [12]$`, 'm'));
          assert.match(text, new RegExp(`^redis_kit_node_breaker_open\\{node="127\\.0\\.0\\.1:${port}"\\} 0$`, 'm'));
        }
        assert.ok(!/password|secret/i.test(text));
      } finally {
        await metrics.close();
      }
      // A lease for the paused node's key fails at once, typed; one for another node's key works.
      const leased = await redis.lease(victimKey, (conn) => conn.get(victimKey)).catch((error: unknown) => error);
      assert.ok(leased instanceof RedisKitError && leased.code === 'ERR_REDIS_NODE_UNAVAILABLE', String(leased));
      assert.equal(await redis.lease(otherKey, (conn) => conn.get(otherKey)), 'v');
    } finally {
      await lab.nodeCtl(victim, 'cont');
    }
    const during = running.outcomes.slice(pausedAt);
    const others = during.filter((o) => o.port !== victim);
    const dead = during.filter((o) => o.port === victim);
    const byCode = (list: Outcome[]) =>
      list.reduce<Record<string, number>>((acc, o) => {
        const code = o.ok ? 'ok' : (o.code ?? 'untyped');
        acc[code] = (acc[code] ?? 0) + 1;
        return acc;
      }, {});
    t.diagnostic(`other masters: ${JSON.stringify(byCode(others))}; paused ${victim}: ${JSON.stringify(byCode(dead))}`);
    t.diagnostic(`breaker ${JSON.stringify(redis.stats().breaker)}`);
    const samples = new Map(dead.filter((o) => !o.ok).map((o) => [o.code, o.message]));
    t.diagnostic(`paused node's errors: ${JSON.stringify([...samples])}`);

    const otherFailures = others.filter((o) => !o.ok);
    assert.deepEqual(otherFailures.slice(0, 5), [], "no command for the other masters' keys failed");
    assert.ok(others.length > 100, `the other masters kept answering: ${others.length}`);
    assert.equal(redis.stats().breaker.timesOpened, 0, 'the client-wide breaker never opened');

    assert.ok(dead.length > 0);
    for (const outcome of dead) {
      assert.ok(!outcome.ok && outcome.code !== undefined, `typed: ${outcome.message}`);
      // A wide safety net (10× the deadline), not a measurement.
      assert.ok(outcome.ms < 10 * COMMAND_TIMEOUT_MS, `by its deadline: ${Math.round(outcome.ms)} ms`);
    }
    const fast = dead.filter((o) => o.code === 'ERR_REDIS_NODE_UNAVAILABLE');
    assert.ok(fast.length > dead.length / 2, `most of the paused node's commands failed at once: ${JSON.stringify(byCode(dead))}`);
    assert.match(fast[0]?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${victim}`), 'the error names the node');

    // The probe finds the node answering again and closes its breaker.
    await waitFor(async () => (await redis.get(victimKey).catch(() => undefined)) === 'v', {
      timeoutMs: 15_000,
      what: 'the resumed node answers again',
    });
    assert.equal(redis.stats().connections.nodes?.[victimAddress]?.breaker.state, 'closed');
    assert.equal(redis.stats().breaker.timesOpened, 0);
    assert.deepEqual((await redis.health()).checks.connectionPool?.openNodes, []);
    for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no');
  });

  it('a lease opened while a node hangs (a cold pool, no failure counted yet) gets its connection or a typed error by acquireTimeoutMs', async (t) => {
    const ACQUIRE_MS = 3000;
    const [victim] = [...keys.keys()] as [number];
    const victimKey = keys.get(victim)?.[0] as string;
    const otherKey = [...keys].find(([port]) => port !== victim)?.[1][0] as string;
    const { replicas } = await lab.slotOwner(`${PREFIX}${victimKey}`);
    for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');
    const clients = [kit({ acquireTimeoutMs: ACQUIRE_MS }), kit({ acquireTimeoutMs: ACQUIRE_MS }), kit({ acquireTimeoutMs: ACQUIRE_MS })];
    try {
      for (const redis of clients) await redis.connect(); // the lanes; no lease connection yet
      await lab.nodeCtl(victim, 'stop');
      try {
        for (const redis of clients) {
          const started = performance.now();
          const [other, hung] = await Promise.allSettled([
            redis.lease(otherKey, (conn) => conn.get(otherKey)),
            redis.lease(victimKey, (conn) => conn.get(victimKey)),
          ]);
          const ms = performance.now() - started;
          t.diagnostic(
            `other node's lease: ${other.status === 'fulfilled' ? other.value : String(other.reason)}; hung node's lease: ${hung.status === 'fulfilled' ? hung.value : String(hung.reason)}; ${Math.round(ms)} ms`,
          );
          assert.equal(other.status === 'fulfilled' ? other.value : String(other.reason), 'v', "the other node's key is leased");
          assert.equal(hung.status, 'rejected');
          assert.ok(hung.status === 'rejected' && hung.reason instanceof RedisKitError, String(hung));
          // A wide safety net around the acquire bound (the lease's own timeout), not a measurement.
          assert.ok(ms < ACQUIRE_MS + 2000, `within the acquire timeout: ${Math.round(ms)} ms`);
          assert.equal(redis.stats().breaker.timesOpened, 0, 'the client-wide breaker stayed closed');
        }
      } finally {
        await lab.nodeCtl(victim, 'cont');
      }
    } finally {
      await Promise.all(clients.map((redis) => redis.close()));
      for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no');
    }
  });

  it('readFrom replica-preferred: a paused primary refuses its writes fast, while its replica goes on serving its reads', async () => {
    await using redis = kit({ readFrom: 'replica-preferred' });
    await redis.connect();
    const [victim] = [...keys.keys()] as [number];
    const key = keys.get(victim)?.[1] as string;
    const { replicas } = await lab.slotOwner(`${PREFIX}${key}`);
    for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');
    try {
      assert.equal(await redis.set(key, 'replicated'), 'OK');
      for (const replica of replicas) {
        await waitFor(async () => ((await lab.command(replica, 'KEYS', `${PREFIX}${key}`)) as string[]).length === 1, {
          what: `the write on replica ${replica}`,
        });
      }
      await lab.nodeCtl(victim, 'stop');
      try {
        // Writes fail until the primary's breaker opens, then at once.
        let refused: unknown;
        for (let i = 0; i < 20 && !(refused instanceof RedisKitError && refused.code === 'ERR_REDIS_NODE_UNAVAILABLE'); i++) {
          refused = await redis.set(key, 'lost?').then(
            () => undefined,
            (error: unknown) => error,
          );
        }
        assert.ok(refused instanceof RedisKitError && refused.code === 'ERR_REDIS_NODE_UNAVAILABLE', String(refused));
        for (let i = 0; i < 5; i++) assert.equal(await redis.get(key), 'replicated', 'read from the replica, not refused');
      } finally {
        await lab.nodeCtl(victim, 'cont');
      }
    } finally {
      for (const replica of replicas) await lab.command(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no');
    }
  });

  // Last: it leaves a master dead (replaced by its replica).
  it('a killed master that fails over: its breaker opens, then the slot map moves its slots and writes go to the new owner', async (t) => {
    await using redis = kit();
    await redis.connect();
    const [victim] = [...keys.keys()] as [number];
    const victimKey = keys.get(victim)?.[0] as string;
    const victimAddress = `127.0.0.1:${victim}`;
    const { replicas } = await lab.slotOwner(`${PREFIX}${victimKey}`);
    assert.equal(await redis.set(victimKey, 'before'), 'OK');
    const running = load(redis, 10);
    await lab.nodeCtl(victim, 'kill');
    const killedAt = running.outcomes.length;
    try {
      await waitFor(() => redis.stats().connections.nodes?.[victimAddress]?.breaker.state === 'open', {
        timeoutMs: 10_000,
        what: "the killed node's breaker to open",
      });
      const owner = async () => (await lab.slotOwner(`${PREFIX}${victimKey}`, replicas)).master;
      await waitFor(async () => replicas.includes(await owner()), { timeoutMs: 30_000, what: 'the replica promoted' });
      await waitFor(async () => (await redis.set(victimKey, 'after').catch(() => undefined)) === 'OK', {
        timeoutMs: 15_000,
        what: 'writes to the failed-over slots succeed',
      });
    } finally {
      await running.stop();
    }
    const after = running.outcomes.slice(killedAt);
    const failedElsewhere = after.filter((o) => o.port !== victim && !o.ok);
    t.diagnostic(
      `failures on the other masters: ${failedElsewhere.length}; on the killed one: ${after.filter((o) => o.port === victim && !o.ok).length}`,
    );
    for (const o of after) assert.ok(o.ok || o.code !== undefined, `typed: ${o.message}`);
    assert.equal(redis.stats().breaker.timesOpened, 0, 'the client-wide breaker never opened');
    assert.equal(
      await lab.command(
        await (async () => (await lab.slotOwner(`${PREFIX}${victimKey}`, replicas)).master)(),
        'GET',
        `${PREFIX}${victimKey}`,
      ),
      'after',
    );
    await waitFor(() => redis.stats().connections.nodes?.[victimAddress]?.breaker.state !== 'open', {
      timeoutMs: 10_000,
      what: "the old master's breaker to be dropped once it serves no slot",
    });
  });
});
