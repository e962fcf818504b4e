import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CONFIG_VARIABLES,
  describeTarget,
  loadConfig,
  type RedisKitOptions,
  readTlsFiles,
  redacted,
  redactUrl,
} from '../../src/config/index.js';
import { FIELDS } from '../../src/config/fields.js';
import { ConfigError } from '../../src/errors.js';

type Env = Record<string, string | undefined>;

/** Runs `fn`, which must throw a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_REDIS_CONFIG');
  return caught;
}

const issueNames = (err: ConfigError) => err.issues.map((i) => i.name);
// Options may name keys that do not exist, which is what some tests are about.
const options = (o: Record<string, unknown>) => o as RedisKitOptions;

describe('loadConfig defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.deepEqual(
      { ...config },
      {
        url: 'redis://127.0.0.1:6379',
        mode: 'standalone',
        host: '127.0.0.1',
        port: 6379,
        db: 0,
        tls: false,
        clusterNodes: [],
        sentinels: [],
        lanes: 2,
        maxConnections: 50,
        minConnections: 0,
        connectTimeoutMs: 5000,
        socketTimeoutMs: 5000,
        acquireTimeoutMs: 5000,
        commandTimeoutMs: 5000,
        retryMaxDelayMs: 30_000,
        keyPrefix: '',
        idleTimeoutMs: 30_000,
        maxLifetimeMs: 1_800_000,
        validateAfterIdleMs: 10_000,
        maxWaitingAcquires: 1000,
        maxQueuedCommands: 10_000,
        breakerFailureThreshold: 5,
        breakerProbeIntervalMs: 1000,
        writeConcernReplicas: 0,
        writeConcernTimeoutMs: 1000,
        connectionName: 'redis-kit',
        engine: 'resp',
        clusterSlotsRefreshIntervalMs: 5000,
        readFrom: 'primary',
      },
    );
    assert.equal('password' in config, false, 'unset optional fields are absent, not undefined');
  });

  it('returns a frozen config', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_MODE: 'cluster' });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.clusterNodes));
    assert.ok(Object.isFrozen(config.clusterNodes[0]));
  });

  it('treats empty and blank variables as unset, and trims numbers', () => {
    const config = loadConfig({ REDIS_LANES: '', REDIS_MAX_CONNECTIONS: '   ', REDIS_MIN_CONNECTIONS: ' 3 ', REDIS_URL: '' });
    assert.equal(config.lanes, 2);
    assert.equal(config.maxConnections, 50);
    assert.equal(config.minConnections, 3);
    assert.equal(config.url, 'redis://127.0.0.1:6379');
  });

  it('keeps the key prefix verbatim', () => {
    assert.equal(loadConfig({ REDIS_KEY_PREFIX: ' app: ' }).keyPrefix, ' app: ');
  });

  it('keys every field by its own option name', () => {
    for (const [key, field] of Object.entries(FIELDS)) assert.equal(field.option, key);
  });

  it('lists every variable it reads', () => {
    const names = CONFIG_VARIABLES.map((v) => v.env);
    for (const name of ['REDIS_URL', 'REDIS_MAX_CONNECTIONS', 'REDIS_SOCKET_TIMEOUT', 'REDIS_TLS_KEY_FILE', 'REDIS_SENTINEL_PASSWORD']) {
      assert.ok(names.includes(name), name);
    }
    assert.equal(CONFIG_VARIABLES.find((v) => v.env === 'REDIS_SOCKET_TIMEOUT')?.default, '5', 'durations listed in seconds');
  });
});

// [variable, option, min, max, unit]: ints are plain; 's' variables are seconds in env, ms in options.
const BOUNDS: ReadonlyArray<readonly [string, keyof RedisKitOptions, number, number, 'int' | 's']> = [
  ['REDIS_LANES', 'lanes', 1, 16, 'int'],
  ['REDIS_MAX_CONNECTIONS', 'maxConnections', 5, 200, 'int'],
  ['REDIS_MIN_CONNECTIONS', 'minConnections', 0, 200, 'int'],
  ['REDIS_DB', 'db', 0, 15, 'int'],
  ['REDIS_MAX_WAITING_ACQUIRES', 'maxWaitingAcquires', 1, 100_000, 'int'],
  ['REDIS_MAX_QUEUED_COMMANDS', 'maxQueuedCommands', 0, 1_000_000, 'int'],
  ['REDIS_BREAKER_FAILURE_THRESHOLD', 'breakerFailureThreshold', 1, 1000, 'int'],
  ['REDIS_SOCKET_CONNECT_TIMEOUT', 'connectTimeoutMs', 1, 30, 's'],
  ['REDIS_SOCKET_TIMEOUT', 'socketTimeoutMs', 1, 30, 's'],
  ['REDIS_ACQUIRE_TIMEOUT', 'acquireTimeoutMs', 0.1, 60, 's'],
  ['REDIS_COMMAND_TIMEOUT', 'commandTimeoutMs', 0.1, 60, 's'],
  ['REDIS_RETRY_MAX_DELAY', 'retryMaxDelayMs', 0.1, 30, 's'],
  ['REDIS_IDLE_TIMEOUT', 'idleTimeoutMs', 1, 3600, 's'],
  ['REDIS_MAX_LIFETIME', 'maxLifetimeMs', 1, 86_400, 's'],
  ['REDIS_VALIDATE_AFTER_IDLE', 'validateAfterIdleMs', 0, 3600, 's'],
  ['REDIS_BREAKER_PROBE_INTERVAL', 'breakerProbeIntervalMs', 0.05, 60, 's'],
];

// minConnections must also stay within maxConnections, so its upper bound is probed with max raised.
const withRoom = (name: string): Env => (name === 'REDIS_MIN_CONNECTIONS' ? { REDIS_MAX_CONNECTIONS: '200' } : {});
const optionRoom = (option: string): RedisKitOptions => (option === 'minConnections' ? { maxConnections: 200 } : {});

describe('bounds of each variable', () => {
  for (const [name, option, min, max, unit] of BOUNDS) {
    const toResolved = (v: number) => (unit === 's' ? Math.round(v * 1000) : v);
    const below = min === 0 ? -1 : unit === 's' ? min / 2 : min - 1;
    const above = unit === 's' ? max + 0.5 : max + 1;
    const range = unit === 's' ? `a number of seconds from ${min} to ${max}` : `an integer from ${min} to ${max}`;

    it(`${name}: accepts ${min} and ${max}`, () => {
      assert.equal(loadConfig({ ...withRoom(name), [name]: String(min) })[option], toResolved(min));
      assert.equal(loadConfig({ ...withRoom(name), [name]: String(max) })[option], toResolved(max));
    });

    it(`${name}: rejects ${below} and ${above}, naming the range`, () => {
      for (const bad of [below, above]) {
        const err = configError(() => loadConfig({ ...withRoom(name), [name]: String(bad) }));
        assert.deepEqual(issueNames(err), [name]);
        assert.equal(err.issues[0]?.received, String(bad));
        assert.ok(err.issues[0]?.expected.endsWith(range), `${err.issues[0]?.expected} should end with ${range}`);
      }
    });

    it(`${option}: accepts ${toResolved(min)} and ${toResolved(max)}, rejects one past each`, () => {
      const lo = toResolved(min);
      const hi = toResolved(max);
      assert.equal(loadConfig({}, { ...optionRoom(option), [option]: lo })[option], lo);
      assert.equal(loadConfig({}, { ...optionRoom(option), [option]: hi })[option], hi);
      for (const bad of [lo - 1, hi + 1]) {
        if (option === 'maxLifetimeMs' && bad === 0) continue; // 0 is the documented "disabled"
        const err = configError(() => loadConfig({}, { ...optionRoom(option), [option]: bad }));
        assert.deepEqual(issueNames(err), [option]);
      }
    });
  }

  it('accepts decimal seconds and converts them to milliseconds', () => {
    assert.equal(loadConfig({ REDIS_ACQUIRE_TIMEOUT: '0.5' }).acquireTimeoutMs, 500);
    assert.equal(loadConfig({ REDIS_SOCKET_TIMEOUT: '2.25' }).socketTimeoutMs, 2250);
    assert.equal(loadConfig({ REDIS_COMMAND_TIMEOUT: '.25' }).commandTimeoutMs, 250);
  });

  it('REDIS_MAX_LIFETIME=0 disables retirement; just above 0 is rejected', () => {
    assert.equal(loadConfig({ REDIS_MAX_LIFETIME: '0' }).maxLifetimeMs, 0);
    assert.equal(loadConfig({}, { maxLifetimeMs: 0 }).maxLifetimeMs, 0);
    const err = configError(() => loadConfig({ REDIS_MAX_LIFETIME: '0.5' }));
    assert.match(err.message, /REDIS_MAX_LIFETIME=0\.5: expected 0 \(disabled\) or a number of seconds from 1 to 86400/);
  });

  it('rejects non-integer milliseconds in options', () => {
    assert.deepEqual(issueNames(configError(() => loadConfig({}, { acquireTimeoutMs: 1500.5 }))), ['acquireTimeoutMs']);
  });
});

describe('malformed values', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['REDIS_LANES', '5.5'],
    ['REDIS_LANES', 'two'],
    ['REDIS_MAX_CONNECTIONS', '1e2'],
    ['REDIS_MAX_CONNECTIONS', '0x10'],
    ['REDIS_DB', '-0'],
    ['REDIS_SOCKET_TIMEOUT', 'abc'],
    ['REDIS_SOCKET_TIMEOUT', '5s'],
    ['REDIS_ACQUIRE_TIMEOUT', '1e1'],
    ['REDIS_ACQUIRE_TIMEOUT', 'Infinity'],
    ['REDIS_MODE', 'replica'],
    ['REDIS_URL', 'not a url'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', 'redis://127.0.0.1:6379/16'],
    ['REDIS_URL', 'redis://127.0.0.1:6379/zero'],
    ['REDIS_URL', 'redis://127.0.0.1:0'],
    ['REDIS_URL', 'redis://'],
    ['REDIS_URL', 'redis://127.0.0.1:6379?db=1'],
    ['REDIS_URL', 'redis://user:%zz@127.0.0.1'],
    ['REDIS_CLUSTER_NODES', 'a'],
    ['REDIS_CLUSTER_NODES', 'a:'],
    ['REDIS_CLUSTER_NODES', 'a:99999'],
    ['REDIS_CLUSTER_NODES', 'a:1,,b:2'],
    ['REDIS_CLUSTER_NODES', 'a b:1'],
    ['REDIS_SENTINELS', 'h:26379,h2'],
    ['REDIS_SENTINEL_MASTER', 'my master'],
    ['REDIS_KEY_PREFIX', 'x'.repeat(129)],
    ['REDIS_CONNECTION_NAME', 'has space'],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${value.length > 20 ? `${value.slice(0, 20)}…` : value} is one issue naming ${name}`, () => {
      const env: Env = { [name]: value };
      // Node lists are otherwise valid only in their mode; a malformed one must fail on format alone.
      if (name === 'REDIS_CLUSTER_NODES') env.REDIS_MODE = 'cluster';
      if (name === 'REDIS_SENTINELS' || name === 'REDIS_SENTINEL_MASTER')
        Object.assign(env, {
          REDIS_MODE: 'sentinel',
          REDIS_SENTINELS: env.REDIS_SENTINELS ?? 'h:26379',
          REDIS_SENTINEL_MASTER: env.REDIS_SENTINEL_MASTER ?? 'm',
        });
      const err = configError(() => loadConfig(env));
      assert.deepEqual(issueNames(err), [name]);
    });
  }

  it('a malformed node list says which entry is wrong', () => {
    const err = configError(() => loadConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:1,,b:2' }));
    assert.match(err.message, /REDIS_CLUSTER_NODES=a:1,,b:2: expected a comma-separated list of host:port .*; entry 2 is empty/);
  });

  it('says why a URL was refused', () => {
    const err = configError(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1/16' }));
    assert.match(err.issues[0]?.expected ?? '', /the path must be a database number \/0 to \/15/);
  });

  it('accepts IPv6 hosts in URLs and node lists', () => {
    const config = loadConfig({ REDIS_URL: 'redis://[::1]:6380', REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: '[::1]:7000, 10.0.0.2:7001' });
    assert.equal(config.host, '::1');
    assert.deepEqual(config.clusterNodes, [
      { host: '::1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
  });
});

describe('one error for all problems', () => {
  it('collects every bad value into one ConfigError', () => {
    const err = configError(() =>
      loadConfig(
        { REDIS_MAX_CONNECTIONS: '500', REDIS_LANES: '5.5', REDIS_SOCKET_TIMEOUT: 'soon', REDIS_MODE: 'clustr', REDIS_URL: 'redis://h/99' },
        { acquireTimeoutMs: 99 },
      ),
    );
    assert.deepEqual(
      new Set(issueNames(err)),
      new Set(['REDIS_MAX_CONNECTIONS', 'REDIS_LANES', 'REDIS_SOCKET_TIMEOUT', 'REDIS_MODE', 'REDIS_URL', 'acquireTimeoutMs']),
    );
    assert.match(err.message, /\(6 problems\)/);
  });

  it('names the variable, the value and the range in the message', () => {
    const err = configError(() => loadConfig({ REDIS_MAX_CONNECTIONS: '500' }));
    assert.ok(err.message.includes('REDIS_MAX_CONNECTIONS=500: expected an integer from 5 to 200'), err.message);
    assert.deepEqual(err.issues, [{ name: 'REDIS_MAX_CONNECTIONS', received: '500', expected: 'an integer from 5 to 200' }]);
  });

  it('quotes values whose whitespace matters', () => {
    const err = configError(() => loadConfig({ REDIS_LANES: ' 5.5 ' }));
    assert.equal(err.issues[0]?.received, '" 5.5 "');
  });

  it('names options, in milliseconds, for bad programmatic values', () => {
    const err = configError(() => loadConfig({}, options({ maxConnections: 500, mode: 'replica' })));
    assert.ok(err.message.includes('maxConnections=500: expected an integer from 5 to 200'), err.message);
    assert.ok(err.message.includes(`mode="replica": expected one of 'standalone', 'cluster', 'sentinel'`), err.message);
    const timeout = configError(() => loadConfig({}, { commandTimeoutMs: 50 }));
    assert.equal(timeout.issues[0]?.expected, 'an integer number of milliseconds from 100 to 60000');
  });
});

describe('secrets', () => {
  const PASSWORD = 'hunter2-S3cret';

  it('redacted() hides the URL password and the password fields', () => {
    const config = loadConfig({ REDIS_URL: `redis://app:${PASSWORD}@10.0.0.1:6380/1`, REDIS_SENTINEL_PASSWORD: 'sentinel-S3cret' });
    assert.equal(config.password, PASSWORD);
    assert.equal(config.username, 'app');
    const shown = redacted(config);
    assert.equal(shown.url, 'redis://app:***@10.0.0.1:6380/1');
    assert.equal(shown.password, '***');
    assert.equal(shown.sentinelPassword, '***');
    assert.equal(JSON.stringify(shown).includes('S3cret'), false);
  });

  it('redacted() leaves unset passwords absent', () => {
    const shown = redacted(loadConfig({}));
    assert.equal('password' in shown, false);
    assert.equal('sentinelPassword' in shown, false);
  });

  it('never puts the password of a malformed REDIS_URL in an error', () => {
    const urls = [
      `redis://app:${PASSWORD}@10.0.0.1:6379/99`,
      `redis://app:${PASSWORD}@10.0.0.1:notaport`,
      `redis://app:${PASSWORD}/x@10.0.0.1:6379`, // unencoded '/' in the password
      `redis://app:${PASSWORD}@x@10.0.0.1:6379/db`, // unencoded '@' in the password
      `redis://:${PASSWORD}@10.0.0.1:6379?password=${PASSWORD}`,
    ];
    for (const url of urls) {
      const err = configError(() => loadConfig({ REDIS_URL: url }));
      assert.deepEqual(issueNames(err), ['REDIS_URL']);
      assert.equal(err.message.includes(PASSWORD), false, err.message);
      assert.equal(JSON.stringify(err.issues).includes(PASSWORD), false);
      const viaOption = configError(() => loadConfig({}, { url }));
      assert.equal(viaOption.message.includes(PASSWORD), false, viaOption.message);
    }
  });

  it('never puts REDIS_PASSWORD or REDIS_SENTINEL_PASSWORD in an error', () => {
    const err = configError(() =>
      loadConfig(
        { REDIS_PASSWORD: PASSWORD, REDIS_SENTINEL_PASSWORD: PASSWORD, REDIS_LANES: '99', REDIS_MODE: 'sentinel' },
        options({ password: 12_345, sentinelPassword: ['x', PASSWORD] }),
      ),
    );
    assert.equal(err.message.includes(PASSWORD), false, err.message);
    assert.equal(err.message.includes('12345'), false, err.message);
    assert.ok(err.issues.some((i) => i.name === 'password' && i.received === '***'));
  });

  it('hides the value of an unknown option that looks like a password', () => {
    const err = configError(() => loadConfig({}, options({ passwd: PASSWORD })));
    assert.equal(err.issues[0]?.received, '***');
    assert.match(err.message, /did you mean password\?/);
  });

  it('redactUrl keeps the user name and everything but the password', () => {
    assert.equal(redactUrl('rediss://app:pw@host:6380/2'), 'rediss://app:***@host:6380/2');
    assert.equal(redactUrl('redis://:pw@host'), 'redis://:***@host');
    assert.equal(redactUrl('redis://app@host'), 'redis://app@host');
    assert.equal(redactUrl('redis://host:6379'), 'redis://host:6379');
    assert.equal(redactUrl('redis://a:p@ss:w@rd@host/0'), 'redis://a:***@host/0');
    assert.equal(redactUrl('redis://host?password=pw&x=1'), 'redis://host?password=***&x=1');
    assert.equal(redactUrl('memory://'), 'memory://');
  });
});

describe('precedence', () => {
  it('options win over the environment', () => {
    const config = loadConfig(
      { REDIS_LANES: '3', REDIS_ACQUIRE_TIMEOUT: '2', REDIS_KEY_PREFIX: 'env:' },
      { lanes: 5, acquireTimeoutMs: 750, keyPrefix: 'code:' },
    );
    assert.equal(config.lanes, 5);
    assert.equal(config.acquireTimeoutMs, 750);
    assert.equal(config.keyPrefix, 'code:');
  });

  it('an option replaces a bad variable instead of reporting it', () => {
    assert.equal(loadConfig({ REDIS_LANES: 'many' }, { lanes: 4 }).lanes, 4);
  });

  it('REDIS_USERNAME, REDIS_PASSWORD and REDIS_DB override the URL', () => {
    const config = loadConfig({ REDIS_URL: 'redis://u1:p1@h:6379/3', REDIS_USERNAME: 'u2', REDIS_PASSWORD: 'p2', REDIS_DB: '4' });
    assert.deepEqual([config.username, config.password, config.db], ['u2', 'p2', 4]);
  });

  it('decodes percent-encoded credentials in the URL', () => {
    const config = loadConfig({ REDIS_URL: 'redis://us%3Aer:p%40ss%2Fw@h:6379/3' });
    assert.deepEqual([config.username, config.password, config.db], ['us:er', 'p@ss/w', 3]);
  });

  it('an empty password option means none, even if the environment has one', () => {
    const config = loadConfig({ REDIS_PASSWORD: 'x', REDIS_URL: 'redis://:y@h' }, { password: '' });
    assert.equal('password' in config, false);
  });

  it('rejects unknown options, suggesting the intended one', () => {
    const err = configError(() =>
      loadConfig({}, options({ maxConection: 10, acquireTimeoutMillis: 5000, REDIS_LANES: 3, frobnicate: true })),
    );
    assert.deepEqual(issueNames(err), ['maxConection', 'acquireTimeoutMillis', 'REDIS_LANES', 'frobnicate']);
    assert.match(err.message, /maxConection=10: expected a known option \(did you mean maxConnections\?\)/);
    assert.match(err.message, /acquireTimeoutMillis=5000: expected a known option \(did you mean acquireTimeoutMs\?\)/);
    assert.match(err.message, /REDIS_LANES=3: expected a known option \(did you mean lanes\?\)/);
    assert.match(err.message, /frobnicate=true: expected a known option \(url, mode, /);
  });

  it('rejects options that are not an object', () => {
    assert.deepEqual(issueNames(configError(() => loadConfig({}, 'lanes=3' as unknown as RedisKitOptions))), ['options']);
  });
});

describe('modes', () => {
  it('memory:// gives mode memory and needs nothing else', () => {
    const config = loadConfig({ REDIS_URL: 'memory://', REDIS_MODE: 'cluster' });
    assert.equal(config.mode, 'memory');
    assert.equal(describeTarget(config), 'memory (in-process)');
  });

  it('rediss:// and TLS files turn TLS on', () => {
    assert.equal(loadConfig({ REDIS_URL: 'rediss://h:6380' }).tls, true);
    const withCa = loadConfig({ REDIS_TLS_CA_FILE: '/etc/ssl/ca.pem' });
    assert.equal(withCa.tls, true);
    assert.equal(withCa.tlsCaFile, '/etc/ssl/ca.pem');
    assert.equal(describeTarget(withCa), '127.0.0.1:6379 (standalone, tls)');
  });

  it('a client certificate needs its key, and the reverse', () => {
    const err = configError(() => loadConfig({ REDIS_TLS_CERT_FILE: '/c.pem' }));
    assert.deepEqual(issueNames(err), ['REDIS_TLS_KEY_FILE']);
    assert.deepEqual(issueNames(configError(() => loadConfig({}, { tlsKeyFile: '/k.pem' }))), ['tlsCertFile']);
  });

  it('cluster mode needs nodes and database 0', () => {
    const err = configError(() => loadConfig({ REDIS_MODE: 'cluster', REDIS_DB: '2' }));
    assert.deepEqual(issueNames(err), ['REDIS_CLUSTER_NODES', 'REDIS_DB']);
    assert.match(err.message, /REDIS_CLUSTER_NODES=\(unset\): expected .*at least one node is required when REDIS_MODE=cluster/);
    assert.deepEqual(issueNames(configError(() => loadConfig({}, { mode: 'cluster', clusterNodes: [] }))), ['clusterNodes']);
    const config = loadConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    assert.equal(describeTarget(config), 'cluster 127.0.0.1:7000,127.0.0.1:7001');
  });

  it('sentinel mode needs a master and sentinels', () => {
    const err = configError(() => loadConfig({ REDIS_MODE: 'Sentinel' }));
    assert.deepEqual(issueNames(err), ['REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER']);
    const config = loadConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'mymaster' });
    assert.equal(config.mode, 'sentinel');
    assert.equal(describeTarget(config), 'sentinel mymaster via 127.0.0.1:26379');
  });

  it('rejects node lists the mode would ignore', () => {
    const err = configError(() => loadConfig({ REDIS_CLUSTER_NODES: 'h:7000', REDIS_SENTINEL_MASTER: 'm' }));
    assert.deepEqual(issueNames(err), ['REDIS_CLUSTER_NODES', 'REDIS_SENTINEL_MASTER']);
    assert.match(err.message, /expected to be unset unless REDIS_MODE=cluster \(the mode is standalone\)/);
  });

  it('describes a standalone target without credentials', () => {
    const config = loadConfig({ REDIS_URL: 'redis://u:secret@[::1]:6380/2' });
    assert.equal(describeTarget(config), '[::1]:6380 (standalone)');
  });
});

describe('min and max connections', () => {
  it('rejects minConnections above maxConnections', () => {
    const err = configError(() => loadConfig({ REDIS_MIN_CONNECTIONS: '20', REDIS_MAX_CONNECTIONS: '10' }));
    assert.deepEqual(err.issues, [{ name: 'REDIS_MIN_CONNECTIONS', received: '20', expected: 'at most REDIS_MAX_CONNECTIONS (10)' }]);
    const againstDefault = configError(() => loadConfig({}, { minConnections: 60 }));
    assert.deepEqual(againstDefault.issues, [
      { name: 'minConnections', received: '60', expected: 'at most maxConnections (50, the default)' },
    ]);
  });

  it('accepts min equal to max', () => {
    assert.equal(loadConfig({}, { minConnections: 10, maxConnections: 10 }).minConnections, 10);
  });
});

describe('readTlsFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-kit-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files that are set', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const files = readTlsFiles(loadConfig({ REDIS_TLS_CA_FILE: ca }));
    assert.equal(files.ca?.toString(), '-----BEGIN CERTIFICATE-----\n');
    assert.equal(files.cert, undefined);
  });

  it('names the variable of every file it cannot read', () => {
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, '');
    const missing = join(dir, 'missing.pem');
    const err = configError(() => readTlsFiles({ tlsCaFile: missing, tlsCertFile: empty, tlsKeyFile: empty }));
    assert.deepEqual(issueNames(err), ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE']);
    assert.match(err.message, /REDIS_TLS_CA_FILE=.*missing\.pem: expected a readable file \(ENOENT\)/);
    assert.match(err.message, /REDIS_TLS_CERT_FILE=.*empty\.pem: expected a non-empty PEM file/);
  });
});
