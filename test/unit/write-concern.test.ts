import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectedKey, settleWriteConcern, waitsForReplicas, writeWithWait } from '../../src/commands/write-concern.js';
import { classifyError } from '../../src/engine/classify-error.js';
import {
  ConfigError,
  createRedis,
  loadConfig,
  NoReplicasError,
  ReadOnlyError,
  ReplyError,
  WriteConcernError,
  WrongTypeError,
} from '../../src/index.js';

const concern = { replicas: 1, timeoutMs: 100 };

/** A reply error as the engine raises it (name ReplyError, the server's message). */
function serverError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('write concern', () => {
  it('waits after writes and scripts, not after reads, WAIT itself or PUBLISH', () => {
    for (const name of ['set', 'incr', 'hset', 'del', 'eval', 'evalsha', 'fcall', 'lpush', 'expire'])
      assert.ok(waitsForReplicas(name), name);
    for (const name of ['get', 'mget', 'eval_ro', 'evalsha_ro', 'fcall_ro', 'wait', 'waitaof', 'publish', 'spublish', 'ping', 'info']) {
      assert.ok(!waitsForReplicas(name), name);
    }
  });

  it('sends the write then WAIT replicas timeout; buffer replies use the Buffer method', () => {
    assert.deepEqual(writeWithWait('set', ['k', 'v'], false, concern), [
      ['set', 'k', 'v'],
      ['wait', 1, 100],
    ]);
    assert.deepEqual(writeWithWait('getset', ['k', 'v'], true, concern)[0], ['getsetBuffer', 'k', 'v']);
  });

  it("answers with the write's reply when enough replicas confirmed it", () => {
    assert.equal(
      settleWriteConcern(
        'set',
        [
          [null, 'OK'],
          [null, 1],
        ],
        concern,
      ),
      'OK',
    );
    assert.equal(
      settleWriteConcern(
        'incr',
        [
          [null, 7],
          [null, 2],
        ],
        concern,
      ),
      7,
    );
  });

  it('fails with WriteConcernError (reply kept) when fewer replicas confirmed it', () => {
    assert.throws(
      () =>
        settleWriteConcern(
          'set',
          [
            [null, 'OK'],
            [null, 0],
          ],
          concern,
        ),
      (error: unknown) => {
        assert.ok(error instanceof WriteConcernError);
        assert.equal(error.code, 'ERR_REDIS_WRITE_CONCERN');
        assert.equal(error.acknowledged, 0);
        assert.equal(error.required, 1);
        assert.equal(error.reply, 'OK');
        assert.match(error.message, /applied on the primary.*not confirmed replicated/);
        return true;
      },
    );
  });

  it("rethrows the write's own error; a failed WAIT is a WriteConcernError with it as cause", () => {
    const wrongType = new WrongTypeError('WRONGTYPE x', 'WRONGTYPE', 'incr');
    assert.throws(
      () =>
        settleWriteConcern(
          'incr',
          [
            [wrongType, null],
            [null, 1],
          ],
          concern,
        ),
      (error: unknown) => error === wrongType,
    );
    const refused = new ReplyError('ERR WAIT cannot be used with replica instances', 'ERR', 'wait');
    assert.throws(
      () =>
        settleWriteConcern(
          'set',
          [
            [null, 'OK'],
            [refused, null],
          ],
          concern,
        ),
      (error: unknown) => error instanceof WriteConcernError && error.cause === refused,
    );
    assert.throws(() => settleWriteConcern('set', null, concern), ReplyError);
  });

  it('names the key of a redirected write (MOVED / ASK), not of other errors', () => {
    const moved = classifyError(serverError('MOVED 3999 127.0.0.1:7002'), 'set');
    assert.equal(redirectedKey('set', ['k', 'v'], moved), 'k');
    assert.equal(redirectedKey('evalsha', ['sha', 1, 'k2', 'a'], moved), 'k2');
    assert.equal(redirectedKey('set', ['k', 'v'], classifyError(serverError('ASK 3999 127.0.0.1:7002'), 'set')), 'k');
    assert.equal(redirectedKey('set', ['k', 'v'], classifyError(serverError('ERR nope'), 'set')), undefined);
  });
});

describe('READONLY and NOREPLICAS replies', () => {
  it('are typed ReadOnlyError and NoReplicasError', () => {
    const readOnly = classifyError(serverError("READONLY You can't write against a read only replica."), 'set');
    assert.ok(readOnly instanceof ReadOnlyError);
    assert.equal(readOnly.code, 'ERR_REDIS_READONLY');
    const noReplicas = classifyError(serverError('NOREPLICAS Not enough good replicas to write.'), 'set');
    assert.ok(noReplicas instanceof NoReplicasError);
    assert.equal(noReplicas.code, 'ERR_REDIS_NOREPLICAS');
    assert.equal(noReplicas.prefix, 'NOREPLICAS');
  });
});

describe('write concern configuration', () => {
  it('is off by default; the variables are REDIS_WRITE_CONCERN_REPLICAS and REDIS_WRITE_CONCERN_TIMEOUT (seconds)', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.writeConcernReplicas, 0);
    assert.equal(defaults.writeConcernTimeoutMs, 1000);
    const set = loadConfig({ REDIS_WRITE_CONCERN_REPLICAS: '2', REDIS_WRITE_CONCERN_TIMEOUT: '0.25' });
    assert.equal(set.writeConcernReplicas, 2);
    assert.equal(set.writeConcernTimeoutMs, 250);
  });

  it('rejects out-of-range values, naming the variable', () => {
    assert.throws(
      () => loadConfig({ REDIS_WRITE_CONCERN_REPLICAS: '17', REDIS_WRITE_CONCERN_TIMEOUT: '61' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.some((issue) => issue.name === 'REDIS_WRITE_CONCERN_REPLICAS') &&
        error.issues.some((issue) => issue.name === 'REDIS_WRITE_CONCERN_TIMEOUT'),
    );
  });

  it('writeConcern: { replicas, timeoutMs } is shorthand for the flat options; both together are refused', () => {
    const redis = createRedis({ env: {}, writeConcern: { replicas: 1, timeoutMs: 50 } });
    assert.equal(redis.options.writeConcernReplicas, 1);
    assert.equal(redis.options.writeConcernTimeoutMs, 50);
    redis.destroy();
    assert.throws(() => createRedis({ env: {}, writeConcern: { replicas: 1 }, writeConcernReplicas: 2 }), ConfigError);
    assert.throws(() => createRedis({ env: {}, writeConcern: { replicas: 99 } }), ConfigError);
  });
});
