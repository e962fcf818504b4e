import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cliEnv, describeRun, killCliChildren, runCli } from '../helpers/run-cli.js';

/**
 * `redis-kit config` spawned as a process: every option's effective value and where it came
 * from (`default`, `environment`, `flag`), in the table and in `--json`, with secrets masked.
 * It only reads the configuration: nothing connects, so the hosts here need not exist.
 */

interface Row {
  option: string;
  env: string;
  value?: unknown;
  source: string;
}

const ENV_PASSWORD = 'env-Secret-4e1b';
const URL_PASSWORD = 'url-Secret-93d0';
const SENTINEL_PASSWORD = 'sentinel-Secret-77aa';

/** REDIS_LANES and REDIS_PASSWORD from the environment, the URL (with a password and db 3) from --url. */
const ENV = cliEnv({ REDIS_LANES: '4', REDIS_PASSWORD: ENV_PASSWORD, REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD });
const ARGS = ['--url', `redis://app:${URL_PASSWORD}@cache.internal:6390/3`];

function assertNoSecret(result: { stdout: string; stderr: string }): void {
  for (const secret of [ENV_PASSWORD, URL_PASSWORD, SENTINEL_PASSWORD]) {
    assert.ok(
      !result.stdout.includes(secret) && !result.stderr.includes(secret),
      `a secret leaked:\n${describeRun({ code: 0, ...result })}`,
    );
  }
}

describe('CLI: redis-kit config', () => {
  after(() => killCliChildren());

  it('--json: each value with its source, default / environment / flag, secrets as ***', async () => {
    const result = await runCli(['config', '--json', ...ARGS], ENV);
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stderr, '');
    assertNoSecret(result);
    const { options } = JSON.parse(result.stdout) as { options: Row[] };
    const byName = new Map(options.map((row) => [row.option, row]));
    const pick = (name: string) => {
      const row = byName.get(name);
      assert.ok(row !== undefined, `a row for ${name}`);
      return { env: row.env, value: row.value, source: row.source };
    };
    assert.deepEqual(pick('url'), { env: 'REDIS_URL', value: 'redis://app:***@cache.internal:6390/3', source: 'flag' });
    // The URL's user name and db count as coming from where the URL came from.
    assert.deepEqual(pick('username'), { env: 'REDIS_USERNAME', value: 'app', source: 'flag' });
    assert.deepEqual(pick('db'), { env: 'REDIS_DB', value: 3, source: 'flag' });
    // REDIS_PASSWORD wins over the URL's password; either way only *** is shown.
    assert.deepEqual(pick('password'), { env: 'REDIS_PASSWORD', value: '***', source: 'environment' });
    assert.deepEqual(pick('sentinelPassword'), { env: 'REDIS_SENTINEL_PASSWORD', value: '***', source: 'environment' });
    assert.deepEqual(pick('lanes'), { env: 'REDIS_LANES', value: 4, source: 'environment' });
    assert.deepEqual(pick('maxConnections'), { env: 'REDIS_MAX_CONNECTIONS', value: 50, source: 'default' });
    assert.deepEqual(pick('mode'), { env: 'REDIS_MODE', value: 'standalone', source: 'default' });
    // Every option is listed, each with one of the three sources and its REDIS_* variable.
    assert.ok(options.length >= 30, `${options.length} options`);
    for (const row of options) {
      assert.ok(['default', 'environment', 'flag'].includes(row.source), `${row.option}: ${row.source}`);
      assert.match(row.env, /^REDIS_[A-Z_]+$/);
    }
  });

  it('without flags or variables: every source is default, and the default URL is shown', async () => {
    const result = await runCli(['config', '--json'], cliEnv());
    assert.equal(result.code, 0, describeRun(result));
    const { options } = JSON.parse(result.stdout) as { options: Row[] };
    assert.deepEqual(
      options.filter((row) => row.source !== 'default'),
      [],
    );
    assert.equal(options.find((row) => row.option === 'url')?.value, 'redis://127.0.0.1:6379');
  });

  it('the table: a header, one row per option with variable, value and source, secrets as ***', async () => {
    const result = await runCli(['config', ...ARGS], ENV);
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stderr, '');
    assertNoSecret(result);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^option +variable +value +source$/);
    const rows = new Map(
      lines.slice(1).map((line) => {
        // Columns are padded with spaces; a value such as keyPrefix's may be empty.
        const cells = line.trim().split(/ {2,}/);
        return [cells[0], { env: cells[1], value: cells.length === 4 ? cells[2] : '', source: cells.at(-1) }] as const;
      }),
    );
    assert.deepEqual(rows.get('url'), { env: 'REDIS_URL', value: 'redis://app:***@cache.internal:6390/3', source: 'flag' });
    assert.deepEqual(rows.get('password'), { env: 'REDIS_PASSWORD', value: '***', source: 'environment' });
    assert.deepEqual(rows.get('lanes'), { env: 'REDIS_LANES', value: '4', source: 'environment' });
    assert.deepEqual(rows.get('sentinelMaster'), { env: 'REDIS_SENTINEL_MASTER', value: '(unset)', source: 'default' });
    assert.deepEqual(rows.get('maxConnections'), { env: 'REDIS_MAX_CONNECTIONS', value: '50', source: 'default' });
  });

  it('a bad --url: exit 2 and one message, the password in it masked', async () => {
    const result = await runCli(['config', '--url', `redis://app:${URL_PASSWORD}@cache.internal:99999`], cliEnv());
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^redis-kit: invalid redis-kit configuration/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assertNoSecret(result);
  });
});
