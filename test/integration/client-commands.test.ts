import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotAllowedError, NoPermissionError, ReplyError, WrongTypeError } from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

describe('client commands over lanes', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('runs typed commands, buffers, objects and callbacks', async () => {
    await using redis = kitFor(server);
    assert.equal(await redis.set('greeting', 'hello'), 'OK');
    assert.equal(await redis.get('greeting'), 'hello');
    assert.deepEqual(await redis.getBuffer('greeting'), Buffer.from('hello'));
    assert.equal(await redis.hset('h', { a: '1', b: '2' }), 2);
    assert.deepEqual(await redis.hgetall('h'), { a: '1', b: '2' });
    const viaCallback = await new Promise((resolve, reject) => {
      redis.incr('counter', (error, value) => (error ? reject(error) : resolve(value)));
    });
    assert.equal(viaCallback, 1);
    assert.equal(await redis.sendCommand('GET', ['greeting']), 'hello');
  });

  it('applies the key prefix to every key of multi-key commands, and only to keys', async () => {
    await using redis = kitFor(server, { keyPrefix: 'app:' });
    await redis.mset({ a: '1', b: '2' });
    assert.deepEqual(await redis.mget('a', 'b'), ['1', '2']);
    await redis.sadd('s1', 'x', 'y');
    await redis.sadd('s2', 'y', 'z');
    assert.equal(await redis.sunionstore('s3', 's1', 's2'), 3);
    assert.equal(await redis.del('a', 'b'), 2);
    const keys = (await server.command('KEYS', 'app:*')).split('\n').sort();
    assert.deepEqual(keys, ['app:s1', 'app:s2', 'app:s3']);
    // Values are not keys: the prefix must not touch them.
    await redis.set('v', 'app:not-a-key');
    assert.equal(await server.command('GET', 'app:v'), 'app:not-a-key');
  });

  it('gives typed reply errors with Redis’s own prefix', async () => {
    await using redis = kitFor(server);
    await redis.set('str', 'x');
    const wrongType = await redis.lpush('str', 'y').catch((error: unknown) => error);
    assert.ok(wrongType instanceof WrongTypeError);
    assert.equal(wrongType.code, 'ERR_REDIS_WRONGTYPE');
    assert.equal(wrongType.prefix, 'WRONGTYPE');
    const notInt = await redis.incr('str').catch((error: unknown) => error);
    assert.ok(notInt instanceof ReplyError);
    assert.equal(notInt.prefix, 'ERR');
    assert.ok(notInt.cause instanceof Error, 'the engine error is kept as cause');
  });

  it('refuses connection-state commands on the shared lanes', async () => {
    await using redis = kitFor(server);
    // The types leave these methods out (the lines below compile only because of that); plain
    // JavaScript callers still get the explanatory error instead of "not a function".
    // @ts-expect-error WATCH needs a lease
    await assert.rejects(redis.watch('k'), NotAllowedError);
    // @ts-expect-error SELECT needs a lease
    await assert.rejects(redis.select(1), NotAllowedError);
    const typed: string | null = await redis.get('typed');
    assert.equal(typed, null);
    for (const attempt of [
      () => redis.sendCommand('watch', ['k']),
      () => redis.sendCommand('select', [2]),
      () => redis.sendCommand('subscribe', ['c']),
    ]) {
      await assert.rejects(attempt(), NotAllowedError);
    }
  });

  it('pipelines and MULTI over a lane, with typed errors per command', async () => {
    await using redis = kitFor(server);
    const replies = await redis.pipeline().set('p', '1').incr('p').hget('p', 'f').exec();
    assert.ok(replies);
    assert.deepEqual(replies.slice(0, 2), [
      [null, 'OK'],
      [null, 2],
    ]);
    assert.ok(replies[2]?.[0] instanceof WrongTypeError);
    const tx = await redis.multi().set('m', '10').incrby('m', 5).exec();
    assert.deepEqual(tx, [
      [null, 'OK'],
      [null, 15],
    ]);
    await assert.rejects(redis.pipeline().blpop('q', 1).exec(), NotAllowedError);
  });

  it('runs scripts by EVALSHA and survives SCRIPT FLUSH through the NOSCRIPT fallback', async () => {
    await using redis = kitFor(server, { keyPrefix: 'scr:' });
    const script = redis.defineScript<number>({ lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])", numberOfKeys: 1 });
    assert.equal(script.sha1.length, 40);
    assert.equal(await script.run(redis, ['n'], [2]), 2);
    assert.equal(await server.command('SCRIPT', 'EXISTS', script.sha1), '1');
    await server.command('SCRIPT', 'FLUSH');
    assert.equal(await server.command('SCRIPT', 'EXISTS', script.sha1), '0');
    assert.equal(await script.run(redis, ['n'], [3]), 5, 'fell back to EVAL');
    assert.equal(await server.command('SCRIPT', 'EXISTS', script.sha1), '1', 'and EVAL loaded it again');
    assert.deepEqual(redis.stats().commands.errors, {}, 'the NOSCRIPT step of the fallback is no command error');
    assert.equal(await server.command('GET', 'scr:n'), '5', 'KEYS got the prefix');
    await assert.rejects(script.run(redis, [], []), /takes 1 keys/);
  });

  it('classifies an ACL denial inside EVAL (an ERR reply) as NoPermissionError', async () => {
    await server.command('ACL', 'SETUSER', 'scripter', 'on', '>scripter-pw', '~*', '+@all', '-set');
    await using redis = kitFor(server, { username: 'scripter', password: 'scripter-pw' });
    const error = await redis.eval("return redis.call('SET', KEYS[1], 'x')", 1, 'k').catch((e: unknown) => e);
    assert.ok(error instanceof NoPermissionError, `got ${String(error)}`);
    const direct = await redis.set('k', 'x').catch((e: unknown) => e);
    assert.ok(direct instanceof NoPermissionError);
    assert.equal(direct.prefix, 'NOPERM');
  });

  it('reports what connect() found', async () => {
    await using redis = kitFor(server);
    const report = await redis.connect();
    assert.match(report.serverVersion, /^\d+\.\d+\.\d+$/);
    assert.equal(report.serverMode, 'standalone');
    assert.ok(report.latencyMs > 0);
    assert.equal(report.target, `127.0.0.1:${server.port} (standalone)`);
    const stats = redis.stats();
    assert.equal(stats.lanes.ready, 2);
    assert.equal(
      stats.connections.maxPerNode,
      2 + 50 + 1 + 1 + 1,
      'lanes + maxConnections + subscriber + sharded subscriber + invalidation',
    );
  });
});
