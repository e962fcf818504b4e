import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, InvalidArgumentError } from '../../src/errors.js';
import { resolveMessagesOptions, resolvePubSubOptions } from '../../src/pubsub/options.js';
import { RingBuffer } from '../../src/pubsub/ring-buffer.js';
import { normalizeTopics } from '../../src/pubsub/topics.js';

describe('pub/sub options', () => {
  it('applies defaults, subscribeTimeoutMs from the client', () => {
    assert.deepEqual(resolvePubSubOptions({}, 1234), {
      maxBuffered: 1000,
      overflow: 'drop-oldest',
      subscribeTimeoutMs: 1234,
      pingIntervalMs: 30_000,
      dedicated: false,
    });
    assert.equal(resolvePubSubOptions({ pingIntervalMs: 0 }, 1).pingIntervalMs, 0, '0 turns the ping off');
  });

  it('rejects unknown options and out-of-bounds values, naming every problem', () => {
    assert.throws(
      () => resolvePubSubOptions({ maxBuffered: 0, overflow: 'block' as 'error', pingIntervalMs: 50, maxBufferd: 1 } as object, 1000),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'ERR_REDIS_CONFIG');
        assert.deepEqual(error.issues, [
          { name: 'pubsub.maxBuffered', received: '0', expected: 'an integer from 1 to 1,000,000' },
          { name: 'pubsub.overflow', received: '"block"', expected: "one of 'drop-oldest', 'error'" },
          { name: 'pubsub.pingIntervalMs', received: '50', expected: 'an integer from 100 to 3,600,000, or 0 (off)' },
          { name: 'pubsub.maxBufferd', received: '1', expected: 'a known option (did you mean maxBuffered?)' },
        ]);
        return true;
      },
    );
    assert.throws(() => resolvePubSubOptions({ subscribeTimeoutMs: 1.5 }, 1000), /pubsub\.subscribeTimeoutMs=1\.5/);
  });

  it('iterator options fall back to the PubSub defaults', () => {
    const defaults = resolvePubSubOptions({ maxBuffered: 7, overflow: 'error' }, 1000);
    assert.deepEqual(resolveMessagesOptions({}, defaults), { maxBuffered: 7, overflow: 'error', signal: undefined });
    assert.equal(resolveMessagesOptions({ maxBuffered: 2 }, defaults).maxBuffered, 2);
    assert.throws(
      () => resolveMessagesOptions({ signal: {} as AbortSignal }, defaults),
      /pubsub\.messages\.signal=\{\}: expected an AbortSignal/,
    );
  });
});

describe('pub/sub topics', () => {
  it('strings are literal channels, even with glob characters in them', () => {
    assert.deepEqual(normalizeTopics('progress:*'), { channels: ['progress:*'], patterns: [] });
    assert.deepEqual(normalizeTopics(['a', 'b', 'a']), { channels: ['a', 'b'], patterns: [] }, 'deduplicated');
  });

  it('patterns only when asked for by name, channels beside them', () => {
    assert.deepEqual(normalizeTopics({ patterns: 'p:*' }), { channels: [], patterns: ['p:*'] });
    assert.deepEqual(normalizeTopics({ channels: ['c'], patterns: ['p:*', 'q?'] }), { channels: ['c'], patterns: ['p:*', 'q?'] });
  });

  it('rejects empty and mistyped topics', () => {
    assert.throws(() => normalizeTopics([]), InvalidArgumentError);
    assert.throws(() => normalizeTopics({}), /at least one channel or pattern/);
    assert.throws(() => normalizeTopics([1 as unknown as string]), /must be a string/);
    assert.throws(() => normalizeTopics({ patterns: 5 as unknown as string }), /patterns must be a string or an array/);
    assert.throws(() => normalizeTopics(null as unknown as string), InvalidArgumentError);
  });
});

describe('ring buffer', () => {
  it('is FIFO across wrap-around and refuses to grow past its capacity', () => {
    const ring = new RingBuffer<number>(3);
    const out: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) {
      if (ring.full) out.push(ring.shift());
      ring.push(i);
    }
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(ring.length, 3);
    assert.throws(() => ring.push(99), RangeError);
    assert.deepEqual([ring.shift(), ring.shift(), ring.shift(), ring.shift()], [7, 8, 9, undefined]);
  });
});
