import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { freePort, hasErrorCode, once, type RedisServer, startRedis, waitFor, withTimeout } from '../helpers/index.js';
import { CLI_ROOT as ROOT, ENGINE_ENV, cliEnv as envWith, exited, killCliChildren, runCli, spawnCli } from '../helpers/run-cli.js';

/** `npm start` children still to be killed (by pid) when the suite ends, whatever happened. */
const children = new Set<ChildProcess>();
/** Grandchildren (the node that `npm start` runs), known only by the pid they log. */
const grandchildren = new Set<number>();

function killLeftovers(): void {
  killCliChildren();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) killPid(child.pid);
  }
  children.clear();
  for (const pid of grandchildren) if (isAlive(pid)) killPid(pid);
  grandchildren.clear();
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone between the check and the kill.
  }
}

/** Signal 0 only checks that the pid exists. (A zombie still counts: its parent has not reaped it.) */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'ESRCH')) return false;
    throw error;
  }
}

/** One pino JSON line. */
interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Collects a child's stdout as pino lines and lets a test await the next matching one. */
class LogReader {
  readonly lines: LogLine[] = [];
  /** Lines that were not JSON (there should be none; kept for the failure message). */
  readonly junk: string[] = [];
  readonly #waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor(child: ChildProcess) {
    if (child.stdout === null) throw new Error('the child has no stdout pipe');
    createInterface({ input: child.stdout }).on('line', (text) => this.#add(text));
  }

  /** Resolves with the first line (already seen or still to come) that matches. */
  waitFor(match: (line: LogLine) => boolean, what: string, timeoutMs = 10_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    const line = new Promise<LogLine>((resolve) => this.#waiters.push({ match, resolve }));
    return withTimeout(line, timeoutMs, `a log line: ${what}; so far:\n${this.dump()}`).catch((error: unknown) => {
      throw error instanceof Error ? new Error(`${error.message}\n${this.dump()}`, { cause: error }) : error;
    });
  }

  dump(): string {
    return [...this.lines.map((l) => JSON.stringify(l)), ...this.junk].join('\n');
  }

  #add(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      this.junk.push(text);
      return;
    }
    this.lines.push(line);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter?.match(line)) {
        this.#waiters.splice(i, 1);
        waiter.resolve(line);
      }
    }
  }
}

/** The breaker state in the first snapshot of the dashboard's event stream. */
async function breakerState(port: number): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/dashboard/events`, {
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(5000)]),
  });
  const reader = response.body?.getReader();
  let text = '';
  try {
    while (reader !== undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
      const line = text.split('\n').find((l) => l.startsWith('data:') && l.includes('"breaker"'));
      if (line !== undefined) return String((JSON.parse(line.slice(5)) as { breaker: { state: string } }).breaker.state);
    }
    return 'unknown';
  } finally {
    controller.abort();
  }
}

async function getJson(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * The dashboard page, `GET /`: what the README's first command opens. Asserts 200, HTML and the
 * page's own title, so an empty 200 (a missing asset) would not pass.
 */
async function assertDashboard(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  const body = await response.text();
  assert.equal(response.status, 200, `GET / status; body: ${body.slice(0, 200)}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html\b/);
  assert.match(body, /<title>redis-kit reference service<\/title>/);
}

