import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/index.js';
import { CLI_ROOT, cliEnv, describeRun, killCliChildren, runCli } from '../helpers/run-cli.js';

/**
 * The CLI's contract with a shell, on the spawned process: help and version on stdout with
 * exit 0; every wrong call a one-line reason plus the usage on stderr with exit 2; an operator's
 * bad variable one line and no stack trace. Nothing here needs a Redis: REDIS_URL points at a
 * closed port, so a command that wrongly went ahead would fail differently (exit 1).
 */

const COMMANDS = ['serve', 'doctor', 'bench', 'config'] as const;

/** A port nothing listens on, and no PORT: a `serve` that should have stopped would say so. */
let closedUrl: string | undefined;
async function env(vars: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  closedUrl ??= `redis://127.0.0.1:${await freePort()}`;
  return cliEnv({ REDIS_URL: closedUrl, ...vars });
}

/** A stack frame as Node prints one. */
const STACK = /^\s+at /m;

function assertUsageError(result: { code: number | null; stdout: string; stderr: string }, reason: RegExp, usage: string): void {
  assert.equal(result.code, 2, describeRun(result));
  assert.equal(result.stdout, '', 'errors go to stderr only');
  const [first, blank, usageLine] = result.stderr.split('\n');
  assert.match(first ?? '', reason);
  assert.equal(blank, '', 'a blank line between the reason and the usage');
  assert.ok(usageLine?.startsWith(`usage: ${usage}`), `the usage follows:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, STACK);
}

describe('CLI: usage, help and version', () => {
  after(() => killCliChildren());

  for (const args of [['--help'], ['-h'], ['help']]) {
    it(`redis-kit ${args.join(' ')}: the overview on stdout, exit 0`, async () => {
      const result = await runCli(args, await env());
      assert.equal(result.code, 0, describeRun(result));
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^usage: redis-kit <command> \[flags\]\n/);
      for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^ {2}${command} {2,}\\S`, 'm'), command);
      assert.match(result.stdout, /^ {2}serve .*dashboard at \//m, 'serve is described by what it serves');
      assert.match(result.stdout, /-v, --version/);
    });
  }

  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`redis-kit ${command} ${flag}: that command's usage on stdout, exit 0, nothing run`, async () => {
        // PORT=abc would stop `serve`: help is answered before anything is read.
        const result = await runCli([command, flag], await env({ PORT: 'abc' }));
        assert.equal(result.code, 0, describeRun(result));
        assert.equal(result.stderr, '');
        assert.match(result.stdout, new RegExp(`^usage: redis-kit ${command} `));
        assert.match(result.stdout, /^ {2}-h, --help {2,}this help$/m);
        assert.match(result.stdout, /^Configuration comes from REDIS_\* environment variables/m);
      });
    }
  }

  for (const flag of ['--version', '-v']) {
    it(`redis-kit ${flag}: package.json's version, exit 0`, async () => {
      const { version } = JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8')) as { version: string };
      const result = await runCli([flag], await env());
      assert.equal(result.code, 0, describeRun(result));
      assert.equal(result.stdout, `${version}\n`);
      assert.equal(result.stderr, '');
    });
  }

  it('no command: the overview on stderr, exit 2', async () => {
    const result = await runCli([], await env());
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^usage: redis-kit <command> \[flags\]\n/);
  });

  const wrongCalls: [args: string[], reason: RegExp, usage: string][] = [
    [['frob'], /^redis-kit: unknown command 'frob'$/, 'redis-kit <command>'],
    [['--frob'], /^redis-kit: unknown flag '--frob'$/, 'redis-kit <command>'],
    [['--version', 'extra'], /^redis-kit: unexpected argument 'extra'$/, 'redis-kit <command>'],
    [['help', 'doctor'], /^redis-kit: unexpected argument 'doctor'$/, 'redis-kit <command>'],
    [['doctor', '--frob'], /^redis-kit doctor: Unknown option '--frob'/, 'redis-kit doctor '],
    [['bench', '--operations'], /^redis-kit bench: Option '--operations <value>' argument missing$/, 'redis-kit bench '],
    [['config', 'extra'], /^redis-kit config: Unexpected argument 'extra'/, 'redis-kit config '],
    [['config', '--json=yes'], /^redis-kit config: Option '--json' does not take an argument/, 'redis-kit config '],
    [['serve', 'now'], /^redis-kit serve: Unexpected argument 'now'/, 'redis-kit serve '],
    [['serve', '--port', 'abc'], /^redis-kit serve: --port must be an integer from 0 to 65535; received "abc"$/, 'redis-kit serve '],
    [['serve', '--port', '65536'], /^redis-kit serve: --port must be an integer from 0 to 65535; received "65536"$/, 'redis-kit serve '],
    [['serve', '--host', ''], /^redis-kit serve: --host must not be empty$/, 'redis-kit serve '],
  ];
  for (const [args, reason, usage] of wrongCalls) {
    it(`redis-kit ${args.map((a) => (a === '' ? "''" : a)).join(' ')}: the reason and the usage on stderr, exit 2`, async () => {
      assertUsageError(await runCli(args, await env()), reason, usage);
    });
  }

  for (const port of ['abc', '70000', '-1']) {
    it(`PORT=${port} serve: one line naming PORT and its range, no usage, no stack trace, exit 2`, async () => {
      const result = await runCli(['serve'], await env({ PORT: port }));
      assert.equal(result.code, 2, describeRun(result));
      assert.equal(result.stdout, '', 'the service did not start (it logs to stdout)');
      assert.equal(result.stderr, `redis-kit serve: PORT must be an integer from 0 to 65535; received "${port}"\n`);
    });
  }

  it('a bad REDIS_* value: one message naming the variable, its value and the range, exit 2', async () => {
    const result = await runCli(['config'], await env({ REDIS_LANES: '99' }));
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^redis-kit: invalid redis-kit configuration \(1 problem\):\n {2}REDIS_LANES=99: expected an integer from 1 to 16\n$/,
    );
  });

  it('REDIS_LANSE=4: a warning with "did you mean REDIS_LANES", the command still runs, the typo changes nothing', async () => {
    const result = await runCli(['config', '--json'], await env({ REDIS_LANSE: '4', REDIS_UNHEARD_OF: '1' }));
    assert.equal(result.code, 0, describeRun(result));
    const warnings = result.stderr.trimEnd().split('\n');
    assert.deepEqual(warnings, [
      'redis-kit: warning: REDIS_LANSE is not a redis-kit variable and is ignored; did you mean REDIS_LANES?',
      // Nothing close: no suggestion, but still named.
      'redis-kit: warning: REDIS_UNHEARD_OF is not a redis-kit variable and is ignored',
    ]);
    const { options } = JSON.parse(result.stdout) as { options: { option: string; value: unknown; source: string }[] };
    const lanes = options.find((o) => o.option === 'lanes');
    assert.deepEqual(lanes && { value: lanes.value, source: lanes.source }, { value: 2, source: 'default' });
  });
});
