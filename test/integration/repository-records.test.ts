import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import {
  ClosedError,
  CommandTimeoutError,
  ConflictError,
  ConnectError,
  msgpackCodec,
  PoolTimeoutError,
  RecordNotFoundError,
  RedisUnavailableError,
  type RedisKit,
  UniqueViolationError,
  ValidationError,
} from '../../src/index.js';
import { kOwnedResourceCount } from '../../src/client/internal.js';
import { freePort, once, type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

const User = z.object({
  email: z.string().email().toLowerCase(),
  name: z.string().min(1),
  visits: z.number().int().default(0),
});

const Counter = z.object({ n: z.number().int() });

const codeOf = (error: Error): unknown => (error as Error & { code?: unknown }).code;

describe('record repositories on a real server', () => {
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
  beforeEach(async () => {
    await server.command('FLUSHALL');
  });

  it('put / get / exists / getMany / delete, one JSON key per record under keyPrefix + namespace', async () => {
    const users = redis.repository({ namespace: 'users', schema: User });
    const stored = await users.put('u1', { email: 'Ada@Example.com', name: 'Ada' });
    assert.deepEqual(stored, { email: 'ada@example.com', name: 'Ada', visits: 0 }, 'the schema output is what is stored');
    assert.equal(await server.command('KEYS', '*'), 'app:users:r:u1');
    assert.deepEqual(JSON.parse(await server.command('GET', 'app:users:r:u1')), stored, 'plain JSON, readable in redis-cli');
    assert.deepEqual(await users.get('u1'), stored);
    assert.equal(await users.exists('u1'), true);
    assert.equal(await users.exists('u2'), false);
    assert.deepEqual(await users.getMany(['u2', 'u1']), [undefined, stored]);
    assert.equal(await users.delete('u1'), true);
    assert.equal(await users.delete('u1'), false);
    assert.equal(await users.get('u1'), undefined);
    assert.equal(await users.get(''), undefined, 'an unusable id is a miss, never a lookup');
    assert.equal(await server.command('DBSIZE'), '0');
    await users.close();
  });

  it('ids go through encodeKeyPart: an id cannot leave the namespace or act as a pattern', async () => {
    const users = redis.repository({ namespace: 'users', schema: User });
    await users.put('a:b*{c}', { email: 'a@b.io', name: 'A' });
    assert.equal(await server.command('KEYS', '*'), 'app:users:r:a%3Ab%2A%7Bc%7D');
    assert.equal((await users.get('a:b*{c}'))?.name, 'A');
    const page = await users.list();
    assert.deepEqual(
      page.records.map((r) => r.id),
      ['a:b*{c}'],
    );
    await users.close();
  });

  it('create() stores under a new time-ordered id', async () => {
    const users = redis.repository({ namespace: 'users', schema: User });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await users.create({ email: `u${i}@x.io`, name: `U${i}` })).id);
    assert.equal(new Set(ids).size, 20);
    assert.deepEqual([...ids].sort(), ids, 'sortable: later ids sort after earlier ones');
    for (const id of ids) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const created = await users.create({ email: 'x@y.io', name: 'X' });
    assert.deepEqual(await users.get(created.id), created.value);
    assert.equal(created.value.visits, 0);
    await users.close();
  });

  it('a value the schema refuses is never written: ValidationError with the issues, without the value', async () => {
    const users = redis.repository({ namespace: 'users', schema: User });
    const put = await settle(users.put('u1', { email: 'not-an-email-secret', name: '' }));
    assert.ok(!put.ok && put.error instanceof ValidationError, String(!put.ok && put.error));
    assert.equal(put.error.code, 'ERR_REDIS_VALIDATION');
    assert.deepEqual(put.error.issues.map((issue) => issue.path?.join('.')).sort(), ['email', 'name']);
    assert.ok(!put.error.message.includes('not-an-email-secret'), put.error.message);
    const created = await settle(users.create({ email: 1 } as never));
    assert.ok(!created.ok && created.error instanceof ValidationError);
    assert.equal(await server.command('DBSIZE'), '0');
    await users.close();
  });

  it('corrupt stored data and schema drift: ValidationError by default, a counted miss with onInvalid: miss', async () => {
    const v1 = redis.repository({ namespace: 'users', schema: z.object({ name: z.string() }) });
    await v1.put('old', { name: 'Old' });
    await server.command('SET', 'app:users:r:corrupt', '{"name": nope');
    const strict = redis.repository({ namespace: 'users', schema: User });
    for (const id of ['old', 'corrupt']) {
      const read = await settle(strict.get(id));
      assert.ok(!read.ok && read.error instanceof ValidationError, `${id}: ${String(!read.ok && read.error)}`);
      assert.ok(!read.error.message.includes('nope'), 'stored data stays out of the message');
    }
    assert.equal(strict.stats().invalid, 2);
    const listed = await settle(strict.list());
    assert.ok(!listed.ok && listed.error instanceof ValidationError, 'list reports it too');
    const updated = await settle(strict.update('old', (u) => u));
    assert.ok(!updated.ok && updated.error instanceof ValidationError);

    const lenient = redis.repository({ namespace: 'users', schema: User, onInvalid: 'miss' });
    await lenient.put('good', { email: 'g@x.io', name: 'G' });
    assert.equal(await lenient.get('old'), undefined);
    assert.equal(await lenient.get('corrupt'), undefined);
    assert.deepEqual(await lenient.getMany(['old', 'good']), [undefined, { email: 'g@x.io', name: 'G', visits: 0 }]);
    assert.deepEqual(
      (await lenient.list()).records.map((r) => r.id),
      ['good'],
    );
    const missing = await settle(lenient.update('corrupt', (u) => u));
    assert.ok(!missing.ok && missing.error instanceof RecordNotFoundError);
    assert.equal(lenient.stats().invalid, 6);
    assert.equal(await server.command('GET', 'app:users:r:corrupt'), '{"name": nope', 'a read never rewrites or deletes');
    await Promise.all([v1.close(), strict.close(), lenient.close()]);
  });

  it('50 concurrent updates of one counter lose nothing', async () => {
    const counters = redis.repository({ namespace: 'counters', schema: Counter, maxUpdateRetries: 1000 });
    await counters.put('c', { n: 0 });
    const results = await Promise.all(Array.from({ length: 50 }, () => settle(counters.update('c', (c) => ({ n: c.n + 1 })))));
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed, [], 'with enough retries every caller gets through');
    assert.equal((await counters.get('c'))?.n, 50);
    assert.ok(counters.stats().conflicts > 0, 'the callers did contend');
    await counters.close();
  });

  it('without retries, conflicts are ConflictErrors and the counter equals the successful updates', async () => {
    const counters = redis.repository({ namespace: 'counters', schema: Counter, maxUpdateRetries: 0 });
    await counters.put('c', { n: 0 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        settle(
          counters.update('c', async (c) => {
            // A pause between read and write, so other callers get in between.
            await new Promise((resolve) => setImmediate(resolve));
            return { n: c.n + 1 };
          }),
        ),
      ),
    );
    const successes = results.filter((r) => r.ok).length;
    const conflicts = results.filter((r) => !r.ok && r.error instanceof ConflictError && r.error.code === 'ERR_REDIS_CONFLICT');
    assert.equal(successes + conflicts.length, 50, 'every failure is a ConflictError');
    assert.ok(conflicts.length > 0, 'some lost the race');
    assert.equal((await counters.get('c'))?.n, successes);
    assert.equal(counters.stats().conflictErrors, conflicts.length);
    assert.equal(redis.stats().pool.active, 0, 'every lease was given back');
    await counters.close();
  });

  it('update: fn throwing or returning an invalid value leaves the record as it was; a missing record is RecordNotFoundError', async () => {
    const users = redis.repository({ namespace: 'users', schema: User });
    await users.put('u1', { email: 'a@x.io', name: 'A', visits: 3 });
    const before = await server.command('GET', 'app:users:r:u1');
    const boom = new Error('boom');
    const thrown = await settle(
      users.update('u1', () => {
        throw boom;
      }),
    );
    assert.ok(!thrown.ok && thrown.error === boom, 'the error of fn, as it is');
    const invalid = await settle(users.update('u1', (u) => ({ ...u, email: 'nope' })));
    assert.ok(!invalid.ok && invalid.error instanceof ValidationError);
    assert.equal(await server.command('GET', 'app:users:r:u1'), before);
    let called = false;
    const missing = await settle(
      users.update('nobody', (u) => {
        called = true;
        return u;
      }),
    );
    assert.ok(!missing.ok && missing.error instanceof RecordNotFoundError && missing.error.code === 'ERR_REDIS_RECORD_NOT_FOUND');
    assert.equal(called, false);
    assert.deepEqual(await users.update('u1', (u) => ({ ...u, visits: u.visits + 1 })), { email: 'a@x.io', name: 'A', visits: 4 });
    assert.equal(redis.stats().pool.active, 0);
    await users.close();
  });

  it('unique: concurrent creates with one email admit exactly one', async () => {
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => settle(users.create({ email: i % 2 === 0 ? 'Same@x.io' : 'same@X.io', name: `U${i}` }))),
    );
    const won = results.filter((r) => r.ok);
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.ok) continue;
      assert.ok(r.error instanceof UniqueViolationError, String(r.error));
      assert.equal(r.error.field, 'email');
      assert.equal(r.error.code, 'ERR_REDIS_UNIQUE_VIOLATION');
      assert.ok(!r.error.message.toLowerCase().includes('same@x.io'), 'the value stays out of the message');
    }
    const winner = won[0]?.ok ? won[0].value : undefined;
    assert.deepEqual(await users.findBy('email', 'same@x.io'), winner);
    assert.equal(await server.command('GET', 'app:users:u:email:same@x.io'), winner?.id);
    assert.equal(users.stats().uniqueViolations, 19);
    assert.equal((await users.list()).records.length, 1);
    await users.close();
  });

  it('unique keys follow the record: update moves them, delete removes them, put of a taken value is refused', async () => {
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    await users.put('a', { email: 'a@x.io', name: 'A' });
    await users.put('b', { email: 'b@x.io', name: 'B' });
    const taken = await settle(users.put('b', { email: 'a@x.io', name: 'B' }));
    assert.ok(!taken.ok && taken.error instanceof UniqueViolationError);
    const takenByUpdate = await settle(users.update('b', (u) => ({ ...u, email: 'a@x.io' })));
    assert.ok(!takenByUpdate.ok && takenByUpdate.error instanceof UniqueViolationError);
    assert.equal((await users.get('b'))?.email, 'b@x.io', 'a refused write changes nothing');

    await users.update('a', (u) => ({ ...u, email: 'new@x.io' }));
    assert.equal(await users.findBy('email', 'a@x.io'), undefined);
    assert.equal((await users.findBy('email', 'new@x.io'))?.id, 'a');
    assert.equal(await server.command('EXISTS', 'app:users:u:email:a@x.io'), '0', 'the old key went in the same transaction');
    await users.put('b', { email: 'a@x.io', name: 'B' });
    assert.equal((await users.findBy('email', 'a@x.io'))?.id, 'b', 'a freed value can be taken');
    assert.equal(await users.delete('b'), true);
    assert.equal(await server.command('EXISTS', 'app:users:u:email:a@x.io'), '0');
    assert.equal(await users.findBy('email', 'a@x.io'), undefined);
    const keys = (await server.command('KEYS', '*')).split('\n').sort();
    assert.deepEqual(keys, ['app:users:r:a', 'app:users:u:email:new@x.io']);
    await users.close();
  });

  it('a unique key left behind by a record deleted outside the repository does not block its value', async () => {
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    await users.put('a', { email: 'a@x.io', name: 'A' });
    await server.command('DEL', 'app:users:r:a');
    assert.equal(await users.findBy('email', 'a@x.io'), undefined);
    await users.put('b', { email: 'a@x.io', name: 'B' });
    assert.equal((await users.findBy('email', 'a@x.io'))?.id, 'b');
    await users.close();
  });

  it('TTL: per repository, per record, kept by update, shared by unique keys; expired records are gone', async () => {
    const users = redis.repository({ namespace: 'users', schema: User, ttlMs: 60_000, unique: ['email'] });
    await users.put('a', { email: 'a@x.io', name: 'A' });
    const pttl = Number(await server.command('PTTL', 'app:users:r:a'));
    assert.ok(pttl > 55_000 && pttl <= 60_000, `PTTL ${pttl}`);
    await users.put('b', { email: 'b@x.io', name: 'B' }, { ttlMs: 120_000 });
    assert.ok(Number(await server.command('PTTL', 'app:users:r:b')) > 115_000);
    assert.ok(Number(await server.command('PTTL', 'app:users:u:email:b@x.io')) > 115_000, 'the unique key lives as long');
    await server.command('PEXPIRE', 'app:users:r:a', '30000');
    await users.update('a', (u) => ({ ...u, email: 'a2@x.io' }));
    const kept = Number(await server.command('PTTL', 'app:users:r:a'));
    assert.ok(kept > 25_000 && kept <= 30_000, `update keeps the remaining lifetime: ${kept}`);
    const moved = Number(await server.command('PTTL', 'app:users:u:email:a2@x.io'));
    assert.ok(moved > 25_000 && moved <= 30_000, `the new unique key gets it too: ${moved}`);
    const bad = await settle(users.put('c', { email: 'c@x.io', name: 'C' }, { ttlMs: 0 }));
    assert.ok(!bad.ok && codeOf(bad.error) === 'ERR_REDIS_INVALID_ARGUMENT');

    const short = redis.repository({ namespace: 'short', schema: Counter });
    await short.put('s', { n: 1 }, { ttlMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(await short.get('s'), undefined);
    assert.equal(await short.exists('s'), false);
    await Promise.all([users.close(), short.close()]);
  });

  it('list pages through the namespace: every record, nothing from elsewhere, no page repeating a record', async () => {
    const items = redis.repository({ namespace: 'items', schema: Counter });
    const other = redis.repository({ namespace: 'items2', schema: Counter });
    const ids = Array.from({ length: 537 }, (_, i) => `item-${i}`);
    await Promise.all(ids.map((id, i) => items.put(id, { n: i })));
    await other.put('x', { n: -1 });
    await server.command('SET', 'app:items:r:bad:key', '{}');
    await server.command('SET', 'app:items:u:n:1', 'item-1');
    for (const limit of [1, 7, 100, 1000]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await items.list({ cursor, limit });
        assert.ok(page.records.length <= limit, `page of ${page.records.length} for limit ${limit}`);
        assert.equal(new Set(page.records.map((r) => r.id)).size, page.records.length, 'no record twice in a page');
        for (const record of page.records) {
          seen.push(record.id);
          assert.equal(record.value.n, Number(record.id.slice(5)));
        }
        cursor = page.cursor;
        pages++;
        assert.ok(pages <= 600, 'the walk ends');
      } while (cursor !== undefined);
      // SCAN may repeat a key across steps while the server is still rehashing the table the puts grew
      // (documented); it never misses one that exists for the whole walk.
      assert.deepEqual([...new Set(seen)].sort(), [...ids].sort(), `limit ${limit}: every record, and only these`);
      assert.ok(seen.length - ids.length <= limit * 4, `limit ${limit}: ${seen.length - ids.length} repeats, a rehash's worth at most`);
    }
    const bad = await settle(items.list({ cursor: 'nonsense' }));
    assert.ok(!bad.ok && codeOf(bad.error) === 'ERR_REDIS_INVALID_ARGUMENT');
    const badLimit = await settle(items.list({ limit: 0 }));
    assert.ok(!badLimit.ok && codeOf(badLimit.error) === 'ERR_REDIS_INVALID_ARGUMENT');
    await Promise.all([items.close(), other.close()]);
  });

  it('closes with the client like every service; after close every method rejects with ClosedError', async () => {
    const before = redis[kOwnedResourceCount];
    const users = redis.repository({ namespace: 'users', schema: User });
    assert.equal(redis[kOwnedResourceCount], before + 1);
    const writing = users.put('u', { email: 'u@x.io', name: 'U' });
    await users.close();
    await writing;
    assert.equal(redis[kOwnedResourceCount], before);
    const after = await settle(users.get('u'));
    assert.ok(!after.ok && after.error instanceof ClosedError);
  });
});