describe('CLI: redis-kit serve', () => {
  let redis: RedisServer | undefined;
  after(async () => {
    killLeftovers();
    await redis?.stop();
  });

  it('starts without Redis, says where it looked once, recovers when Redis appears, exits 0 on SIGTERM', async () => {
    const httpPort = await freePort();
    const redisPort = await freePort();
    const child = spawnCli(
      ['serve'],
      envWith({ ...ENGINE_ENV, PORT: String(httpPort), REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_RETRY_MAX_DELAY: '0.2' }),
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const log = new LogReader(child);
    const exit = exited(child);
    const where = `127.0.0.1:${redisPort}`;

    await log.waitFor((l) => /reference service on http:/.test(l.msg), 'the service listening');
    const warning = await log.waitFor((l) => l.level === 40, 'the warning that Redis is unreachable');
    assert.match(warning.msg, /Redis (unreachable|unavailable)/);
    assert.ok(warning.msg.includes(where), `the warning names ${where}: ${warning.msg}`);
    assert.ok(String(warning.target).includes(where), `target field: ${String(warning.target)}`);

    const health = await getJson(httpPort, '/health');
    assert.equal(health.status, 503, 'the summary for monitors says Redis does not answer');
    assert.equal(health.body.status, 'unhealthy');
    // The plugin's public /health summary leaves the host out on purpose; the log line above names it.
    assert.equal(health.body.target, undefined);
    assert.equal((await getJson(httpPort, '/health/ready')).status, 503);
    assert.equal((await getJson(httpPort, '/health/live')).status, 200);
    await assertDashboard(httpPort);
    // Let the background retries open the breaker too, so a second "unavailable" had every
    // chance to be logged (it must not be: one line per outage).
    await waitFor(async () => (await breakerState(httpPort)) === 'open', {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the breaker to open',
    });

    redis = await startRedis({ port: redisPort });
    const back = await log.waitFor((l) => /reachable again/.test(l.msg), 'the line saying Redis is reachable again');
    assert.equal(back.level, 30);
    assert.ok(back.msg.includes(where), back.msg);
    const warnings = log.lines.filter((l) => l.level >= 40);
    assert.equal(warnings.length, 1, `exactly one warning for the outage:\n${log.dump()}`);

    const healthy = await getJson(httpPort, '/health');
    assert.equal(healthy.status, 200);
    assert.notEqual(healthy.body.status, 'unhealthy');
    assert.equal(await breakerState(httpPort), 'closed');
    assert.equal((await getJson(httpPort, '/health/ready')).status, 200);
    await assertDashboard(httpPort);

    assert.ok(child.pid !== undefined);
    process.kill(child.pid, 'SIGTERM');
    const { code, signal } = await withTimeout(exit, 5000, 'serve to exit after SIGTERM');
    assert.equal(signal, null, `exited by itself, not killed by ${signal}`);
    assert.equal(code, 0, `exit code (stderr: ${stderr})`);
    await log.waitFor((l) => l.msg === 'shutting down', 'the shutdown line', 1000);
    assert.equal(log.junk.length, 0, `only JSON on stdout:\n${log.junk.join('\n')}`);
    assert.equal(stderr, '');
  });

  it('--port and --host choose where it listens; SIGINT (Ctrl-C) stops it gracefully with exit 0, like SIGTERM', async () => {
    redis ??= await startRedis();
    const httpPort = await freePort();
    // PORT and HOST say otherwise: the flags win.
    const child = spawnCli(
      ['serve', '--port', String(httpPort), '--host', '127.0.0.1'],
      envWith({ ...ENGINE_ENV, PORT: '1', HOST: '0.0.0.0', REDIS_URL: redis.url }),
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const log = new LogReader(child);
    const exit = exited(child);
    const listening = await log.waitFor((l) => /reference service on http:/.test(l.msg), 'the service listening');
    assert.ok(listening.msg.includes(`http://127.0.0.1:${httpPort}`), listening.msg);
    await log.waitFor((l) => /^connected to Redis/.test(l.msg), 'the connected line');
    await assertDashboard(httpPort);
    assert.equal((await getJson(httpPort, '/health/ready')).status, 200);

    assert.ok(child.pid !== undefined);
    process.kill(child.pid, 'SIGINT');
    const { code, signal } = await withTimeout(exit, 5000, 'serve to exit after SIGINT');
    assert.equal(signal, null, `exited by itself, not killed by ${signal}`);
    assert.equal(code, 0, `exit code (stderr: ${stderr})`);
    await log.waitFor((l) => l.msg === 'shutting down' && l.signal === 'SIGINT', 'the shutdown line naming SIGINT', 1000);
    await log.waitFor((l) => /^stopped: /.test(l.msg), 'the final stopped line', 1000);
    assert.equal(log.lines.filter((l) => l.level >= 40).length, 0, `no warnings or errors:\n${log.dump()}`);
    assert.equal(stderr, '');
  });

  it('config prints the effective configuration with the password masked', async () => {
    const password = 's3cr3t-Pw%2Fx';
    const { code, stdout, stderr } = await runCli(['config', '--json'], envWith({ REDIS_URL: `redis://app:${password}@127.0.0.1:6390/2` }));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { options: { option: string; value: unknown }[] };
    const config = Object.fromEntries(report.options.map((entry) => [entry.option, entry.value]));
    assert.equal(config.url, 'redis://app:***@127.0.0.1:6390/2');
    assert.equal(config.password, '***');
    assert.equal(config.username, 'app');
    assert.equal(config.db, 2);
    // Neither the raw nor the decoded form of the password shows anywhere.
    for (const output of [stdout, stderr]) {
      assert.ok(!output.includes('s3cr3t'), `the password leaked:\n${output}`);
    }
  });

  it('a port already in use stops serve with exit code 1 and one log line naming it', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening', 5000);
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runCli(['serve'], envWith({ PORT: String(port), REDIS_URL: 'memory://' }));
      assert.equal(code, 1, `exit code; stdout: ${stdout}; stderr: ${stderr}`);
      assert.equal(stderr, '', 'no stack trace');
      const lines = stdout.trim().split('\n');
      const last = JSON.parse(lines.at(-1) ?? '{}') as LogLine;
      assert.equal(last.level, 50);
      assert.equal(last.code, 'EADDRINUSE');
      assert.ok(last.msg.includes(`127.0.0.1:${port}`), last.msg);
    } finally {
      taken.close();
    }
  });

  it('a value out of range stops serve with exit code 2 and a message naming it', async () => {
    const { code, stdout, stderr } = await runCli(
      ['serve'],
      envWith({ PORT: String(await freePort()), REDIS_URL: 'redis://127.0.0.1:1', REDIS_MAX_CONNECTIONS: '500' }),
    );
    assert.equal(code, 2, `exit code; stdout: ${stdout}; stderr: ${stderr}`);
    assert.match(stderr, /REDIS_MAX_CONNECTIONS/);
    assert.match(stderr, /\b500\b/);
    assert.match(stderr, /\b5 to 200\b/, 'the accepted range');
  });
});

