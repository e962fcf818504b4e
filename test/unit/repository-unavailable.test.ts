import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unsentLoss } from '../../src/engine/classify-error.js';
import {
  CommandTimeoutError,
  ConnectError,
  ConnectionLostError,
  PoolTimeoutError,
  RedisUnavailableError,
  WrongTypeError,
} from '../../src/index.js';
import { isUnreachable, unavailableError } from '../../src/repositories/unavailable.js';

const pool = { active: 0, idle: 0, pendingCreates: 1, waiting: 0, max: 5 };

describe('repositories: which failures are "Redis unavailable"', () => {
  it('a read: every sign of an outage', () => {
    for (const error of [
      new CommandTimeoutError('get', 100),
      new CommandTimeoutError('get', 100, false),
      new ConnectionLostError('lost while get was in flight'),
      new ConnectError('127.0.0.1:1', 'refused'),
    ]) {
      assert.equal(isUnreachable(error, 'read'), true, error.message);
    }
  });

  it('a write: only what surely did not run; one that may have run keeps its own error', () => {
    assert.equal(isUnreachable(new CommandTimeoutError('set', 100, false), 'write'), true, 'waited for a connection, never written');
    assert.equal(isUnreachable(unsentLoss('the connection closed before set was written'), 'write'), true);
    assert.equal(isUnreachable(new ConnectError('127.0.0.1:1', 'refused'), 'write'), true);
    assert.equal(isUnreachable(new CommandTimeoutError('set', 100), 'write'), false, 'written: it may have run');
    assert.equal(isUnreachable(new ConnectionLostError('lost while set was in flight'), 'write'), false);
    const sent = new CommandTimeoutError('set', 100);
    assert.equal(unavailableError(sent, 'repository "users"', 'write'), sent);
  });

  it('a pool timeout: an outage only when connections could not be opened (then the lease sent nothing)', () => {
    const failedConnects = new PoolTimeoutError(100, pool, { cause: new ConnectError('127.0.0.1:1', 'refused') });
    const saturated = new PoolTimeoutError(100, pool);
    assert.equal(isUnreachable(failedConnects, 'write'), true);
    assert.equal(isUnreachable(saturated, 'read'), false);
    const wrapped = unavailableError(failedConnects, 'repository "users"', 'write');
    assert.ok(wrapped instanceof RedisUnavailableError);
    assert.equal(wrapped.cause, failedConnects);
    assert.match(wrapped.message, /^repository "users": Redis cannot be reached/);
  });

  it('anything else is returned as it is', () => {
    const reply = new WrongTypeError('WRONGTYPE Operation against a key holding the wrong kind of value', 'WRONGTYPE', 'get');
    assert.equal(unavailableError(reply, 'message log "chat"'), reply);
  });
});
