import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createRedis, RedisKitError, type RedisKit } from '../../src/index.js';
import { forCaller, SCRIPTS, type Step, step } from '../helpers/command-arbitraries.js';
import { ioredisTarget, kitTarget, runSteps } from '../helpers/differential.js';
import { type RedisServer, startRedis } from '../helpers/index.js';

/**
 * The own engine against raw ioredis (issue #8): the same random command sequences, sent through a
 * plain `new Redis()` and through redis-kit on `engine: 'resp'` against the same server, each side
 * starting from the same empty dataset and script cache, get the same replies. Errors are compared
 * by message: redis-kit types them (WrongTypeError …), ioredis has its ReplyError, and the
 * server's text is what both carry.
 *
 * Seeded, with a bounded number of runs: a failure names its seed and shrunk sequence, and
 * `DIFF_SEED=<n> DIFF_RUNS=<n>` replays or widens it.
 */
const SEED = Number(process.env.DIFF_SEED ?? 0x5eed8);
const RUNS = Number(process.env.DIFF_RUNS ?? 100);
const sequences = fc.array(step, { minLength: 1, maxLength: 25 });

describe('differential: raw ioredis and redis-kit on the own engine give the same replies', () => {
  let server: RedisServer;
  let admin: Redis;
  before(async () => {
    server = await startRedis();
    admin = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await admin.connect();
  });
  after(async () => {
    await admin.quit();
    await server.stop();
  });

  /**
   * The same start for both sides: no keys, and a script cache holding the first script only (so
   * EVALSHA of the others is NOSCRIPT until an EVAL of theirs), or all of them (`preload`).
   */
  async function reset(preload: 'first' | 'all' = 'first'): Promise<void> {
    await admin.flushdb();
    await admin.script('FLUSH');
    for (const source of preload === 'all' ? SCRIPTS : SCRIPTS.slice(0, 1)) await admin.script('LOAD', source);
  }

  for (const keyPrefix of ['', 'pfx:']) {
    it(`random sequences of commands, pipelines and MULTI (keyPrefix ${JSON.stringify(keyPrefix)})`, async () => {
      const raw = new Redis({ host: server.host, port: server.port, keyPrefix, lazyConnect: true });
      await raw.connect();
      await using kit: RedisKit = createRedis({ env: {}, engine: 'resp', url: server.url, keyPrefix, commandTimeoutMs: 5000 });
      await kit.connect();
      const untyped: unknown[] = [];
      const kitSide = kitTarget(kit, (error) => {
        if (!(error instanceof RedisKitError) || !/^ERR_REDIS_[A-Z_]+$/.test(error.code)) untyped.push(error);
      });
      const rawSide = ioredisTarget(raw);
      let compared = 0;
      try {
        await fc.assert(
          fc.asyncProperty(sequences, async (steps: Step[]) => {
            await reset();
            const expected = await runSteps(rawSide, steps);
            await reset();
            const actual = await runSteps(kitSide, steps);
            assert.deepStrictEqual(actual, expected);
            compared += steps.length;
          }),
          { seed: SEED, numRuns: RUNS },
        );
      } catch (error) {
        // fast-check keeps the assertion's diff in `cause`; node:test prints only the message.
        if (error instanceof Error && error.cause instanceof Error) error.message += `\n${error.cause.message}`;
        throw error;
      } finally {
        raw.disconnect();
      }
      assert.deepEqual(untyped, [], 'every error redis-kit raised is a typed RedisKitError with a code');
      assert.ok(compared >= RUNS, `compared ${compared} steps`);
    });
  }

  it('concurrent callers on disjoint keys: each caller gets its own replies, across lanes and batches', async () => {
    // Many callers at once put commands of several callers in one socket write and one read, on
    // two lanes: a reply handed to the wrong caller, or a batch's replies split wrongly, shows.
    const raw = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await raw.connect();
    await using kit: RedisKit = createRedis({ env: {}, engine: 'resp', url: server.url, lanes: 2, commandTimeoutMs: 5000 });
    await kit.connect();
    const rawSide = ioredisTarget(raw);
    const kitSide = kitTarget(kit);
    const callers = fc.array(sequences, { minLength: 2, maxLength: 8 });
    const runAll = (target: typeof rawSide, all: Step[][]) =>
      Promise.all(
        all.map((steps, caller) =>
          runSteps(
            target,
            steps.map((s) => forCaller(s, caller)),
          ),
        ),
      );
    try {
      await fc.assert(
        fc.asyncProperty(callers, async (all: Step[][]) => {
          // Every script preloaded: with EVALs racing, which EVALSHA finds its script would depend on timing.
          await reset('all');
          const expected = await runAll(rawSide, all);
          await reset('all');
          assert.deepStrictEqual(await runAll(kitSide, all), expected);
        }),
        { seed: SEED, numRuns: Math.ceil(RUNS / 4) },
      );
    } catch (error) {
      if (error instanceof Error && error.cause instanceof Error) error.message += `\n${error.cause.message}`;
      throw error;
    } finally {
      raw.disconnect();
    }
  });

  it('the generated sequences cover what they claim: every kind of reply and error occurs', async () => {
    // Guards the generator: a change that stopped producing errors or Buffer replies would leave
    // the property above comparing less without failing.
    await reset();
    const raw = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await raw.connect();
    const seen = new Set<string>();
    try {
      const target = ioredisTarget(raw);
      const samples = fc.sample(sequences, { seed: SEED, numRuns: RUNS });
      for (const steps of samples) {
        await reset();
        const outcomes = await runSteps(target, steps);
        for (const [i, s] of steps.entries()) {
          seen.add(s.kind);
          const o = outcomes[i];
          const flat = o !== undefined && 'batch' in o ? (o.batch ?? []) : o === undefined ? [] : [o];
          for (const item of flat) {
            if ('error' in item) seen.add(`error:${item.error.split(' ')[0]}`);
            else if (Buffer.isBuffer(item.value)) seen.add('buffer');
            else if (Array.isArray(item.value)) seen.add('array');
            else if (item.value === null) seen.add('null');
            else seen.add(typeof item.value);
          }
          if (o !== undefined && 'error' in o && s.kind === 'multi') seen.add('multi-aborted');
        }
      }
    } finally {
      raw.disconnect();
    }
    for (const kind of ['command', 'pipeline', 'multi', 'multi-aborted', 'buffer', 'array', 'null', 'number', 'string', 'object']) {
      assert.ok(seen.has(kind), `the sequences produce ${kind} (saw ${[...seen].sort().join(', ')})`);
    }
    for (const prefix of ['WRONGTYPE', 'ERR', 'NOSCRIPT', 'MYERR']) {
      assert.ok(seen.has(`error:${prefix}`), `the sequences produce ${prefix} errors (saw ${[...seen].sort().join(', ')})`);
    }
  });
});