describe('record repositories: codecs and ownership', () => {
  it('a binary codec (MessagePack) stores Buffers and reads them back, with updates and unique keys', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server);
    const users = redis.repository({ namespace: 'users', schema: User, codec: msgpackCodec(), unique: ['email'] });
    const { id } = await users.create({ email: 'm@x.io', name: 'M' });
    const raw = await server.call('TYPE', `users:r:${id}`);
    assert.equal(String(raw), 'string');
    assert.notEqual((await server.command('GET', `users:r:${id}`)).charAt(0), '{', 'not JSON');
    assert.deepEqual(await users.get(id), { email: 'm@x.io', name: 'M', visits: 0 });
    assert.equal((await users.update(id, (u) => ({ ...u, visits: 2 }))).visits, 2);
    assert.equal((await users.findBy('email', 'm@x.io'))?.value.visits, 2);
    const json = redis.repository({ namespace: 'users', schema: User, onInvalid: 'miss' });
    assert.equal(await json.get(id), undefined, 'another codec reads it as invalid, not as a wrong object');
    assert.equal(json.stats().invalid, 1);
  });

  it('the client closing closes its repositories', async () => {
    await using server = await startRedis();
    const redis = kitFor(server);
    const users = redis.repository({ namespace: 'users', schema: User });
    await users.put('u', { email: 'u@x.io', name: 'U' });
    await redis.close();
    assert.equal(users.closed, true);
    assert.equal(redis[kOwnedResourceCount], 0);
    await assert.rejects(users.get('u'), ClosedError);
  });
});

