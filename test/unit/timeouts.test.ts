import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedis, InvalidArgumentError } from '../../src/index.js';
import { validTimeout } from '../../src/commands/timeout-option.js';

/** A client that never reaches a server: every check here happens at the call, before any I/O. */
function offlineClient() {
  return createRedis({ env: {}, url: 'redis://127.0.0.1:1', connectTimeoutMs: 1000, retryMaxDelayMs: 200 });
}

const BAD: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, '100', null, {}];

function assertRefused(error: unknown, option: string, value: unknown): void {
  assert.ok(error instanceof InvalidArgumentError, `InvalidArgumentError, got ${String(error)}`);
  assert.equal(error.code, 'ERR_REDIS_INVALID_ARGUMENT');
  assert.match(error.message, new RegExp(option));
  if (typeof value === 'number') assert.ok(error.message.includes(String(value)), error.message);
  if (typeof value === 'string') assert.ok(error.message.includes(`"${value}"`), error.message);
}

describe('a timeout that is not a finite number ≥ 0 is refused at the call', () => {
  it('validTimeout accepts finite numbers ≥ 0 and undefined, names the option and the value otherwise', () => {
    assert.equal(validTimeout('timeoutMs', undefined), undefined);
    assert.equal(validTimeout('timeoutMs', 0), 0);
    assert.equal(validTimeout('timeoutMs', 250), 250);
    for (const value of BAD) {
      assert.throws(
        () => validTimeout('timeoutMs', value),
        (error: unknown) => {
          assertRefused(error, 'timeoutMs', value);
          return true;
        },
      );
    }
  });

  it('sendCommand, lease, health and close reject with the typed error (lease commands: lease-batches.test.ts)', async () => {
    const redis = offlineClient();
    try {
      for (const value of BAD) {
        const bad = value as number;
        await assert.rejects(redis.sendCommand('get', ['k'], { timeoutMs: bad }), (e: unknown) => {
          assertRefused(e, 'timeoutMs', value);
          return true;
        });
        await assert.rejects(
          redis.lease(async () => 'never', { timeoutMs: bad }),
          (e: unknown) => {
            assertRefused(e, 'timeoutMs', value);
            return true;
          },
        );
        await assert.rejects(redis.health({ timeoutMs: bad }), (e: unknown) => {
          assertRefused(e, 'timeoutMs', value);
          return true;
        });
        await assert.rejects(redis.close({ deadlineMs: bad }), (e: unknown) => {
          assertRefused(e, 'deadlineMs', value);
          return true;
        });
      }
      assert.equal(redis.closed, false, 'a refused close() did not start closing');
    } finally {
      redis.destroy();
    }
  });
});
