import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, type RedisServer, startRedis } from '../helpers/index.js';
import { cliEnv, describeRun, ENGINE_ENV, killCliChildren, runCli } from '../helpers/run-cli.js';
import type { ThroughputReport } from '../../src/probe/throughput-probe.js';

/**
 * `redis-kit bench` spawned as a process against a real server this file starts. Every run is
 * kept short (a few hundred operations, or --duration 0.3) so the file takes a few seconds.
 *
 * The cli-progress bar is not asserted: it is drawn only when stderr is a terminal, and a spawned
 * child's stderr here is a pipe. Checking it would need a pseudo-terminal, which Node cannot open
 * without a native module (util-linux's script(1) can, but it is not on every CI image), and the
 * frames it draws are cli-progress's, not ours. It was checked by hand:
 * `script -qc 'redis-kit bench --duration 1.5' /dev/null` draws the bar and clears it before the
 * table. What is asserted is the other half of the rule: on a pipe nothing at all is drawn
 * (stderr stays empty), so logs and CI output get the summary table only.
 */

/** What `bench --json` prints: the probe's report and where it ran. */
type BenchJson = ThroughputReport & { target: string };

function assertLatencyShape(report: BenchJson): void {
  const { latency } = report;
  assert.equal(latency.count, report.operations, 'one latency sample per operation');
  for (const [name, value] of Object.entries(latency)) {
    assert.ok(Number.isFinite(value) && value >= 0, `latency.${name} = ${value}`);
  }
  assert.ok(latency.maxMs > 0, `max latency ${latency.maxMs}`);
  // Percentiles are bucket middles clamped to the exact max (src/pool/histogram.ts), so they are ordered.
  assert.ok(latency.p50Ms <= latency.p90Ms && latency.p90Ms <= latency.p99Ms && latency.p99Ms <= latency.maxMs, JSON.stringify(latency));
}

