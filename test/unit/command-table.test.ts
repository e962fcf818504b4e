import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingTimeoutMs, isBlocking, laneRefusal } from '../../src/commands/command-table.js';
import { classifyError } from '../../src/engine/classify-error.js';
import {
  AuthError,
  ConnectionLostError,
  EngineError,
  NoPermissionError,
  OutOfMemoryError,
  ReplyError,
  WrongTypeError,
} from '../../src/errors.js';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('command table', () => {
  it('knows which commands block, XREAD only with BLOCK', () => {
    for (const name of ['blpop', 'brpop', 'blmove', 'bzpopmin', 'wait', 'brpoplpush', 'blmpop'])
      assert.ok(isBlocking(name, ['k', 1]), name);
    assert.ok(isBlocking('xread', ['BLOCK', 100, 'STREAMS', 's', '$']));
    assert.ok(!isBlocking('xread', ['COUNT', 1, 'STREAMS', 's', '0']));
    assert.ok(!isBlocking('get', ['k']));
  });

  it('reads how long a blocking command may be held', () => {
    assert.equal(blockingTimeoutMs('blpop', ['a', 'b', 2]), 2000);
    assert.equal(blockingTimeoutMs('blpop', ['a', '0.5']), 500);
    assert.equal(blockingTimeoutMs('blpop', ['a', 0]), Number.POSITIVE_INFINITY);
    assert.equal(blockingTimeoutMs('blmpop', [1.5, 1, 'k', 'LEFT']), 1500);
    assert.equal(blockingTimeoutMs('wait', [1, 250]), 250);
    assert.equal(blockingTimeoutMs('xread', ['BLOCK', 300, 'STREAMS', 's', '$']), 300);
  });

  it('refuses connection-state commands on lanes with a pointer to the right API', () => {
    assert.match(laneRefusal('watch', ['k']) ?? '', /lease/);
    assert.match(laneRefusal('select', [1]) ?? '', /lease/);
    assert.match(laneRefusal('subscribe', ['c']) ?? '', /subscribe\(\)/);
    assert.match(laneRefusal('client', ['SETNAME', 'x']) ?? '', /lease/);
    assert.equal(laneRefusal('client', ['LIST']), undefined);
    assert.equal(laneRefusal('get', ['k']), undefined);
  });
});

describe('error classification', () => {
  it('classifies replies by meaning, not prefix alone', () => {
    assert.ok(classifyError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value')) instanceof WrongTypeError);
    assert.ok(classifyError(replyError("NOPERM this user has no permissions to run the 'set' command")) instanceof NoPermissionError);
    const inScript = classifyError(
      replyError(
        "ERR Error running script (call to f_x): @user_script:1: The user executing the script can't run this command or subcommand script",
      ),
    );
    assert.ok(inScript instanceof NoPermissionError, 'an ACL denial inside EVAL starts with ERR');
    assert.equal((inScript as ReplyError).prefix, 'ERR');
    assert.ok(classifyError(replyError("OOM command not allowed when used memory > 'maxmemory'.")) instanceof OutOfMemoryError);
    assert.ok(classifyError(replyError('WRONGPASS invalid username-password pair or user is disabled.')) instanceof AuthError);
    const plain = classifyError(replyError('ERR value is not an integer or out of range'), 'incr');
    assert.ok(plain instanceof ReplyError && !(plain instanceof NoPermissionError));
    assert.equal((plain as ReplyError).command, 'incr');
  });

  it('keeps a sanitized copy of the cause and calls a dropped socket a lost connection', () => {
    const original = Object.assign(new Error('Connection is closed.'), { command: { name: 'auth', args: ['user', 'hunter2'] } });
    const error = classifyError(original, 'set');
    assert.ok(error instanceof ConnectionLostError);
    assert.ok(error.cause instanceof Error);
    assert.equal(error.cause.message, original.message);
    assert.equal(error.cause.name, original.name);
    assert.equal('command' in error.cause, false, 'the engine error’s command (and its arguments) is not kept');
    assert.match(error.message, /may or may not have run/);
  });

  it('calls an error the engine raised before sending an EngineError, not a lost connection', () => {
    const error = classifyError(new Error('All the keys in a pipeline command should belong to the same slot'), 'mget');
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'ERR_REDIS_ENGINE');
  });
});