describe('record repositories while Redis is down', () => {
  it('reads and writes fail with RedisUnavailableError: no memory fork', async () => {
    await using server = await startRedis();
    await using redis = kitFor(server, { breakerFailureThreshold: 2, retryMaxDelayMs: 100 });
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    const plain = redis.repository({ namespace: 'plain', schema: Counter });
    await redis.connect();
    await plain.put('c', { n: 1 });
    const unavailable = once(redis, 'unavailable');
    await server.kill();
    await unavailable;
    const attempts: Promise<unknown>[] = [
      users.get('a'),
      users.put('a', { email: 'a@x.io', name: 'A' }),
      users.create({ email: 'b@x.io', name: 'B' }),
      users.findBy('email', 'a@x.io'),
      plain.put('c', { n: 2 }),
      plain.update('c', (c) => ({ n: c.n + 1 })),
      plain.delete('c'),
      plain.list(),
    ];
    for (const attempt of await Promise.all(attempts.map((p) => settle(p)))) {
      assert.ok(!attempt.ok && attempt.error instanceof RedisUnavailableError, String(!attempt.ok && attempt.error));
    }
    await server.restart();
    await users.close();
    await plain.close();
  });

  it('before the breaker opens, Redis being unreachable is already RedisUnavailableError, the client’s error its cause', async () => {
    // Nothing listens on the port, and the breaker would need 1000 failures: every call below meets
    // the unreachable server itself, the window in which the client's own errors used to leak out.
    const port = await freePort();
    await using redis = kitFor(
      { url: `redis://127.0.0.1:${port}` },
      { breakerFailureThreshold: 1000, commandTimeoutMs: 300, acquireTimeoutMs: 300 },
    );
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    const plain = redis.repository({ namespace: 'plain', schema: Counter });
    // A command on a lane waits for the lane to connect until its deadline; a lease waits for a
    // connection the pool cannot open, and its PoolTimeoutError carries the ConnectError.
    const attempts: [string, Promise<unknown>, 'lane' | 'lease'][] = [
      ['get', plain.get('a'), 'lane'],
      ['put', plain.put('a', { n: 1 }), 'lane'],
      ['exists', plain.exists('a'), 'lane'],
      ['findBy', users.findBy('email', 'b@x.io'), 'lane'],
      ['create with a unique key', users.create({ email: 'b@x.io', name: 'B' }), 'lease'],
      ['update', plain.update('a', (c) => ({ n: c.n + 1 })), 'lease'],
    ];
    for (const [name, attempt, path] of attempts) {
      const outcome = await settle(attempt);
      assert.ok(!outcome.ok, `${name} failed`);
      assert.ok(outcome.error instanceof RedisUnavailableError, `${name}: ${outcome.error.name} ${codeOf(outcome.error)}`);
      assert.equal(codeOf(outcome.error), 'ERR_REDIS_UNAVAILABLE');
      assert.match(outcome.error.message, /^repository "(users|plain)": Redis cannot be reached \(/);
      const cause = outcome.error.cause;
      if (path === 'lane') {
        assert.ok(cause instanceof CommandTimeoutError, `${name}: the cause is the command timeout, got ${String(cause)}`);
      } else {
        assert.ok(cause instanceof PoolTimeoutError, `${name}: the cause is the lease timeout, got ${String(cause)}`);
        assert.ok(cause.cause instanceof ConnectError, `${name}: which carries the connect error, got ${String(cause.cause)}`);
      }
    }
    assert.equal(redis.isUnavailable, false, 'the breaker stayed closed throughout');
    await Promise.all([users.close(), plain.close()]);
  });
});
