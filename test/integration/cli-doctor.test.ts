import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, type RedisServer, startRedis } from '../helpers/index.js';
import { cliEnv, describeRun, ENGINE_ENV, killCliChildren, runCli } from '../helpers/run-cli.js';

/** `redis-kit doctor` spawned as a process against real servers this file starts. */

interface Check {
  name: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}
interface DoctorJson {
  target: string;
  ok: boolean;
  checks: Check[];
}

/** Every check doctor runs against a reachable standalone server, in order. */
const ALL_CHECKS = [
  'dns',
  'tcp',
  'tls',
  'auth',
  'acl',
  'latency',
  'version',
  'maxmemory',
  'persistence',
  'maxclients',
  'topology',
  'client-tracking',
];

/** One text line per check: `pass  name  detail` or `WARN|FAIL  name  detail → fix`. */
function lineOf(stdout: string, name: string): string {
  const line = stdout.split('\n').find((l) => new RegExp(`^(pass|WARN|FAIL) {2}${name}\\s`).test(l));
  assert.ok(line !== undefined, `a line for the ${name} check in:\n${stdout}`);
  return line;
}

function parseReport(stdout: string): DoctorJson {
  const report = JSON.parse(stdout) as DoctorJson;
  assert.equal(typeof report.ok, 'boolean');
  assert.ok(Array.isArray(report.checks));
  return report;
}

