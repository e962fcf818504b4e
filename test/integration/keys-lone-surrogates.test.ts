import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createCache } from '../../src/cache/index.js';
import { createRateLimiter } from '../../src/rate-limit/index.js';
import { createSessionStore } from '../../src/session/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * Two lone surrogates (what `JSON.parse('"\\ud800"')` hands a service from a
 * request body) and U+FFFD, which a lossy UTF-8 encoder makes of both: three
 * different strings that must get three different keys in every service.
 */
const HIGH = JSON.parse('"\\ud800"') as string;
const OTHER_HIGH = JSON.parse('"\\udbff"') as string;
const REPLACEMENT = '\uFFFD';
const INPUTS = [HIGH, OTHER_HIGH, REPLACEMENT] as const;

async function keys(server: RedisServer): Promise<string[]> {
  const text = await server.command('KEYS', '*');
  return text === '' ? [] : text.split('\n').sort();
}

describe('keys from lone surrogates stay apart against a real server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    await server.command('FLUSHALL');
  });

  it('cache: each input reads back its own value, and clear() finds them all', async () => {
    await using redis = kitFor(server);
    const cache = createCache<string>(redis, { namespace: 'c', fallback: 'none' });
    for (const [i, key] of INPUTS.entries()) await cache.set(key, `value-${i}`);
    for (const [i, key] of INPUTS.entries()) assert.equal(await cache.get(key), `value-${i}`, JSON.stringify(key));
    assert.deepEqual(await keys(server), ['c:%ED%A0%80', 'c:%ED%AF%BF', 'c:%EF%BF%BD']);
    assert.equal(await cache.delete(HIGH), true);
    assert.equal(await cache.get(HIGH), undefined);
    assert.equal(await cache.get(OTHER_HIGH), 'value-1', 'deleting one did not delete the other');
    assert.equal(await cache.clear(), 2);
  });

  it('sessions: two such ids are two sessions, and all() gives each id back as it was', async () => {
    await using redis = kitFor(server);
    const store = createSessionStore(redis);
    const cookie = { expires: new Date(Date.now() + 60_000), originalMaxAge: 60_000 };
    for (const [i, id] of INPUTS.entries()) await store.set(id, { cookie, user: `user-${i}` });
    for (const [i, id] of INPUTS.entries()) assert.equal((await store.get(id))?.user, `user-${i}`, JSON.stringify(id));
    const all = await store.all();
    assert.deepEqual([...all.keys()].sort(), [...INPUTS].sort(), 'SCAN decodes every key to its exact id');
    assert.equal(await store.length(), 3);
    assert.equal(await store.delete(OTHER_HIGH), true);
    assert.equal((await store.get(HIGH))?.user, 'user-0');
  });

  it('rate limiter: each input has its own quota', async () => {
    await using redis = kitFor(server);
    const limiter = createRateLimiter(redis, { limit: 1, windowMs: 60_000, prefix: 'rl' });
    for (const key of INPUTS) assert.equal((await limiter.consume(key)).allowed, true, JSON.stringify(key));
    for (const key of INPUTS) assert.equal((await limiter.consume(key)).allowed, false, JSON.stringify(key));
    assert.equal((await keys(server)).length, 3);
  });
});
