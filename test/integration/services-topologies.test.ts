import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, createRedis, type RedisKit, RedisKitError } from '../../src/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { testEngine } from '../helpers/kit.js';
import { type ClusterLab, labSkipReason, type SentinelLab, startCluster, startSentinel } from '../helpers/redis-lab.js';
import { type ScenarioContext, serviceScenarios } from '../helpers/service-scenarios.js';

/**
 * Issue #9, "done when": the same application code runs unchanged on standalone, Cluster and
 * Sentinel by changing environment variables only. Every scenario of test/helpers/service-scenarios.ts
 * runs here three times, on clients made by `createRedis({ env })` from nothing but an environment
 * object: REDIS_URL for a standalone server, REDIS_MODE + REDIS_CLUSTER_NODES for the lab Cluster,
 * REDIS_MODE + REDIS_SENTINELS + REDIS_SENTINEL_MASTER for the lab Sentinel group.
 */
const skip = labSkipReason();
const PREFIX = 'scn:';
const Item = z.object({ sku: z.string(), n: z.number().int() });

/**
 * What every topology shares: the key prefix and the engine under test. Timeouts stay at their
 * defaults: nothing here injects a fault, and on a Cluster a burst of leases (each a new cluster
 * client) took more than a 1 s connect timeout on the loaded 2-core test machine.
 */
const COMMON_ENV = {
  REDIS_KEY_PREFIX: PREFIX,
  REDIS_ENGINE: testEngine,
} as const;

/** The application's code: a client from an environment, nothing else. */
function clientFrom(env: Record<string, string>): RedisKit {
  return createRedis({ env });
}

/** Runs every scenario on clients made from `env()`, each with a fresh client (and, on request, a second one). */
function runScenarios(
  mode: ScenarioContext['mode'],
  env: () => Record<string, string>,
  keysPerPrimary: (pattern: string) => Promise<number[]>,
): void {
  for (const scenario of serviceScenarios) {
    it(scenario.name, async () => {
      await using redis = clientFrom(env());
      await scenario.run(redis, { mode, keyPrefix: PREFIX, another: () => clientFrom(env()), keysPerPrimary });
    });
  }
}

describe('every service on a standalone server, configured by environment only', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
  });
  runScenarios(
    'standalone',
    () => ({ ...COMMON_ENV, REDIS_URL: server.url }),
    async (pattern) => [((await server.call('KEYS', pattern)) as string[]).length],
  );
});

