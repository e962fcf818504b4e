import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, createRedis, InvalidArgumentError, ValidationError } from '../../src/index.js';
import { canonicalUnique, KeyLayout } from '../../src/repositories/records/key-layout.js';
import { keysPage, parseCursor } from '../../src/repositories/records/list-pages.js';
import type { RecordBackend, ScanPage } from '../../src/repositories/records/record-backend.js';
import { keySlot } from '../../src/topology/cluster-slot.js';
import { resolveRepositoryOptions } from '../../src/repositories/records/record-options.js';
import { SortableIdGenerator, sortableIdTime } from '../../src/repositories/records/sortable-id.js';
import { describeIssues, validateWith } from '../../src/repositories/records/validate.js';
import type { StandardSchemaV1 } from '../../src/repositories/standard-schema.js';

describe('repository parts', () => {
  it('sortable ids: 26 characters, ordered by time, strictly increasing within one millisecond', () => {
    let now = 1_700_000_000_000;
    const ids = new SortableIdGenerator(() => now);
    const sameMs = Array.from({ length: 1000 }, () => ids.next());
    assert.deepEqual([...sameMs].sort(), sameMs);
    assert.equal(new Set(sameMs).size, 1000);
    now -= 5000; // a clock stepping back must not break the order
    const afterStepBack = ids.next();
    assert.ok(afterStepBack > (sameMs.at(-1) as string));
    now += 10_000;
    const later = ids.next();
    assert.ok(later > afterStepBack);
    assert.equal(sortableIdTime(later), now);
    for (const id of [...sameMs, later]) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const other = new SortableIdGenerator(() => now);
    assert.notEqual(other.next(), ids.next(), 'independent generators draw their own random part');
  });

  it('key layout: encoded parts, and only canonical record keys are ids', () => {
    const layout = new KeyLayout('users');
    assert.equal(layout.record('a:b'), 'users:r:a%3Ab');
    assert.equal(new KeyLayout('a:b').record('x'), 'a%3Ab:r:x', 'a namespace cannot overlap another');
    assert.equal(layout.unique('email', canonicalUnique('email', 'a@x.io') as string), 'users:u:email:a@x.io');
    assert.equal(layout.idOf('users:r:a%3Ab'), 'a:b');
    assert.equal(layout.idOf('users:r:bad:key'), undefined);
    assert.equal(layout.idOf('users:r:%ZZ'), undefined);
    assert.equal(layout.idOf('users:r:'), undefined);
    assert.equal(layout.idOf('users:u:email:x'), undefined);
  });

  it('key layout with a hash tag (unique fields on a Cluster): a record and its unique keys share one slot', () => {
    const layout = new KeyLayout('users:v2', true);
    assert.equal(layout.record('a'), '{users%3Av2}:r:a');
    assert.equal(layout.unique('email', 'a@x.io'), '{users%3Av2}:u:email:a@x.io');
    assert.equal(layout.idOf('{users%3Av2}:r:a%7Bb%7D'), 'a{b}');
    const slots = new Set(['x', 'y{z}', 'ω'].map((id) => keySlot(`app:${layout.record(id)}`)));
    slots.add(keySlot(`app:${layout.unique('email', 'a@x.io')}`));
    assert.equal(slots.size, 1, 'one slot, whatever the id (its braces are encoded)');
    for (const prefix of ['', 'app:', '{app}:', 'a{b:']) assert.doesNotThrow(() => layout.assertOneSlot(prefix), prefix);
    assert.throws(() => layout.assertOneSlot('x{}:'), ConfigError, 'an empty tag in the prefix makes Redis hash whole keys');
    // Without the tag the keys are spread as before (the standalone and Sentinel layout).
    const plain = new KeyLayout('users:v2');
    assert.equal(plain.record('a'), 'users%3Av2:r:a');
    assert.throws(() => plain.assertOneSlot(''), ConfigError);
  });

  it('unique values: distinct across types, null and undefined not indexed, objects refused', () => {
    assert.notEqual(canonicalUnique('f', '1'), canonicalUnique('f', 1));
    assert.notEqual(canonicalUnique('f', 'true'), canonicalUnique('f', true));
    assert.notEqual(canonicalUnique('f', '#1'), canonicalUnique('f', 1));
    assert.equal(canonicalUnique('f', -0), canonicalUnique('f', 0));
    assert.equal(canonicalUnique('f', null), undefined);
    assert.equal(canonicalUnique('f', undefined), undefined);
    assert.throws(() => canonicalUnique('f', { a: 1 }), InvalidArgumentError);
    assert.throws(() => canonicalUnique('f', Number.NaN), InvalidArgumentError);
  });

  it('cursors: only what list() writes is accepted', () => {
    assert.deepEqual(parseCursor(undefined), { scan: '0', after: undefined });
    assert.deepEqual(parseCursor('123'), { scan: '123', after: undefined });
    assert.deepEqual(parseCursor('0:abc%3A'), { scan: '0', after: 'abc%3A' });
    // A Cluster step: anchor slot, node, that node's SCAN cursor.
    assert.deepEqual(parseCursor('5461.MTI3LjAuMC4xOjcwMDE.88'), { scan: '5461.MTI3LjAuMC4xOjcwMDE.88', after: undefined });
    assert.deepEqual(parseCursor('0.MTI3LjAuMC4xOjcwMDA.0:01ABC'), { scan: '0.MTI3LjAuMC4xOjcwMDA.0', after: '01ABC' });
    for (const bad of ['', 'x', '1:a:b', '-1', '1:', '1.2', '1..3', '1.a:b.3', '1.a.b']) {
      assert.throws(() => parseCursor(bad), InvalidArgumentError, bad);
    }
  });

  it('a page that ends inside a step resumes from the step as read (on a Cluster: the node scanned), and a restarted step drops its position', async () => {
    const calls: string[] = [];
    let answer: (cursor: string) => ScanPage = () => ({ cursor: '0', keys: [] });
    const backend = {
      scan: async (_prefix: string, cursor: string) => {
        calls.push(cursor);
        return answer(cursor);
      },
    } satisfies Pick<RecordBackend, 'scan'>;
    const isRecord = () => true;
    answer = () => ({ cursor: '0.Qg.0', keys: ['p:c', 'p:a', 'p:b'], step: '0.QQ.0' });
    const first = await keysPage(backend, 'p:', parseCursor(undefined), 2, isRecord);
    assert.deepEqual(first, { keys: ['p:a', 'p:b'], next: '0.QQ.0:b' }, "'0' names no node: the cursor names the one scanned");
    // Its node failed over: the new owner is scanned from its start, and 'after b' means nothing there.
    answer = () => ({ cursor: '0', keys: ['p:z', 'p:a', 'p:c', 'p:b'], step: '0.Qw.0', restarted: true });
    const second = await keysPage(backend, 'p:', parseCursor(first.next), 10, isRecord);
    assert.deepEqual(second, { keys: ['p:a', 'p:b', 'p:c', 'p:z'], next: undefined });
    assert.deepEqual(calls, ['0', '0.QQ.0']);
  });

  it('options: defaults, and every problem named at once', () => {
    const schema = z.object({ a: z.string() });
    const resolved = resolveRepositoryOptions({ namespace: 'n', schema, unique: ['a', 'a'] });
    assert.equal(resolved.onInvalid, 'error');
    assert.equal(resolved.maxUpdateRetries, 20);
    assert.equal(resolved.ttlMs, undefined);
    assert.deepEqual(resolved.unique, ['a']);
    assert.equal(resolved.codec.name, 'json');
    assert.throws(
      () => resolveRepositoryOptions({ namespace: '', schema: {}, ttlMs: -1, onInvalid: 'skip', ttl: 5 }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const names = error.issues.map((issue) => issue.name).sort();
        assert.deepEqual(names, [
          'repository.namespace',
          'repository.onInvalid',
          'repository.schema',
          'repository.ttl',
          'repository.ttlMs',
        ]);
        assert.match(error.issues.find((issue) => issue.name === 'repository.ttl')?.expected ?? '', /did you mean ttlMs/);
        return true;
      },
    );
  });

  it('redis.repository() refuses bad options before anything is registered', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    assert.throws(() => redis.repository({ namespace: 'n', schema: z.string(), maxUpdateRetries: 1.5 }), ConfigError);
  });

  it('validation: async validators, issues kept, messages with paths and never the value', async () => {
    const asyncSchema: StandardSchemaV1<unknown, string> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) =>
          typeof value === 'string' ? { value: value.trim() } : { issues: [{ message: 'expected a string', path: [{ key: 'root' }, 0] }] },
      },
    };
    assert.equal(await validateWith(asyncSchema, '  hi ', 'x'), 'hi');
    await assert.rejects(validateWith(asyncSchema, 42, 'users: the record'), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, 'users: the record does not match the schema: root.0: expected a string');
      assert.equal(error.issues.length, 1);
      return true;
    });
    const many = Array.from({ length: 5 }, (_, i) => ({ message: `m${i}` }));
    assert.equal(describeIssues(many), 'm0; m1; m2 (and 2 more)');
  });
});
