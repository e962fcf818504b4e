import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AuthError, ConfigError, ConnectError, createRedis, RedisKitError } from '../../src/index.js';
import { freePort, type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor, settle, testEngine } from '../helpers/kit.js';

/** Everything reachable from an error, as deep as it goes. */
function everything(value: unknown): string {
  return inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true });
}

function assertNoSecret(value: unknown, secret: string): void {
  const text = everything(value);
  assert.ok(!text.includes(secret), `the secret appears in:\n${text}`);
}

describe('no error, cause or nested property holds a password', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis({ args: ['--requirepass', 'server-password-1'] });
    await server.command('ACL', 'SETUSER', 'alice', 'on', '>alice-password-2', '~*', '+@all');
    await server.command('ACL', 'SETUSER', 'bob', 'off', '>bob-password-3', '~*', '+@all');
  });
  after(async () => {
    await server.stop();
  });

  const cases: [what: string, username: string | undefined, password: string][] = [
    ['wrong password, default user', undefined, 'wrong-password-4'],
    ['unknown user', 'mallory', 'mallory-password-5'],
    ['ACL user, wrong password', 'alice', 'not-alice-password-6'],
    ['ACL user switched off, right password', 'bob', 'bob-password-3'],
  ];
  for (const [what, username, password] of cases) {
    it(`auth failure (${what}): connect(), commands, lease, events and health carry no password`, async () => {
      const redis = kitFor(server, { username, password, retryMaxDelayMs: 1000 });
      const unavailable = new Promise<unknown>((resolve) => redis.once('unavailable', resolve));
      try {
        const connected = await settle(redis.connect());
        assert.ok(!connected.ok, 'connect() failed');
        assert.ok(connected.error instanceof AuthError, String(connected.error));
        assertNoSecret(connected.error, password);
        const command = await settle(redis.get('k'));
        assert.ok(!command.ok && command.error instanceof RedisKitError);
        assertNoSecret(command.error, password);
        const leased = await settle(redis.lease((c) => c.get('k')));
        assert.ok(!leased.ok && leased.error instanceof RedisKitError);
        assertNoSecret(leased.error, password);
        assertNoSecret(await redis.health(), password);
        assertNoSecret(redis.stats(), password);
        redis.destroy();
        assertNoSecret(await Promise.race([unavailable, Promise.resolve('no event')]), password);
      } finally {
        redis.destroy();
      }
    });
  }

  it('connect failure to a refused port, with a password in the URL', async () => {
    const port = await freePort();
    const redis = createRedis({
      env: {},
      engine: testEngine,
      url: `redis://user:url-password-7@127.0.0.1:${port}`,
      connectTimeoutMs: 1000,
    });
    try {
      const connected = await settle(redis.connect());
      assert.ok(!connected.ok && connected.error instanceof ConnectError, String(!connected.ok && connected.error));
      assertNoSecret(connected.error, 'url-password-7');
      const command = await settle(redis.get('k'));
      assert.ok(!command.ok);
      assertNoSecret(command.error, 'url-password-7');
    } finally {
      redis.destroy();
    }
  });

  it('config errors: a bad URL containing a password', () => {
    for (const url of ['redis://:config-password-8@127.0.0.1:notaport', 'rediss://u:config-password-8@', 'redis//:config-password-8@x']) {
      let caught: unknown;
      try {
        createRedis({ env: {}, url });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof ConfigError, `${url}: ${String(caught)}`);
      assertNoSecret(caught, 'config-password-8');
    }
  });
});