describe('CLI: redis-kit doctor', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    killCliChildren();
    await server?.stop();
  });
  const envFor = (url: string, vars: Record<string, string> = {}) => cliEnv({ ...ENGINE_ENV, REDIS_URL: url, ...vars });

  it('against a reachable server: a pass line for each check that must pass, a summary, exit 0', async () => {
    const result = await runCli(['doctor'], envFor(server.url));
    assert.equal(result.code, 0, describeRun(result));
    for (const name of ['dns', 'tcp', 'tls', 'auth', 'acl', 'latency', 'version', 'maxclients', 'topology', 'client-tracking']) {
      assert.match(lineOf(result.stdout, name), /^pass /, `${name} passes`);
    }
    // The test server has no maxmemory and no persistence: doctor says so, as warnings with a fix.
    assert.match(lineOf(result.stdout, 'maxmemory'), /^WARN .*no maxmemory limit.* → set maxmemory/);
    assert.match(lineOf(result.stdout, 'persistence'), /^WARN .*AOF off, RDB off → /);
    assert.doesNotMatch(result.stdout, /^FAIL/m);
    assert.match(result.stdout, new RegExp(`^doctor: 127\\.0\\.0\\.1:${server.port} \\(standalone\\): no failures$`, 'm'));
    assert.equal(result.stderr, '');
  });

  it('--json: one document with every check, each with a status, and ok true', async () => {
    const result = await runCli(['doctor', '--json'], envFor(server.url));
    assert.equal(result.code, 0, describeRun(result));
    const report = parseReport(result.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.target, `127.0.0.1:${server.port} (standalone)`);
    assert.deepEqual(
      report.checks.map((c) => c.name),
      ALL_CHECKS,
    );
    for (const check of report.checks) {
      assert.ok(['pass', 'warn'].includes(check.status), `${check.name}: ${check.status}`);
      assert.ok(check.detail.length > 0, `${check.name} has a detail`);
      // A warning always says what to do; a pass needs no fix.
      assert.equal(check.fix !== undefined, check.status === 'warn', `${check.name}: fix ${String(check.fix)}`);
    }
  });

  it('a closed port: a tcp fail line saying what to do, nothing after it, exit 1', async () => {
    const port = await freePort();
    const result = await runCli(['doctor'], envFor(`redis://127.0.0.1:${port}`));
    assert.equal(result.code, 1, describeRun(result));
    const tcp = lineOf(result.stdout, 'tcp');
    assert.match(tcp, new RegExp(`^FAIL {2}tcp .*cannot connect to 127\\.0\\.0\\.1:${port} .*ECONNREFUSED`));
    assert.match(tcp, / → start Redis there, or point REDIS_URL at where it runs/);
    // The checks that need a connection are not attempted: they would only repeat the failure.
    assert.doesNotMatch(result.stdout, /^(pass|WARN|FAIL) {2}auth/m);
    assert.match(result.stdout, /: 1 failed$/m);

    const json = await runCli(['doctor', '--json'], envFor(`redis://127.0.0.1:${port}`));
    assert.equal(json.code, 1, describeRun(json));
    const report = parseReport(json.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.checks.map((c) => `${c.name}:${c.status}`),
      ['dns:pass', 'tcp:fail'],
    );
    assert.ok(report.checks[1]?.fix?.includes('REDIS_URL'), JSON.stringify(report.checks[1]));
  });

  describe('a server with requirepass', () => {
    const RIGHT = 'Right-Pw-7f3a9c';
    const WRONG = 'Wrong-Pw-91c2e4';
    let locked: RedisServer;
    before(async () => {
      locked = await startRedis({ args: ['--requirepass', RIGHT] });
    });
    after(async () => {
      await locked?.stop();
    });

    const assertNoPassword = (result: { stdout: string; stderr: string }) => {
      for (const secret of [RIGHT, WRONG]) {
        for (const [stream, text] of Object.entries(result)) {
          if (typeof text === 'string') assert.ok(!text.includes(secret), `${stream} shows a password:\n${text}`);
        }
      }
    };

    it('a wrong password (REDIS_PASSWORD): an auth fail line with the fix, exit 1, the password never printed', async () => {
      const result = await runCli(['doctor'], envFor(locked.url, { REDIS_PASSWORD: WRONG }));
      assert.equal(result.code, 1, describeRun(result));
      assert.match(lineOf(result.stdout, 'auth'), /^FAIL {2}auth .*WRONGPASS.* → check REDIS_PASSWORD \/ REDIS_USERNAME/);
      assert.match(lineOf(result.stdout, 'tcp'), /^pass /, 'the network was fine');
      assertNoPassword(result);
    });

    it('a wrong password in REDIS_URL, --json: ok false, the auth check failed, the password never printed', async () => {
      const result = await runCli(['doctor', '--json'], envFor(`redis://:${WRONG}@127.0.0.1:${locked.port}`));
      assert.equal(result.code, 1, describeRun(result));
      const report = parseReport(result.stdout);
      assert.equal(report.ok, false);
      const auth = report.checks.find((c) => c.name === 'auth');
      assert.equal(auth?.status, 'fail', JSON.stringify(report.checks));
      assertNoPassword(result);
    });

    it('the right password: authenticated, exit 0, the password still never printed', async () => {
      const result = await runCli(['doctor'], envFor(`redis://:${RIGHT}@127.0.0.1:${locked.port}`));
      assert.equal(result.code, 0, describeRun(result));
      assert.match(lineOf(result.stdout, 'auth'), /^pass {2}auth .*authenticated as default/);
      assertNoPassword(result);
    });
  });

  it('--processes: little maxclients headroom is a warning, too little a failure', async () => {
    // Per process redis-kit may open lanes + REDIS_MAX_CONNECTIONS + 3 per node (README,
    // "Connections, and how many"): 1 + 5 + 3 = 9 here.
    const vars = { REDIS_LANES: '1', REDIS_MAX_CONNECTIONS: '5' };
    await server.command('CONFIG', 'SET', 'maxclients', '40');
    try {
      // 4 × 9 = 36 fits under 40, but with doctor's own connection(s) it is over 90 %.
      const tight = await runCli(['doctor', '--processes', '4'], envFor(server.url, vars));
      assert.equal(tight.code, 0, `a warning is not a failure\n${describeRun(tight)}`);
      const warning = lineOf(tight.stdout, 'maxclients');
      assert.match(warning, /^WARN {2}maxclients +maxclients 40, \d+ connected; redis-kit may open 9 per process × 4 = 36 → /);
      assert.match(warning, /raise maxclients/);

      const over = await runCli(['doctor', '--json', '--processes', '5'], envFor(server.url, vars));
      assert.equal(over.code, 1, describeRun(over));
      const check = parseReport(over.stdout).checks.find((c) => c.name === 'maxclients');
      assert.equal(check?.status, 'fail', JSON.stringify(check));
      assert.match(check?.detail ?? '', /9 per process × 5 = 45/);
    } finally {
      await server.command('CONFIG', 'SET', 'maxclients', '10000');
    }
  });

  it('memory://: nothing to check, one warning saying so, exit 0', async () => {
    const result = await runCli(['doctor'], cliEnv({ REDIS_URL: 'memory://' }));
    assert.equal(result.code, 0, describeRun(result));
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      'WARN  mode            REDIS_URL is memory://: no Redis server to check → set REDIS_URL to the server the service will use',
      'doctor: memory (in-process): no failures',
    ]);
  });

  it('--processes out of range: exit 2 with the usage', async () => {
    const result = await runCli(['doctor', '--processes', '0'], envFor(server.url));
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /^redis-kit doctor: --processes must be an integer from 1 to 100000; received "0"$/m);
    assert.match(result.stderr, /^usage: redis-kit doctor /m);
    assert.equal(result.stdout, '');
  });
});
