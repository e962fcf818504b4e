import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ChainablePipeline, Pipeline } from '../../src/commands/pipeline.js';
import { ReplyError, TransactionDiscardedError } from '../../src/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** Queues SET, two commands Redis refuses at queue time (wrong arity: the typed methods cannot express them), GET. */
function withRefusals(chain: ChainablePipeline, key: string): Promise<unknown> {
  assert.ok(chain instanceof Pipeline);
  chain.set(key, 'v');
  chain.addCommand('incr', ['a', 'b'], false).addCommand('set', ['only-a-key'], false);
  return chain.get(key).exec();
}

describe('MULTI discarded by EXECABORT: the queued commands refusals are reported, the same on both engines', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    await server?.stop();
  });

  for (const engine of ['resp', 'ioredis'] as const) {
    for (const where of ['client', 'lease'] as const) {
      it(`${engine}, on the ${where}`, async () => {
        await using redis = kitFor(server, { engine });
        const key = `${engine}:${where}:set`;
        const run = await settle(
          where === 'client' ? withRefusals(redis.multi(), key) : redis.lease((conn) => withRefusals(conn.multi(), key)),
        );
        assert.ok(!run.ok && run.error instanceof TransactionDiscardedError, String(!run.ok && run.error));
        const error = run.error as TransactionDiscardedError;
        assert.ok(error instanceof ReplyError, 'still a ReplyError, as before');
        assert.equal(error.code, 'ERR_REDIS_EXECABORT');
        assert.equal(error.prefix, 'EXECABORT');
        assert.deepEqual(
          error.queuedErrors.map(({ command, error }) => [
            command,
            error instanceof ReplyError,
            error.message.split(' ').slice(0, 3).join(' '),
          ]),
          [
            ['incr', true, 'ERR wrong number'],
            ['set', true, 'ERR wrong number'],
          ],
        );
        assert.equal(await server.command('EXISTS', key), '0', 'nothing of the transaction ran');
        assert.equal(
          await redis
            .multi()
            .set(key, 'ok')
            .exec()
            .then((r) => r?.[0]?.[1]),
          'OK',
          'the connection is usable after it',
        );
      });
    }
  }
});
