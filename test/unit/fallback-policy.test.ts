import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { ClosedError, ConnectionLostError, RedisUnavailableError, ReplyError } from '../../src/errors.js';
import { Availability } from '../../src/fallback/availability.js';
import { AvailabilityTracker } from '../../src/fallback/availability-tracker.js';
import { FallbackPolicy } from '../../src/fallback/fallback-policy.js';

/** A stand-in client: only its two availability events and `isUnavailable`. */
class FakeClient extends EventEmitter<{ ready: []; unavailable: [error: Error] }> {
  isUnavailable = false;
}

describe('fallback policy', () => {
  it('answers from memory only when Redis could not be reached, and reports which', async () => {
    const seen: string[] = [];
    const policy = new FallbackPolicy(true, {
      onFallback: (error) => seen.push(`fallback:${error.name}`),
      onFailure: (error) => seen.push(`failure:${(error as Error).name}`),
    });
    assert.equal(
      await policy.run(
        async () => 'redis',
        () => 'memory',
      ),
      'redis',
    );
    for (const down of [new RedisUnavailableError('down'), new ConnectionLostError('lost')]) {
      assert.equal(
        await policy.run(
          () => Promise.reject(down),
          (error) => `memory after ${error.name}`,
        ),
        `memory after ${down.name}`,
      );
    }
    for (const reaching of [new ReplyError('ERR x', 'ERR', 'get'), new ClosedError()]) {
      await assert.rejects(
        policy.run(
          () => Promise.reject(reaching),
          () => 'memory',
        ),
        (error) => error === reaching,
      );
    }
    assert.deepEqual(seen, ['fallback:RedisUnavailableError', 'fallback:ConnectionLostError', 'failure:ReplyError', 'failure:ClosedError']);
  });

  it('without a fallback every error reaches the caller', async () => {
    const policy = new FallbackPolicy(false);
    await assert.rejects(
      policy.run(
        () => Promise.reject(new RedisUnavailableError('down')),
        () => 'memory',
      ),
      RedisUnavailableError,
    );
  });
});

describe('availability tracker', () => {
  it('one pair of listeners per client, whatever the number of views; removed with the last', () => {
    const client = new FakeClient();
    const views = Array.from({ length: 50 }, (_, i) => new Availability(client, { recoverAfterMs: i }));
    assert.equal(client.listenerCount('ready'), 1);
    assert.equal(client.listenerCount('unavailable'), 1);
    assert.equal(AvailabilityTracker.of(client).observers, 50);
    client.emit('unavailable', new RedisUnavailableError('down'));
    assert.ok(
      views.every((view) => view.usingFallback),
      'every view switched to its fallback',
    );
    for (const view of views) {
      view.dispose();
      view.dispose();
    }
    assert.equal(client.listenerCount('ready'), 0);
    assert.equal(client.listenerCount('unavailable'), 0);
  });
});