/**
 * `npm start` the way the README runs it. Run through the npm that runs this test when there is
 * one (npm_execpath), else the npm on PATH. npm runs the script through `sh -c`: unless the
 * script execs node, SIGTERM reaches only npm and the shell, and node is orphaned.
 */
function spawnNpmStart(env: NodeJS.ProcessEnv): ChildProcess {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli?.endsWith('.js') === true ? [process.execPath, [npmCli, 'start']] : ['npm', ['start']];
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return child;
}

describe('npm start', () => {
  let redis: RedisServer | undefined;
  after(async () => {
    killLeftovers();
    await redis?.stop();
  });

  for (const redisUp of [true, false]) {
    it(`SIGTERM to npm stops the node it started (Redis ${redisUp ? 'reachable' : 'at a closed port'})`, async () => {
      const httpPort = await freePort();
      let redisUrl: string;
      if (redisUp) {
        redis ??= await startRedis();
        redisUrl = redis.url;
      } else {
        redisUrl = `redis://127.0.0.1:${await freePort()}`;
      }
      const npm = spawnNpmStart(
        envWith({
          ...ENGINE_ENV,
          HOME: process.env.HOME ?? ROOT,
          PORT: String(httpPort),
          REDIS_URL: redisUrl,
          npm_config_update_notifier: 'false',
        }),
      );
      let stderr = '';
      npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const log = new LogReader(npm);
      const exit = exited(npm);
      // npm's own banner lines are not JSON; node's pino lines carry node's pid.
      const listening = await log.waitFor((l) => /reference service on http:/.test(l.msg), 'the service listening', 30_000);
      const nodePid = Number(listening.pid);
      assert.ok(Number.isInteger(nodePid) && nodePid > 0, `pid field: ${String(listening.pid)}`);
      grandchildren.add(nodePid);
      assert.notEqual(nodePid, npm.pid, 'node runs under npm, not as npm');
      const health = await getJson(httpPort, '/health');
      assert.equal(health.status, redisUp ? 200 : 503);
      assert.equal(health.body.status === 'unhealthy', !redisUp);
      // The README's first command opens the dashboard, with Redis and without.
      await assertDashboard(httpPort);

      assert.ok(npm.pid !== undefined);
      process.kill(npm.pid, 'SIGTERM');
      // Wide bounds: shutdown takes well under a second with Redis up, a few seconds without.
      await waitFor(() => !isAlive(nodePid), { timeoutMs: 20_000, intervalMs: 50, what: `node (pid ${nodePid}) to exit` });
      const { code, signal } = await withTimeout(exit, 20_000, 'npm to exit after SIGTERM');
      assert.equal(signal, null, `npm exited by itself, not killed by ${signal}`);
      assert.equal(code, 0, `npm's exit code (stderr: ${stderr})`);
      await log.waitFor((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM', 'the shutdown line', 1000);
    });
  }
});
