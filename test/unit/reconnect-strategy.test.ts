import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Breaker } from '../../src/pool/breaker.js';
import { RECONNECT_BASE_MS, ReconnectStrategy, type ReconnectStrategyOptions } from '../../src/pool/reconnect-strategy.js';
import { RedisUnavailableError } from '../../src/errors.js';
import { waitFor } from '../helpers/wait-for.js';

function strategy(overrides: Partial<ReconnectStrategyOptions> = {}): ReconnectStrategy {
  return new ReconnectStrategy({
    capMs: 2000,
    probeIntervalMs: 500,
    isClosed: () => false,
    isBreakerOpen: () => false,
    authRefused: () => false,
    random: () => 0.5,
    ...overrides,
  });
}

describe('ReconnectStrategy (one policy for lanes, subscriber, invalidation)', () => {
  it('backs off exponentially with full jitter under the cap, drawn from the injected randomness', () => {
    const reconnect = strategy({ random: () => 0.999 });
    const delays = Array.from({ length: 12 }, () => reconnect.next() ?? -1);
    assert.equal(delays[0], Math.floor(0.999 * RECONNECT_BASE_MS), 'the first ceiling is the base');
    for (let i = 1; i < delays.length; i++) assert.ok((delays[i] ?? 0) >= (delays[i - 1] ?? 0), 'ceilings grow');
    assert.ok(
      delays.every((d) => d >= 1 && d <= 2000),
      `within [1, cap]: ${delays.join(',')}`,
    );
    assert.equal(delays.at(-1), Math.floor(0.999 * 2000), 'reaches the cap');
    assert.equal(reconnect.attempt, 12);
  });

  it('starts from the first ceiling again after reset()', () => {
    const reconnect = strategy({ random: () => 0.999 });
    for (let i = 0; i < 8; i++) reconnect.next();
    reconnect.reset();
    assert.equal(reconnect.attempt, 0);
    assert.equal(reconnect.next(), Math.floor(0.999 * RECONNECT_BASE_MS));
  });

  it('never returns 0, even when the randomness does', () => {
    assert.equal(strategy({ random: () => 0 }).next(), 1);
  });

  it('is paced by the probe interval while the breaker is open, and the cap still wins', () => {
    let open = true;
    const reconnect = strategy({ isBreakerOpen: () => open, random: () => 0 });
    assert.equal(reconnect.next(), 500, 'no faster than the probe interval');
    open = false;
    assert.equal(reconnect.next(), 1, 'back to plain backoff once closed');
    const capped = strategy({ isBreakerOpen: () => true, probeIntervalMs: 5000, capMs: 300 });
    assert.equal(capped.next(), 300, 'retryMaxDelayMs wins over a larger probe interval');
  });

  it('retries slowly (at the cap) while the credentials are refused', () => {
    assert.equal(strategy({ authRefused: () => true }).next(), 2000);
    assert.equal(strategy().next(true), 2000, 'callers may say so per attempt');
  });

  it('stops (null) once the connection is closed', () => {
    let closed = false;
    const reconnect = strategy({ isClosed: () => closed });
    assert.equal(typeof reconnect.next(), 'number');
    closed = true;
    assert.equal(reconnect.next(), null);
    assert.equal(reconnect.retryStrategy(), null, 'also as an engine retry strategy');
  });
});

describe('Breaker probe', () => {
  it('an open breaker runs its probe every interval until the probe gets through, then closes', async () => {
    const breaker = new Breaker({ failureThreshold: 1 });
    let probes = 0;
    breaker.attachProbe(async () => ++probes >= 3, 5);
    breaker.recordFailure(new RedisUnavailableError('down'));
    assert.equal(breaker.state, 'open');
    // The probe timer is unref'd (it must not hold a process open); waitFor keeps this test alive.
    await waitFor(() => breaker.state === 'closed', { what: 'the probe to close the breaker' });
    assert.equal(probes, 3, 'probed until it got through, then stopped');
    assert.equal(breaker.lastError, undefined);
  });

  it('a probe that throws counts as not answered; detachProbe() stops probing', async () => {
    const breaker = new Breaker({ failureThreshold: 1 });
    let probes = 0;
    breaker.attachProbe(async () => {
      probes++;
      throw new Error('no lane');
    }, 5);
    breaker.recordFailure(new RedisUnavailableError('down'));
    await waitFor(() => probes >= 3, { what: 'three failed probes' });
    assert.equal(breaker.state, 'open');
    breaker.detachProbe();
    const seen = probes;
    // Nothing to await once detached: give the (5 ms) timer several chances to fire anyway.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(probes, seen, 'no probe runs after detachProbe()');
  });
});