describe('every service on Redis Cluster (redis-lab), configured by environment only', { skip }, () => {
  let lab: ClusterLab;
  let env: Record<string, string>;
  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 6000 });
    env = {
      ...COMMON_ENV,
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: lab.nodes.map((node) => `${node.host}:${node.port}`).join(','),
    };
    // The lab is ready once slots are covered; the health scenario also wants every master's replica attached,
    // in the view of every node (a deep report asks one node, and a replica's attach reaches the others' views
    // over the cluster bus, later on a loaded machine).
    await waitFor(
      async () => {
        for (const port of lab.nodePorts) {
          const nodes = await lab.clusterNodes([port]);
          const healthy = nodes.filter((node) => !node.flags.includes('fail') && !node.flags.includes('fail?'));
          const masters = healthy.filter((node) => node.flags.includes('master') && node.slots.length > 0);
          if (masters.length !== 3 || !masters.every((master) => healthy.some((node) => node.masterId === master.id))) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: "every master's replica attached, in every node's view" },
    );
  });
  after(async () => {
    await lab?.down();
  });
  runScenarios(
    'cluster',
    () => env,
    async (pattern) =>
      Promise.all((await lab.masters()).map(async (port) => ((await lab.command(port, 'KEYS', pattern)) as string[]).length)),
  );

  it('cluster key layout: a repository with unique fields under one hash tag (one slot), one without spread', async () => {
    await using redis = clientFrom(env);
    const tagged = redis.repository({ namespace: 'layout-u', schema: Item, unique: ['sku'] });
    const plain = redis.repository({ namespace: 'layout-p', schema: Item });
    await Promise.all(Array.from({ length: 30 }, (_, i) => tagged.create({ sku: `s${i}`, n: i })));
    await Promise.all(Array.from({ length: 30 }, (_, i) => plain.create({ sku: `s${i}`, n: i })));
    const taggedKeys = await keysOnMasters(`${PREFIX}{layout-u}:*`);
    assert.equal(taggedKeys.flat().length, 60, '30 records and 30 unique keys, all tagged');
    assert.equal(taggedKeys.filter((keys) => keys.length > 0).length, 1, 'on one master');
    assert.equal(new Set(await Promise.all(taggedKeys.flat().map((key) => lab.keySlot(key)))).size, 1, 'in one slot');
    const plainKeys = await keysOnMasters(`${PREFIX}layout-p:r:*`);
    assert.equal(plainKeys.flat().length, 30);
    assert.equal(plainKeys.filter((keys) => keys.length > 0).length, 3, 'records without unique fields on every master');
    // A key prefix that voids the namespace's tag is refused when the repository is made, not on its first write.
    await using voided = createRedis({ env: { ...env, REDIS_KEY_PREFIX: 'x{}:' } });
    assert.throws(() => voided.repository({ namespace: 'layout-u', schema: Item, unique: ['sku'] }), ConfigError);
    await voided.repository({ namespace: 'layout-p', schema: Item }).close();
  });

  // Last: it leaves a master dead.
  it('list() across a failover: the node that failed over is listed again from its start, no record missed', async (t) => {
    await using redis = clientFrom(env);
    const items = redis.repository({ namespace: 'failover-list', schema: Item });
    const created = await Promise.all(Array.from({ length: 300 }, (_, n) => items.create({ sku: `s${n}`, n })));
    await replicasInSync(`${PREFIX}failover-list:r:*`);

    const seen: string[] = [];
    const first = await items.list({ limit: 40 });
    seen.push(...first.records.map((record) => record.id));
    assert.ok(first.cursor !== undefined && first.records.length > 0);
    // The master that served the first page (the walk is inside its SCAN now) dies.
    const victim = (await lab.slotOwner(`${PREFIX}failover-list:r:${(first.records.at(-1) as { id: string }).id}`)).master;
    await lab.nodeCtl(victim, 'kill');
    let cursor: string | undefined = first.cursor;
    const errors = new Set<string>();
    const giveUpAt = performance.now() + 60_000;
    while (cursor !== undefined) {
      try {
        const page: { records: { id: string }[]; cursor: string | undefined } = await items.list({ cursor, limit: 40 });
        seen.push(...page.records.map((record) => record.id));
        cursor = page.cursor;
      } catch (error) {
        // Until the replica is promoted and the slot map says so: typed errors, and the same cursor again.
        assert.ok(error instanceof RedisKitError, String(error));
        errors.add(error.code);
        assert.ok(performance.now() < giveUpAt, `list() still failing 60 s after the kill: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const repeated = seen.length - new Set(seen).size;
    t.diagnostic(`killed ${victim}; ${seen.length} ids listed for 300 records (${repeated} repeated); errors: ${[...errors].join(', ')}`);
    assert.deepEqual([...new Set(seen)].sort(), created.map((record) => record.id).sort(), 'every record listed');
    await items.close();
  });

  async function keysOnMasters(pattern: string): Promise<string[][]> {
    return Promise.all((await lab.masters()).map(async (port) => (await lab.command(port, 'KEYS', pattern)) as string[]));
  }

  /** Every replica holds what its master holds under `pattern` (a SIGKILL loses what was not replicated yet). */
  async function replicasInSync(pattern: string): Promise<void> {
    const nodes = await lab.clusterNodes();
    for (const master of nodes.filter((node) => node.flags.includes('master') && node.slots.length > 0)) {
      const count = ((await lab.command(master.port, 'KEYS', pattern)) as string[]).length;
      for (const replica of nodes.filter((node) => node.masterId === master.id)) {
        await waitFor(async () => ((await lab.command(replica.port, 'KEYS', pattern)) as string[]).length === count, {
          what: `replica ${replica.port} in sync with ${master.port}`,
        });
      }
    }
  }
});

describe('every service on Redis Sentinel (redis-lab), configured by environment only', { skip }, () => {
  let lab: SentinelLab;
  let env: Record<string, string>;
  before(async () => {
    lab = await startSentinel();
    env = {
      ...COMMON_ENV,
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: lab.sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(','),
      REDIS_SENTINEL_MASTER: lab.masterName,
    };
  });
  after(async () => {
    await lab?.down();
  });
  // The master at start stays the master until the last test.
  runScenarios(
    'sentinel',
    () => env,
    async (pattern) => [((await lab.command(lab.masterPort, 'KEYS', pattern)) as string[]).length],
  );

  // Last: it moves the master.
  it('after a failover, the client made before it runs every scenario again, on the promoted replica', async (t) => {
    await using redis = clientFrom(env);
    await redis.connect();
    const victim = lab.masterPort;
    const sentinelsMaster = async (): Promise<number> =>
      Number(((await lab.command(lab.sentinelPorts[0] as number, 'SENTINEL', 'get-master-addr-by-name', lab.masterName)) as string[])[1]);
    await lab.nodeCtl(victim, 'kill');
    let promoted = victim;
    await waitFor(
      async () => {
        promoted = await sentinelsMaster();
        return promoted !== victim;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the sentinels to promote the replica' },
    );
    // The old master comes back as the new one's replica (the health scenario wants a replica), and
    // the first run's data goes: the scenarios create the same records and unique values again.
    await lab.nodeCtl(victim, 'start');
    await waitFor(async () => (await redis.health({ deep: true })).checks.sentinel?.status === 'pass', {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the sentinels to see the promoted master with its replica',
    });
    await lab.command(promoted, 'FLUSHALL');
    t.diagnostic(`killed ${victim}; ${promoted} promoted; the same client runs every scenario again`);
    for (const scenario of serviceScenarios) {
      await t.test(scenario.name, () =>
        scenario.run(redis, {
          mode: 'sentinel',
          keyPrefix: PREFIX,
          another: () => clientFrom(env),
          keysPerPrimary: async (pattern) => [((await lab.command(promoted, 'KEYS', pattern)) as string[]).length],
        }),
      );
    }
  });
});
