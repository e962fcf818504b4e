import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandTimeoutError } from '../../src/index.js';
import { freePort, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * A command that times out says whether it may have run: `sent: false` only
 * when it waited for a connection its whole deadline and was never written
 * (a retry cannot apply it twice); `sent: true` once it was on a connection.
 */
describe('CommandTimeoutError.sent', () => {
  it('false for a write that never found a connection (nothing listens), true for one sent to a paused server', async () => {
    const port = await freePort();
    await using nowhere = kitFor({ url: `redis://127.0.0.1:${port}` }, { breakerFailureThreshold: 1000 });
    const queued = await nowhere.sendCommand('set', ['k', 'v'], { timeoutMs: 300 }).catch((error: unknown) => error);
    assert.ok(queued instanceof CommandTimeoutError, String(queued));
    assert.equal(queued.sent, false);
    assert.match(queued.message, /not sent/);

    await using server = await startRedis();
    await using redis = kitFor(server);
    await redis.ping();
    await server.pause();
    try {
      const written = await redis.sendCommand('set', ['k', 'v'], { timeoutMs: 300 }).catch((error: unknown) => error);
      assert.ok(written instanceof CommandTimeoutError, String(written));
      assert.equal(written.sent, true, 'it was written: it may run when the server resumes');
      assert.doesNotMatch(written.message, /not sent/);
    } finally {
      await server.resume();
    }
    // It did run once the server resumed: "may have run" was the truth.
    assert.equal(await redis.get('k'), 'v');
  });
});