describe('CLI: redis-kit bench', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    killCliChildren();
    await server?.stop();
  });
  const env = () => cliEnv({ ...ENGINE_ENV, REDIS_URL: server.url });

  it('--json --operations: one JSON document with the counts, ops/s and percentiles; the probe keys are deleted', async () => {
    const result = await runCli(['bench', '--json', '--operations', '400', '--concurrency', '4', '--value-size', '32'], env());
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stderr, '', 'no progress bar, no warnings');
    const report = JSON.parse(result.stdout) as BenchJson;
    assert.equal(report.target, `127.0.0.1:${server.port} (standalone)`);
    assert.equal(report.operations, 400);
    assert.equal(report.gets + report.sets, 400);
    assert.ok(report.gets > 0 && report.sets > 0, `a GET/SET mix: ${report.gets} GET, ${report.sets} SET`);
    assert.equal(report.errors, 0);
    assert.deepEqual(report.errorCodes, {});
    assert.equal(report.concurrency, 4);
    assert.equal(report.valueSize, 32);
    assert.ok(report.durationMs > 0, `durationMs ${report.durationMs}`);
    assert.ok(report.opsPerSecond > 0, `opsPerSecond ${report.opsPerSecond}`);
    // ops/s is the count over the elapsed time, not a separate estimate.
    assert.ok(Math.abs(report.opsPerSecond - (report.operations * 1000) / report.durationMs) < report.opsPerSecond * 0.01);
    assertLatencyShape(report);
    assert.equal(await server.command('DBSIZE'), '0', 'the probe keys ({redis-kit:probe}:*) are gone');
  });

  it('--duration runs for that long (the operation count is the outcome), with --read-ratio honoured', async () => {
    const result = await runCli(['bench', '--json', '--duration', '0.3', '--read-ratio', '0.9'], env());
    assert.equal(result.code, 0, describeRun(result));
    const report = JSON.parse(result.stdout) as BenchJson;
    assert.ok(report.durationMs >= 300, `ran ${report.durationMs} ms`);
    // Wide safety net: the run is time-bound, not count-bound.
    assert.ok(report.durationMs < 3000, `ran ${report.durationMs} ms`);
    assert.ok(report.operations > 0, `operations ${report.operations}`);
    assert.ok(report.gets > report.sets * 3, `mostly GETs at 0.9: ${report.gets} GET, ${report.sets} SET`);
    assertLatencyShape(report);
  });

  it('without --json on a pipe: the summary table on stdout, nothing drawn on stderr', async () => {
    const result = await runCli(['bench', '--operations', '200'], env());
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal');
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^┌─+┬─+┐$/);
    assert.match(lines.at(-1) ?? '', /^└─+┴─+┘$/);
    const rows = new Map(
      lines.slice(1, -1).map((line) => {
        const cells = /^│ (.+?) +│ (.+?) +│$/.exec(line);
        assert.ok(cells !== null, `a table row: ${line}`);
        return [cells[1], cells[2]] as const;
      }),
    );
    assert.deepEqual(
      [...rows.keys()],
      [
        'target',
        'operations',
        'errors',
        'concurrency',
        'value size',
        'duration',
        'throughput',
        'latency p50',
        'latency p90',
        'latency p99',
        'latency max',
      ],
    );
    assert.equal(rows.get('target'), `127.0.0.1:${server.port} (standalone)`);
    assert.match(rows.get('operations') ?? '', /^200 \(\d+ GET, \d+ SET\)$/);
    assert.equal(rows.get('errors'), '0');
    assert.equal(rows.get('concurrency'), '10', 'the default');
    assert.equal(rows.get('value size'), '100 B', 'the default');
    assert.match(rows.get('throughput') ?? '', /^[1-9]\d* ops\/s$/);
    for (const p of ['p50', 'p90', 'p99', 'max']) assert.match(rows.get(`latency ${p}`) ?? '', /^\d+\.\d{3} ms$/);
  });

  for (const [flag, value, range] of [
    ['--operations', '0', 'an integer from 1 to 1000000'],
    ['--operations', '1e3', 'an integer from 1 to 1000000'],
    ['--concurrency', '1001', 'an integer from 1 to 1000'],
    ['--value-size', '1048577', 'an integer from 1 to 1048576'],
    ['--duration', '0.05', 'a number from 0.1 to 600'],
    ['--read-ratio', '1.5', 'a number from 0 to 1'],
  ] as const) {
    it(`${flag} ${value}: exit 2, the flag and its range, then the usage; nothing run`, async () => {
      // A closed port: were the flags not checked first, this would fail to connect (exit 1) instead.
      const result = await runCli(['bench', flag, value], cliEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
      assert.equal(result.code, 2, describeRun(result));
      assert.equal(result.stdout, '');
      const [first] = result.stderr.split('\n');
      assert.equal(first, `redis-kit bench: ${flag} must be ${range}; received "${value}"`);
      assert.match(result.stderr, /^usage: redis-kit bench \[--operations N\]/m);
    });
  }

  it('memory://: exit 1 and one line saying there is nothing to measure', async () => {
    const result = await runCli(['bench', '--operations', '10'], cliEnv({ REDIS_URL: 'memory://' }));
    assert.equal(result.code, 1, describeRun(result));
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'redis-kit bench: REDIS_URL is memory://; there is no Redis to measure\n');
  });

  it('a closed port: exit 1 and one line naming where it tried, no stack trace', async () => {
    const port = await freePort();
    const result = await runCli(['bench', '--operations', '10'], cliEnv({ ...ENGINE_ENV, REDIS_URL: `redis://127.0.0.1:${port}` }));
    assert.equal(result.code, 1, describeRun(result));
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0] ?? '',
      new RegExp(`^redis-kit bench: cannot connect to 127\\.0\\.0\\.1:${port} \\(standalone\\): .*ECONNREFUSED`),
    );
  });
});
