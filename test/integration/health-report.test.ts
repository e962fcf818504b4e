import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createRedis, healthSummary, type RedisKit } from '../../src/index.js';
import { checkOperational, HEALTH_KEY_NAMESPACE } from '../../src/observability/health-checks/operational.js';
import { parseInfo, serverFacts } from '../../src/observability/info-parser.js';
import { type RedisServer, type RespClient, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/** Wide thresholds: a loaded test machine must not turn 'healthy' into 'degraded' by latency. */
const RELAXED = { excellent: 1000, good: 2000, acceptable: 4000, poor: 8000 };

async function healthKeys(server: RedisServer): Promise<string> {
  return server.command('EVAL', `return #redis.call('KEYS', ARGV[1])`, '0', `*${HEALTH_KEY_NAMESPACE}*`);
}

describe('deep health report against a real server', () => {
  let server: RedisServer;
  let redis: RedisKit;
  before(async () => {
    server = await startRedis();
    redis = kitFor(server, { keyPrefix: 'app:' });
  });
  after(async () => {
    await redis.close();
    await server.stop();
  });

  it('parses the INFO text the server really sends', async () => {
    const text = String(await redis.sendCommand('info', []));
    const sections = parseInfo(text);
    for (const name of ['server', 'clients', 'memory', 'persistence', 'stats', 'replication']) assert.ok(sections[name], name);
    const facts = serverFacts(sections);
    assert.match(facts.version ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(facts.mode, 'standalone');
    assert.equal(facts.role, 'master');
    assert.ok((facts.usedMemoryBytes ?? 0) > 0);
    assert.ok((facts.connectedClients ?? 0) >= 1);
    assert.equal(facts.persistence?.rdbLastBgsaveStatus, 'ok');
  });

  it('healthy: every check passes, the operational key is gone, the summary names no host', async () => {
    const report = await redis.health({ deep: true, latencyThresholdsMs: RELAXED });
    assert.equal(report.status, 'healthy', JSON.stringify(report));
    for (const name of ['connectivity', 'performance', 'serverInfo', 'connectionPool', 'operational'] as const) {
      assert.equal(report.checks[name]?.status, 'pass', name);
      assert.ok((report.checks[name]?.durationMs ?? -1) >= 0);
    }
    assert.equal(report.checks.performance?.samplesMs?.length, 3);
    assert.ok(report.checks.operational?.key?.startsWith(HEALTH_KEY_NAMESPACE));
    assert.equal(await healthKeys(server), '0', 'no throwaway key left behind');
    const summary = JSON.stringify(healthSummary(report));
    assert.ok(!summary.includes(String(server.port)) && !summary.includes(server.host), summary);
  });

  it('shallow by default: no INFO, no write', async () => {
    const report = await redis.health({ latencyThresholdsMs: RELAXED });
    assert.equal(report.checks.serverInfo, undefined);
    assert.equal(report.checks.operational, undefined);
    assert.equal(report.checks.performance?.samplesMs?.length, 1);
  });

  it('noeviction with a cache on the client: degraded, with the warning', async () => {
    await server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    const cache = redis.cache({ namespace: 'h' });
    try {
      const report = await redis.health({ deep: true, latencyThresholdsMs: RELAXED });
      assert.equal(report.status, 'degraded');
      assert.equal(report.checks.serverInfo?.status, 'warn');
      assert.ok(
        report.warnings.some((w) => w.code === 'noeviction-with-cache'),
        JSON.stringify(report.warnings),
      );
    } finally {
      await cache.close();
    }
    const without = await redis.health({ deep: true, latencyThresholdsMs: RELAXED });
    assert.ok(!without.warnings.some((w) => w.code === 'noeviction-with-cache'), 'no cache, no warning');
  });

  it('connected clients at 90% of maxclients, for real', async () => {
    const held: RespClient[] = [];
    try {
      await server.command('CONFIG', 'SET', 'maxclients', '40');
      const current = Number((await server.command('INFO', 'clients')).match(/connected_clients:(\d+)/)?.[1]);
      // 37 of 40 with the helper's own connection: above 90%, below the limit.
      while (held.length < 37 - current) held.push(await server.connect());
      await waitFor(async () => (await redis.health({ deep: true })).warnings.some((w) => w.code === 'clients-near-max'), {
        what: 'the clients-near-max warning',
        timeoutMs: 10_000,
      });
      const report = await redis.health({ deep: true, latencyThresholdsMs: RELAXED });
      const warning = report.warnings.find((w) => w.code === 'clients-near-max');
      assert.match(warning?.message ?? '', /connected clients at \d+% of maxclients/);
      assert.equal(report.status, 'degraded');
    } finally {
      for (const client of held) client.close();
      await server.command('CONFIG', 'SET', 'maxclients', '10000');
    }
  });

  it('used memory near maxmemory, for real', async () => {
    const used = Number((await server.command('INFO', 'memory')).match(/used_memory:(\d+)/)?.[1]);
    await server.command('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await server.command('CONFIG', 'SET', 'maxmemory', String(Math.ceil(used * 1.05)));
    try {
      const report = await redis.health({ deep: true, latencyThresholdsMs: RELAXED });
      assert.ok(
        report.warnings.some((w) => w.code === 'memory-near-max'),
        JSON.stringify(report.warnings),
      );
    } finally {
      await server.command('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  it('server paused mid-check: the operational check fails by timeout, never throws, and its key expires', async () => {
    await redis.ping();
    await server.pause();
    let check: Awaited<ReturnType<typeof checkOperational>>;
    try {
      check = await checkOperational(redis, 200);
    } finally {
      await server.resume();
    }
    assert.equal(check.status, 'fail');
    assert.equal(check.step, 'set');
    assert.match(check.error?.code ?? '', /TIMEOUT/);
    // The SET was on the wire: the server runs it after SIGCONT; its PX TTL removes it.
    await waitFor(async () => (await healthKeys(server)) === '0', { what: 'the throwaway key to expire', timeoutMs: 30_000 });
  });

  it('unreachable: unhealthy, never rejects', async () => {
    const down = kitFor({ url: 'redis://127.0.0.1:1' });
    try {
      const report = await down.health({ deep: true, timeoutMs: 300 });
      assert.equal(report.status, 'unhealthy');
      assert.equal(report.checks.connectivity.status, 'fail');
      assert.ok(report.error?.code);
    } finally {
      await down.close();
    }
  });

  it('bad options reject', async () => {
    await assert.rejects(redis.health({ timeoutMs: Number.NaN }), { code: 'ERR_REDIS_INVALID_ARGUMENT' });
    await assert.rejects(redis.health({ latencyThresholdsMs: { excellent: 10, good: 1 } }), { code: 'ERR_REDIS_INVALID_ARGUMENT' });
  });

  it('memory:// mode: degraded by choice', async () => {
    const memory = createRedis({ env: {}, url: 'memory://' });
    const report = await memory.health({ deep: true });
    assert.equal(report.status, 'degraded');
    assert.equal(report.checks.connectivity.mode, 'memory');
    assert.match(report.checks.connectivity.message ?? '', /by choice/);
    await memory.close();
  });
});

describe('secrets: a password-protected server', () => {
  const password = 'health-secret-pw-93817';
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ['--requirepass', password] });
  });
  after(async () => server.stop());

  for (const [what, url] of [
    ['right password', () => `redis://:${password}@127.0.0.1:${server.port}`],
    ['wrong password', () => `redis://:${password}-wrong@127.0.0.1:${server.port}`],
  ] as const) {
    it(`${what}: the deep report, inspected to any depth, never contains the password`, async () => {
      const redis = kitFor({ url: url() });
      try {
        const report = await redis.health({ deep: true, timeoutMs: 500 });
        const shown = inspect(report, { depth: Number.POSITIVE_INFINITY });
        assert.ok(!shown.includes(password), shown);
        assert.ok(!JSON.stringify(report).includes(password));
      } finally {
        await redis.close();
      }
    });
  }
});
