import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadline, Deadlines } from '../../src/pool/deadlines.js';

class Entry extends Deadline {
  expired = 0;
  cancelled: Error | undefined;
  override expire(): void {
    this.expired++;
  }
  override cancel(reason: Error): void {
    this.cancelled = reason;
  }
}

describe('Deadlines (coarse shared clock)', () => {
  it('expires entries in deadline order once their time passes, and only once', () => {
    let now = 0;
    const deadlines = new Deadlines({ now: () => now, resolutionMs: 1 });
    const a = new Entry();
    const b = new Entry();
    const c = new Entry();
    deadlines.arm(a, 100);
    deadlines.arm(b, 50);
    deadlines.arm(c, 100);
    assert.equal(deadlines.size, 3);
    deadlines.disarm(c);
    assert.equal(deadlines.size, 2);
    now = 60;
    // The clock is injected; the shared interval (1 ms here) is what looks at it.
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        assert.equal(b.expired, 1);
        assert.equal(a.expired, 0);
        now = 200;
        setTimeout(() => {
          assert.equal(a.expired, 1);
          assert.equal(c.expired, 0, 'a disarmed entry never expires');
          assert.equal(deadlines.size, 0);
          resolve();
        }, 20);
      }, 20);
    });
  });

  it('cancelAll hands every armed entry the reason', () => {
    const deadlines = new Deadlines();
    const entries = [new Entry(), new Entry()];
    for (const entry of entries) deadlines.arm(entry, 10_000);
    const reason = new Error('destroyed');
    deadlines.cancelAll(reason);
    assert.deepEqual(
      entries.map((e) => e.cancelled),
      [reason, reason],
    );
    assert.equal(deadlines.size, 0);
  });

  it('an infinite timeout is never armed', () => {
    const deadlines = new Deadlines();
    deadlines.arm(new Entry(), Number.POSITIVE_INFINITY);
    assert.equal(deadlines.size, 0);
  });
});
