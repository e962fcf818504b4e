import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NearCache } from '../../src/cache/near/near-cache.js';

function nearCache(options: { live?: () => boolean; ttlMs?: number; maxEntries?: number } = {}) {
  const events: (string | null)[] = [];
  const cache = new NearCache<string>({
    maxEntries: options.maxEntries ?? 100,
    ttlMs: options.ttlMs ?? 60_000,
    isLive: options.live ?? (() => true),
    events: { onInvalidate: (key) => events.push(key) },
  });
  return { cache, events };
}

const found = (value: string, remainingMs = Number.POSITIVE_INFINITY) => ({ value, remainingMs });

describe('cache: near-cache bookkeeping', () => {
  it('keeps a read that nothing invalidated, and serves it until invalidated', () => {
    const { cache, events } = nearCache();
    const ticket = cache.begin('k');
    cache.finish(ticket, found('v1'));
    assert.equal(cache.get('k', performance.now())?.value, 'v1');
    cache.invalidate('k');
    assert.equal(cache.get('k', performance.now()), undefined);
    assert.deepEqual(events, ['k']);
  });

  it('does not keep a read whose key was invalidated while it was on the wire', () => {
    // The invalidation (other connection) overtook the GET reply carrying the old value.
    const { cache } = nearCache();
    const ticket = cache.begin('k');
    cache.invalidate('k');
    cache.finish(ticket, found('old'));
    assert.equal(cache.get('k', performance.now()), undefined, 'the old value is not kept');
    assert.equal(cache.size, 0);
  });

  it('does not keep a read that overlapped a local write, nor one that overlapped a reset', () => {
    const { cache } = nearCache();
    const beforeWrite = cache.begin('k');
    cache.forget('k');
    cache.finish(beforeWrite, found('old'));
    assert.equal(cache.size, 0);

    const beforeReset = cache.begin('j');
    cache.reset();
    cache.finish(beforeReset, found('old'));
    assert.equal(cache.size, 0);

    // Reads of other keys are not affected by an invalidation of 'k'.
    const other = cache.begin('other');
    const mine = cache.begin('k');
    cache.invalidate('k');
    cache.finish(other, found('fine'));
    cache.finish(mine, found('old'));
    assert.equal(cache.get('other', performance.now())?.value, 'fine');
    assert.equal(cache.get('k', performance.now()), undefined);
  });

  it('with two reads of one key in flight, an invalidation voids both', () => {
    const { cache } = nearCache();
    const first = cache.begin('k');
    const second = cache.begin('k');
    cache.invalidate('k');
    cache.finish(first, found('old'));
    cache.finish(second, found('old'));
    assert.equal(cache.size, 0);
    const third = cache.begin('k');
    cache.finish(third, found('new'));
    assert.equal(cache.get('k', performance.now())?.value, 'new', 'bookkeeping is clean once both ended');
  });

  it('serves nothing while not live, and keeps nothing read before it became live', () => {
    let live = false;
    const { cache } = nearCache({ live: () => live });
    const early = cache.begin('k');
    live = true;
    cache.reset(); // the hub resets on every state change
    cache.finish(early, found('maybe-stale'));
    assert.equal(cache.size, 0);
    const ticket = cache.begin('k');
    cache.finish(ticket, found('v'));
    assert.equal(cache.get('k', performance.now())?.value, 'v');
    live = false;
    assert.equal(cache.get('k', performance.now()), undefined, 'not served while down');
  });

  it('never serves past its own TTL or the key TTL in Redis', () => {
    const { cache } = nearCache({ ttlMs: 1000 });
    const now = performance.now();
    cache.finish(cache.begin('short-in-redis'), found('a', 200));
    cache.finish(cache.begin('long-in-redis'), found('b'));
    assert.equal(cache.get('short-in-redis', now + 100)?.value, 'a');
    assert.equal(cache.get('short-in-redis', now + 250), undefined);
    assert.equal(cache.get('long-in-redis', now + 900)?.value, 'b');
    assert.equal(cache.get('long-in-redis', now + 1100), undefined);
    cache.finish(cache.begin('expired'), found('c', 0));
    assert.equal(cache.get('expired', now), undefined, 'a key about to expire is not kept');
  });

  it('wakes a waiter when its key changes', async () => {
    const { cache } = nearCache();
    const started = performance.now();
    const waiting = cache.changed('k', 10_000);
    cache.invalidate('k');
    await waiting;
    assert.ok(performance.now() - started < 1000);
  });
});
