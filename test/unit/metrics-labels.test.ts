import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, createRedis } from '../../src/index.js';
import { errorType, oneOf, operationName, roles } from '../../src/observability/prometheus/labels.js';
import { createMetrics } from '../../src/observability/prometheus/index.js';

describe('metric labels are bounded', () => {
  it('a command from the command table is its own label; anything else is "other"', () => {
    assert.equal(operationName('get'), 'get');
    assert.equal(operationName('evalsha'), 'evalsha');
    assert.equal(operationName('pipeline'), 'pipeline');
    assert.equal(operationName('user:42:secret'), 'other');
    assert.equal(operationName('GET'), 'other', 'the client reports commands lower-case; anything else is not trusted');
  });

  it('error_type is a code-shaped code, never a message', () => {
    assert.equal(errorType(Object.assign(new Error('x'), { code: 'ERR_REDIS_WRONGTYPE' })), 'ERR_REDIS_WRONGTYPE');
    assert.equal(errorType(Object.assign(new Error('x'), { code: 'WRONGPASS invalid password s3cret' })), 'other');
    assert.equal(errorType(new Error('no code')), 'other');
  });

  it('typed values outside their set become "other"', () => {
    assert.equal(oneOf('lease', roles), 'lease');
    assert.equal(oneOf('redis://:pw@host', roles), 'other');
    assert.equal(oneOf(undefined, roles), 'other');
  });

  it('createMetrics refuses a bad prefix and unknown options with one ConfigError', async () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    try {
      assert.throws(
        () => createMetrics(redis, { prefix: '9bad-prefix' }),
        (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.name === 'metrics.prefix'),
      );
      // Through a variable, as plain JavaScript would pass it: no excess-property check.
      const misspelt = { prefix: 'ok_', prefx: 'a_' };
      assert.throws(
        () => createMetrics(redis, misspelt),
        (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.name === 'metrics.prefx'),
      );
    } finally {
      await redis.close();
    }
  });
});
