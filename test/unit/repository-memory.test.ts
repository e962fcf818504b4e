import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ConflictError,
  createRedis,
  createRepository,
  RecordNotFoundError,
  UniqueViolationError,
  ValidationError,
} from '../../src/index.js';
import { settle } from '../helpers/kit.js';

const User = z.object({ email: z.string().email().toLowerCase(), name: z.string().min(1), visits: z.number().int().default(0) });
const Counter = z.object({ n: z.number().int() });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A client with no Redis: every repository runs in process. */
const memoryClient = () => createRedis({ env: {}, url: 'memory://' });

describe('repositories: memory:// (no Redis at all)', () => {
  it('runs the whole API in process, with the same validation', async () => {
    await using redis = memoryClient();
    const users = redis.repository({ namespace: 'users', schema: User });
    const stored = await users.put('u1', { email: 'Ada@X.io', name: 'Ada' });
    assert.deepEqual(stored, { email: 'ada@x.io', name: 'Ada', visits: 0 });
    assert.deepEqual(await users.get('u1'), stored);
    assert.equal(await users.exists('u1'), true);
    assert.deepEqual(await users.getMany(['u1', 'nope']), [stored, undefined]);
    const created = await users.create({ email: 'b@x.io', name: 'B' });
    assert.deepEqual(await users.get(created.id), created.value);
    const refused = await settle(users.put('u2', { email: 'no', name: 'N' }));
    assert.ok(!refused.ok && refused.error instanceof ValidationError);
    assert.equal(await users.exists('u2'), false);
    assert.deepEqual(await users.update('u1', (u) => ({ ...u, visits: u.visits + 1 })), { ...stored, visits: 1 });
    assert.equal(await users.delete('u1'), true);
    assert.equal(await users.delete('u1'), false);
    const missing = await settle(users.update('u1', (u) => u));
    assert.ok(!missing.ok && missing.error instanceof RecordNotFoundError);
  });

  it('repositories on one memory client share their namespace (as on one Redis); other clients do not', async () => {
    await using redis = memoryClient();
    await using other = memoryClient();
    await redis.repository({ namespace: 'c', schema: Counter }).put('x', { n: 1 });
    assert.deepEqual(await createRepository(redis, { namespace: 'c', schema: Counter }).get('x'), { n: 1 });
    assert.equal(await other.repository({ namespace: 'c', schema: Counter }).get('x'), undefined);
  });

  it('concurrent updates lose nothing; without retries the losers get ConflictError', async () => {
    await using redis = memoryClient();
    const counters = redis.repository({ namespace: 'c', schema: Counter, maxUpdateRetries: 1000 });
    await counters.put('c', { n: 0 });
    const slowIncrement = async (c: { n: number }) => {
      await tick();
      return { n: c.n + 1 };
    };
    const all = await Promise.all(Array.from({ length: 50 }, () => settle(counters.update('c', slowIncrement))));
    assert.deepEqual(
      all.filter((r) => !r.ok),
      [],
    );
    assert.equal((await counters.get('c'))?.n, 50);
    assert.ok(counters.stats().conflicts > 0, 'the updates did interleave');

    const once = redis.repository({ namespace: 'c', schema: Counter, maxUpdateRetries: 0 });
    const results = await Promise.all(Array.from({ length: 50 }, () => settle(once.update('c', slowIncrement))));
    const successes = results.filter((r) => r.ok).length;
    const conflicts = results.filter((r) => !r.ok && r.error instanceof ConflictError).length;
    assert.equal(successes + conflicts, 50);
    assert.ok(conflicts > 0);
    assert.equal((await once.get('c'))?.n, 50 + successes);
  });

  it('fn throwing leaves the record untouched', async () => {
    await using redis = memoryClient();
    const counters = redis.repository({ namespace: 'c', schema: Counter });
    await counters.put('c', { n: 7 });
    const thrown = await settle(
      counters.update('c', () => {
        throw new Error('no');
      }),
    );
    assert.ok(!thrown.ok && thrown.error.message === 'no');
    assert.deepEqual(await counters.get('c'), { n: 7 });
  });

  it('unique: concurrent creates with one email admit exactly one; keys follow updates and deletes', async () => {
    await using redis = memoryClient();
    const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => settle(users.create({ email: 'same@x.io', name: `U${i}` }))));
    assert.equal(results.filter((r) => r.ok).length, 1);
    for (const r of results) if (!r.ok) assert.ok(r.error instanceof UniqueViolationError && r.error.field === 'email');
    const winner = results.find((r) => r.ok);
    const id = winner?.ok ? winner.value.id : '';
    assert.equal((await users.findBy('email', 'same@x.io'))?.id, id);
    await users.update(id, (u) => ({ ...u, email: 'moved@x.io' }));
    assert.equal(await users.findBy('email', 'same@x.io'), undefined);
    await users.put('other', { email: 'same@x.io', name: 'O' });
    const taken = await settle(users.put('third', { email: 'moved@x.io', name: 'T' }));
    assert.ok(!taken.ok && taken.error instanceof UniqueViolationError);
    assert.equal(await users.delete(id), true);
    await users.put('third', { email: 'moved@x.io', name: 'T' });
    assert.equal((await users.findBy('email', 'moved@x.io'))?.id, 'third');
  });

  it('TTLs on the injected clock, kept by update; expired records are gone for every operation', async () => {
    await using redis = memoryClient();
    let now = 1_000_000;
    const users = redis.repository({ namespace: 'users', schema: User, ttlMs: 1000, unique: ['email'], now: () => now });
    await users.put('a', { email: 'a@x.io', name: 'A' });
    await users.put('b', { email: 'b@x.io', name: 'B' }, { ttlMs: 5000 });
    now += 600;
    await users.update('a', (u) => ({ ...u, visits: 1 }));
    now += 600;
    assert.equal(await users.get('a'), undefined, 'update kept the original lifetime');
    assert.equal(await users.exists('a'), false);
    assert.equal(await users.findBy('email', 'a@x.io'), undefined);
    assert.equal((await users.get('b'))?.name, 'B');
    await users.put('c', { email: 'a@x.io', name: 'C' });
    assert.equal((await users.findBy('email', 'a@x.io'))?.id, 'c', 'the expired record no longer holds its email');
    assert.deepEqual((await users.list()).records.map((r) => r.id).sort(), ['b', 'c']);
    now += 10_000;
    assert.deepEqual((await users.list()).records, []);
  });

  it('schema drift in the shared keyspace: ValidationError, or a counted miss', async () => {
    await using redis = memoryClient();
    await redis.repository({ namespace: 'users', schema: z.object({ name: z.string() }) }).put('old', { name: 'Old' });
    const strict = redis.repository({ namespace: 'users', schema: User });
    await assert.rejects(strict.get('old'), ValidationError);
    const lenient = redis.repository({ namespace: 'users', schema: User, onInvalid: 'miss' });
    assert.equal(await lenient.get('old'), undefined);
    assert.equal(lenient.stats().invalid, 1);
    assert.equal(lenient.stats().misses, 1);
  });

  it('list pages cover every record exactly once', async () => {
    await using redis = memoryClient();
    const items = redis.repository({ namespace: 'items', schema: Counter });
    await redis.repository({ namespace: 'items2', schema: Counter }).put('x', { n: 0 });
    const ids = Array.from({ length: 95 }, (_, i) => `i${i}`);
    for (const [i, id] of ids.entries()) await items.put(id, { n: i });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await items.list({ cursor, limit: 10 });
      assert.ok(page.records.length <= 10);
      seen.push(...page.records.map((r) => r.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.equal(seen.length, ids.length);
    assert.deepEqual(seen.sort(), ids.sort());
  });
});
