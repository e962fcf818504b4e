import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/index.js';
import { checkEntryId, compareEntryIds, entryTimestamp } from '../../src/repositories/logs/entry-ids.js';
import { MemoryLogBackend } from '../../src/repositories/logs/memory-log.js';

describe('message log entry ids', () => {
  it('orders ids by milliseconds, then by sequence, past the range of exact doubles', () => {
    assert.ok(compareEntryIds('9-0', '10-0') < 0, 'numerically, not as text');
    assert.ok(compareEntryIds('10-2', '10-11') < 0);
    assert.equal(compareEntryIds('10-3', '10-3'), 0);
    // 2^64-1 and 2^64-2 are the same double: compared as BigInt they differ.
    assert.ok(compareEntryIds('1-18446744073709551614', '1-18446744073709551615') < 0);
    assert.equal(entryTimestamp('1733100000000-7'), 1733100000000);
  });

  it('takes only complete ids', () => {
    assert.equal(checkEntryId('after', '0-0'), '0-0');
    for (const bad of ['12', '-', '+', '$', '1-2-3', ' 1-2', 'a-b', 12, undefined]) {
      assert.throws(() => checkEntryId('after', bad), InvalidArgumentError, String(bad));
    }
  });
});

describe('the in-process log of memory://', () => {
  it('gives out increasing ids on one clock tick, keeps counting after a trim, and trims exactly', async () => {
    let now = 1000;
    const log = new MemoryLogBackend(() => now);
    const ids = [
      await log.append('k', 'a', 2, undefined),
      await log.append('k', 'b', 2, undefined),
      await log.append('k', 'c', 2, undefined),
    ];
    assert.deepEqual(ids, ['1000-0', '1000-1', '1000-2']);
    assert.deepEqual(
      (await log.range('k', {}, 10)).map((e) => e.data),
      ['b', 'c'],
    );
    now = 999; // a clock that went back: ids still increase, as Redis makes them
    assert.equal(await log.append('k', 'd', 2, undefined), '1000-3');
    now = 2000;
    assert.equal(await log.append('k', 'e', 2, undefined), '2000-0');
    assert.deepEqual(
      (await log.reverseRange('k', { before: '2000-0' }, 10)).map((e) => e.id),
      ['1000-3'],
    );
  });

  it('a waiting read wakes on an append, returns nothing at its block time, and rejects on abort', async () => {
    const log = new MemoryLogBackend();
    const controller = new AbortController();
    await log.withReader(
      'k',
      async (reader) => {
        const waiting = reader.read('k', '0-0', 10, 10_000);
        const id = await log.append('k', 'x', undefined, undefined);
        assert.deepEqual(await waiting, [{ id, data: 'x' }]);
        assert.deepEqual(await reader.read('k', id, 10, 20), [], 'nothing new within blockMs');
        const aborted = reader.read('k', id, 10, 10_000);
        controller.abort();
        await assert.rejects(aborted, { code: 'ERR_REDIS_ABORTED' });
      },
      controller.signal,
    );
  });
});
