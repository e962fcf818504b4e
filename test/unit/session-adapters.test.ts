import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { describe, it } from 'node:test';
import { createRedis, InvalidArgumentError, RedisUnavailableError } from '../../src/index.js';
import {
  createSessionStore,
  expressSessionStore,
  fastifySessionStore,
  type SessionDecodeError,
  SessionUnavailableError,
} from '../../src/session/index.js';

/** Calls a callback-style method and resolves with what the callback got. */
function call<T>(invoke: (callback: (error: unknown, value?: T) => void) => void): Promise<{ error: unknown; value: T | undefined }> {
  return new Promise((resolve) => invoke((error, value) => resolve({ error, value })));
}

/** Stands in for express-session's module: only its `Store` base class is used. */
const fakeExpressSession = { Store: class Store extends EventEmitter {} };

describe('session adapters without a framework', () => {
  it('Redis unreachable: the callback gets SessionUnavailableError (statusCode 503) with the client error as cause', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const store = createSessionStore(redis);
    const fastify = fastifySessionStore(store);
    const express = expressSessionStore(fakeExpressSession, store);
    for (const result of [
      await call((cb) => fastify.get('sid', cb)),
      await call((cb) => fastify.set('sid', {}, cb)),
      await call((cb) => fastify.destroy('sid', cb)),
      await call((cb) => express.get('sid', cb)),
      await call((cb) => express.touch('sid', {}, cb)),
      await call((cb) => express.length(cb)),
    ]) {
      assert.ok(result.error instanceof SessionUnavailableError, String(result.error));
      assert.equal(result.error.statusCode, 503);
      assert.ok(result.error.cause instanceof RedisUnavailableError);
    }
  });

  it('other errors pass unchanged: bad input is not a 503', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const fastify = fastifySessionStore(createSessionStore(redis, { fallback: 'memory', onFallback: () => undefined }));
    const { error } = await call((cb) => fastify.set('', {}, cb));
    assert.ok(error instanceof InvalidArgumentError);
  });

  it('the express adapter extends the Store class it is given, and hands out null for a miss', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const store = createSessionStore(redis, { fallback: 'memory', onFallback: () => undefined });
    const adapter = expressSessionStore(fakeExpressSession, store);
    assert.ok(adapter instanceof fakeExpressSession.Store);
    assert.equal(
      Object.getPrototypeOf(adapter),
      Object.getPrototypeOf(expressSessionStore(fakeExpressSession, store)),
      'one class per Store',
    );
    assert.deepEqual(await call((cb) => adapter.get('nobody', cb)), { error: null, value: null });
    await call((cb) => adapter.set('s', { cookie: { expires: null }, n: 1 }, cb));
    assert.deepEqual((await call((cb) => adapter.get('s', cb))).value, { cookie: { expires: null }, n: 1 });
  });

  it('a stored session without a cookie is invalid for express-session, fine for @fastify/session', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const store = createSessionStore(redis, { fallback: 'memory', onFallback: () => undefined });
    await store.set('s', { user: 'ada' });
    const invalid: SessionDecodeError[] = [];
    const express = expressSessionStore(fakeExpressSession, store, { onInvalidSession: (error) => invalid.push(error) });
    assert.deepEqual(await call((cb) => express.get('s', cb)), { error: null, value: null });
    assert.equal(invalid.length, 1);
    const fastify = fastifySessionStore(store);
    assert.deepEqual((await call((cb) => fastify.get('s', cb))).value, { user: 'ada' });
  });

  it('an error nobody has a callback for becomes a process warning, not a silent loss', async () => {
    await using redis = createRedis({ env: {}, url: 'memory://' });
    const express = expressSessionStore(fakeExpressSession, createSessionStore(redis));
    const warning = once(process, 'warning');
    express.destroy('sid');
    const [emitted] = (await warning) as [Error];
    assert.ok(emitted instanceof SessionUnavailableError);
  });
});
