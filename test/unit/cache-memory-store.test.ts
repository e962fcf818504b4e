import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { waitFor } from '../helpers/index.js';

describe('cache: memory store', () => {
  it('keeps TTLs: an entry reports its remaining time and is gone after it', async () => {
    const store = new MemoryStore({ maxEntries: 10, maxBytes: 10_000 });
    store.set('forever', 'a', 0);
    store.set('short', 'b', 80);
    assert.equal(store.get('forever')?.remainingMs, Number.POSITIVE_INFINITY);
    const remaining = store.get('short')?.remainingMs ?? 0;
    assert.ok(remaining > 0 && remaining <= 80, `remaining ${remaining}`);
    const started = performance.now();
    await waitFor(() => !store.has('short'), { what: 'the short entry to expire' });
    assert.ok(performance.now() - started >= 60, 'not before its TTL');
    assert.equal(store.get('forever')?.data, 'a');
  });

  it('is bounded in entries (least recently used go first) and in bytes', () => {
    const byCount = new MemoryStore({ maxEntries: 3, maxBytes: 1_000_000 });
    for (const key of ['a', 'b', 'c']) byCount.set(key, key, 0);
    byCount.get('a');
    byCount.set('d', 'd', 0);
    assert.equal(byCount.has('b'), false, 'the least recently used entry was evicted');
    assert.deepEqual(
      ['a', 'c', 'd'].map((key) => byCount.has(key)),
      [true, true, true],
    );

    const byBytes = new MemoryStore({ maxEntries: 1000, maxBytes: 2048 });
    for (let i = 0; i < 10; i++) byBytes.set(`k${i}`, Buffer.alloc(500), 0);
    assert.ok(byBytes.bytes <= 2048, `bytes ${byBytes.bytes}`);
    assert.equal(byBytes.size, 4);
    byBytes.set('huge', 'x'.repeat(5000), 0);
    assert.equal(byBytes.has('huge'), false, 'a value larger than the whole store is not kept');
    assert.equal(byBytes.clear(), 4);
    assert.equal(byBytes.size, 0);
  });
});
