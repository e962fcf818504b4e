import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectError, NodeUnavailableError, RedisUnavailableError } from '../../src/errors.js';
import { NodeBreakers } from '../../src/topology/node-breakers.js';
import { waitFor } from '../helpers/index.js';

const A = '10.0.0.1:7000';
const B = '10.0.0.2:7000';
const refused = (address: string) => new ConnectError(address, `connection to ${address} refused`);

describe('NodeBreakers: one breaker per cluster node', () => {
  it('opens a node after `failureThreshold` failures in a row, leaves the others closed, and names the node', (t) => {
    const breakers = new NodeBreakers({ failureThreshold: 3, probeIntervalMs: 60_000 });
    t.after(() => breakers.close());
    breakers.recordFailure(A, refused(A));
    breakers.recordFailure(A, refused(A));
    breakers.recordSuccess(A); // a success in between: not in a row
    breakers.recordFailure(A, refused(A));
    breakers.recordFailure(A, refused(A));
    assert.equal(breakers.isOpen(A), false);
    breakers.recordFailure(A, refused(A));
    assert.equal(breakers.isOpen(A), true);
    assert.equal(breakers.isOpen(B), false);
    assert.deepEqual(breakers.openNodes(), [A]);
    const error = breakers.rejection(A);
    assert.ok(error instanceof NodeUnavailableError && error instanceof RedisUnavailableError);
    assert.equal(error.code, 'ERR_REDIS_NODE_UNAVAILABLE');
    assert.equal(error.node, A);
    assert.match(error.message, /10\.0\.0\.1:7000 .*not sent/);
    assert.deepEqual(breakers.snapshot(A), { state: 'open', consecutiveFailures: 3, timesOpened: 1, failures: 5 });
    breakers.recordSuccess(A);
    assert.equal(breakers.snapshot(A)?.state, 'closed');
  });

  it('a command without a reply by its deadline counts as a failure; a reply does not', async (t) => {
    const breakers = new NodeBreakers({ failureThreshold: 2, probeIntervalMs: 60_000 });
    t.after(() => breakers.close());
    const answered = breakers.watch(A, 20);
    breakers.replied(answered, 20);
    breakers.watch(A, 20);
    breakers.watch(A, 20);
    await waitFor(() => breakers.isOpen(A), { timeoutMs: 2000, what: 'two unanswered commands to open A' });
    assert.equal(breakers.snapshot(A)?.failures, 2);
  });

  it('a probe that is answered closes an open node; retain() forgets nodes that serve no slot', async (t) => {
    const breakers = new NodeBreakers({ failureThreshold: 1, probeIntervalMs: 10 });
    t.after(() => breakers.close());
    let answer = false;
    const probed: string[] = [];
    breakers.attachProbe(async (address) => {
      probed.push(address);
      return answer;
    });
    breakers.recordFailure(A, refused(A));
    breakers.recordFailure(B, refused(B));
    await waitFor(() => probed.includes(A) && probed.includes(B), { timeoutMs: 2000, what: 'both probed' });
    assert.equal(breakers.isOpen(A), true, 'a probe without an answer keeps it open');
    breakers.retain(new Set([A]));
    assert.equal(breakers.isOpen(B), false, 'B left the slot map');
    assert.deepEqual(breakers.addresses(), [A]);
    answer = true;
    await waitFor(() => !breakers.isOpen(A), { timeoutMs: 2000, what: 'the answered probe to close A' });
  });
});
